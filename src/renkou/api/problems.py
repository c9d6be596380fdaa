"""Errors as ``application/problem+json`` (RFC 9457) with Chinese messages.

Domain errors become their status here, at the edge. Nothing of a stack trace, an SQL
statement or a submitted value goes out: validation errors name the field and the rule,
never the input (it may be an ID number), and an unexpected error answers with a fixed
message while the trace goes to the server log."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from renkou.auth.redact import redact_ids
from renkou.errors import RenkouError

PROBLEM = "application/problem+json"
_log = logging.getLogger("renkou.api")

TITLES = {
    400: "请求无效", 401: "未登录或会话已过期", 403: "无权访问", 404: "未找到",
    405: "不支持的请求方法", 409: "冲突", 413: "请求体过大", 415: "不支持的内容类型",
    422: "请求参数不合法", 429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用",
}

# Messages of the server's own HTTP errors (Starlette's are in English).
_DEFAULT_DETAIL = {404: "请求的地址不存在", 405: "该地址不支持此请求方法"}

# The store's errors can quote DuckDB; only their Chinese lead goes out.
_SQL_MARKERS = ("SELECT ", "INSERT ", "CREATE ", "Error:", "Catalog Error", "Binder Error",
                "Parser Error", "Traceback")


def problem(status: int, detail: str, *, error: str | None = None,
            headers: dict[str, str] | None = None,
            extra: dict[str, object] | None = None) -> JSONResponse:
    detail = redact_ids(detail)
    body: dict[str, object] = {"type": "about:blank", "title": TITLES.get(status, "错误"),
                               "status": status, "detail": detail, "message": detail}
    if error:
        body["error"] = error
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _clean(message: str) -> str:
    cut = min((message.find(m) for m in _SQL_MARKERS if m in message), default=-1)
    return message if cut < 0 else message[:cut].rstrip("：: ，,") + "（详情见服务器日志）"


def _field(loc: tuple[object, ...] | list[object]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "请求体"


_RULES = {
    "missing": "缺少必填项", "string_pattern_mismatch": "格式不符",
    "literal_error": "取值不在允许范围内", "enum": "取值不在允许范围内", "int_parsing": "应为整数",
    "date_from_datetime_parsing": "应为日期",
    "date_parsing": "应为日期（YYYY-MM-DD）", "string_too_short": "过短", "string_too_long": "过长",
    "greater_than_equal": "过小", "less_than_equal": "过大", "json_invalid": "不是合法的 JSON",
    "model_attributes_type": "应为 JSON 对象", "string_type": "应为字符串",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(RenkouError)
    async def _domain(request: Request, exc: RenkouError) -> JSONResponse:
        if exc.http_status >= 500:
            _log.warning("%s %s: %s", request.method, request.url.path, exc)
        return problem(exc.http_status, _clean(str(exc)), error=type(exc).__name__)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() \
            else _DEFAULT_DETAIL.get(exc.status_code, TITLES.get(exc.status_code, "错误"))
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e.get("loc", ())),
                   "problem": _RULES.get(str(e.get("type")), "不合法")} for e in exc.errors()]
        detail = "；".join(f"{e['field']}：{e['problem']}" for e in errors)
        return problem(422, f"请求参数不合法：{detail}", error="InputError",
                       extra={"errors": errors})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "服务器内部错误，请联系管理员（详情见服务器日志）")
