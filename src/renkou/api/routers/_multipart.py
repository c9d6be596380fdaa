"""Reading a multipart upload straight into a private folder (上传文件的接收).

Starlette's form parser spools a file over 1 MB into the system's temporary directory — in
clear, outside the store's folder. Uploaded feeds hold personal data, so the request body is
parsed here as it streams in and each file is written only into the folder given (the job's
private folder beside the store, mode 0700; files 0600), never anywhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fastapi import HTTPException, Request
from python_multipart.multipart import MultipartParser, parse_options_header

from renkou.errors import InputError

MAX_FIELD_BYTES = 4096
MAX_PARTS = 200


@dataclass
class Received:
    """The files (original name → path written) and the text fields of an upload."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class _Parts:
    def __init__(self, folder: Path, file_field: str, max_bytes: int) -> None:
        self.folder = folder
        self.file_field = file_field
        self.max_bytes = max_bytes
        self.out = Received()
        self.total = 0
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._filename: str | None = None
        self._sink: IO[bytes] | None = None
        self._text = bytearray()

    # python-multipart callbacks ------------------------------------------------------------
    def on_part_begin(self) -> None:
        self._headers, self._field, self._value = {}, b"", b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        raw = options.get(b"filename")
        self._filename = None if raw is None else Path(
            raw.decode("utf-8", "replace").replace("\\", "/")).name
        self._text = bytearray()
        if self._filename is not None:
            if self._name != self.file_field:
                raise InputError(f"未知的文件字段 {self._name}（应为 {self.file_field}）")
            if len(self.out.files) >= MAX_PARTS:
                raise InputError(f"一次最多上传 {MAX_PARTS} 个文件")
            path = self.folder / f"part-{len(self.out.files):04d}"
            self._sink = path.open("wb")
            path.chmod(0o600)
            self.out.files.append((self._filename, path))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        self.total += len(chunk)
        if self.total > self.max_bytes:
            raise HTTPException(status_code=413, detail=(
                f"上传的文件合计超过 {self.max_bytes >> 20} MB 上限"
                "（更大的批次请用 renkou registry ingest 导入）"))
        if self._sink is not None:
            self._sink.write(chunk)
        else:
            self._text += chunk
            if len(self._text) > MAX_FIELD_BYTES:
                raise InputError(f"表单字段 {self._name} 过长")

    def on_part_end(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        elif self._name:
            self.out.fields[self._name] = self._text.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()


async def receive_files(request: Request, folder: Path, *, file_field: str,
                        max_bytes: int) -> Received:
    """Stream the request's multipart body into ``folder`` (files as ``part-NNNN``)."""
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise HTTPException(status_code=415, detail="请以 multipart/form-data 上传文件")
    parts = _Parts(folder, file_field, max_bytes)
    callbacks: Any = {name: getattr(parts, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished", "on_part_data", "on_part_end")}
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except (InputError, HTTPException):
        raise
    except Exception:
        raise InputError("上传内容不是合法的 multipart/form-data") from None
    finally:
        parts.close()
    if not parts.out.files:
        raise InputError(f"没有上传任何文件（字段 {file_field}）")
    return parts.out


def multipart_body(file_field: str, many: bool, fields: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI request body of an upload route (the body is read by hand)."""
    binary = {"type": "string", "format": "binary"}
    props: dict[str, Any] = {file_field: {"type": "array", "items": binary} if many
                             else binary}
    props.update({k: {"type": "string", "description": v} for k, v in fields.items()})
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": [file_field], "properties": props}}}}}
