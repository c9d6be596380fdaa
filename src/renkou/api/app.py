"""The FastAPI application (网页应用): dashboard page, static assets and JSON API."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from renkou import __version__
from renkou.api.routers import ids, meta, plans, population, regions
from renkou.app.dashboard import Dashboard
from renkou.errors import RenkouError
from renkou.settings import Settings, get_settings


def _static_dir() -> str:
    return str(resources.files("renkou").joinpath("web/static"))


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="renkou 人口发展规划监测", version=__version__,
                  docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)
    app.state.settings = settings or get_settings()
    # Store summaries and plan assessments, kept per store version for this application.
    app.state.dashboard = Dashboard()

    @app.exception_handler(RenkouError)
    async def _domain_error(_: Request, exc: RenkouError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status,
                            content={"error": type(exc).__name__, "message": str(exc)})

    for module in (meta, regions, population, plans, ids):
        app.include_router(module.router)

    static = _static_dir()
    fonts = str(resources.files("renkou").joinpath("data/fonts"))
    # Fonts live with the package data (reports use them too); served under /static/fonts.
    app.mount("/static/fonts", StaticFiles(directory=fonts), name="fonts")
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(f"{static}/index.html", media_type="text/html; charset=utf-8")

    return app
