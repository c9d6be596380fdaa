"""Errors as ``application/problem+json`` (RFC 9457) with Chinese messages.

Domain errors become their status here, at the edge. Nothing of a stack trace, an SQL
statement or a submitted value goes out: validation errors name the field and the rule,
never the input (it may be an ID number), and an unexpected error answers with a fixed
message while the trace goes to the server log."""

from __future__ import annotations

import logging
import os
import re
from typing import Any

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
                "Parser Error", "IO Error", "Traceback")
# DuckDB's lock conflict names the file, the other process's program and its PID.
_LOCKED = "Could not set lock"
LOCKED_DETAIL = "数据库正由另一个程序写入（例如命令行导入），暂时无法打开，请稍后再试"


# A file-system path in a message (the store's, the interpreter's …) and a process id: they
# tell an outsider how the server is laid out. Only paths under an existing top-level folder
# count, so that an API route such as /api/jobs quoted in a message is left alone.
_PATH = re.compile(r"(?<![\w.])/(?:[^\s/\"'：:，,；;（）()]+/)*[^\s/\"'：:，,；;（）()]+")
_PID = re.compile(r"\s*[（(]?\bPID\s*\d+[）)]?", re.IGNORECASE)


def redact_paths(message: str) -> str:
    """``message`` with every file-system path cut to its last part and process ids left
    out."""
    def cut(m: re.Match[str]) -> str:
        path = m.group(0)
        top = path.split("/", 2)[1]
        return path.rsplit("/", 1)[-1] if top and os.path.isdir("/" + top) else path
    return _PID.sub("", _PATH.sub(cut, message))


def problem(status: int, detail: str, *, error: str | None = None,
            headers: dict[str, str] | None = None,
            extra: dict[str, object] | None = None) -> JSONResponse:
    detail = redact_paths(redact_ids(detail))
    body: dict[str, object] = {"type": "about:blank", "title": TITLES.get(status, "错误"),
                               "status": status, "detail": detail, "message": detail}
    if error:
        body["error"] = error
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _clean(message: str) -> str:
    if _LOCKED in message:
        return LOCKED_DETAIL
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


# The answer every error has, as the OpenAPI document describes it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object",
    "description": "错误（RFC 9457 application/problem+json），message 与 detail 为中文说明",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "message": {"type": "string"}, "error": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "problem"],
            "properties": {"field": {"type": "string"}, "problem": {"type": "string"}}}}},
    "additionalProperties": True,
}
_STATE_CHANGING = frozenset({"post", "put", "patch", "delete"})


def _problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer with, from what every route shares: a
    session (401; the login's wrong password too), a role or scope (403), a domain error
    (404 not found, 422 bad input, 503 store unavailable); a state change can conflict (409);
    a request body can be unreadable, too large or of the wrong type (400, 413, 415); the
    routes open without a session are rate-limited (429)."""
    statuses = [401, 404, 422, 503]
    secured = bool(operation.get("security"))
    if secured:
        statuses.append(403)
    else:
        statuses.append(429)
    if method in _STATE_CHANGING:
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [400, 413, 415]
    return sorted(statuses)


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare the problem answers in ``spec`` (an OpenAPI document, changed in place): every
    operation lists its error statuses as ``application/problem+json`` with the Problem
    schema — FastAPI's own 422 (a JSON validation list) is not what the server sends."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for ops in spec.get("paths", {}).values():
        for method, operation in ops.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            responses = operation.setdefault("responses", {})
            for status in _problem_statuses(method, operation):
                responses[str(status)] = {"description": TITLES[status],
                                          "content": {PROBLEM: {"schema": ref}}}
    schemas = spec["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):  # left unused by the above
        entry = schemas.pop(name, None)
        if entry is not None and f"/{name}'" in str(spec):
            schemas[name] = entry
    return spec


def _install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _install_openapi(app)

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
