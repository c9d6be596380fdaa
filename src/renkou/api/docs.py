"""The API documentation pages (Swagger UI and ReDoc) from files shipped with the package
(``fastapi-offline``): they render on a machine with no outside network. The pages carry no
inline script (the Swagger UI start-up is a static file)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/api/docs-assets"

_SWAGGER = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{title}} · API 文档</title>
<link rel="icon" href="{ASSETS}/favicon.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi="{{openapi}}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""

_REDOC = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{title}} · ReDoc</title>
<link rel="icon" href="{ASSETS}/favicon.png"></head>
<body><redoc spec-url="{{openapi}}"></redoc>
<script src="{ASSETS}/redoc.standalone.js"></script></body></html>"""


def install(app: FastAPI) -> None:
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount(ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")
    openapi = app.openapi_url or "/api/openapi.json"

    @app.get("/api/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return HTMLResponse(_SWAGGER.format(title=app.title, openapi=openapi))

    @app.get("/api/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(_REDOC.format(title=app.title, openapi=openapi))
