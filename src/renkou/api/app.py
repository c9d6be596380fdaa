"""The FastAPI application (网页应用): dashboard page, static assets and JSON API."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from renkou import __version__
from renkou.api import docs, problems
from renkou.api.gate import StoreGate
from renkou.api.headers import BodyLimit, SecurityHeaders
from renkou.api.routers import routers
from renkou.api.routers.uploads import UPLOADS_PREFIX
from renkou.app.dashboard import Dashboard
from renkou.app.handoff import Inbox
from renkou.app.jobs import JobRunner
from renkou.app.stores import host_store
from renkou.app.uploads import after_job
from renkou.app.workers import StoreWorkers
from renkou.auth.sessions import RateLimit, Sessions
from renkou.settings import Settings, get_settings

# Login attempts one client address may make per minute.
LOGIN_ATTEMPTS_PER_MINUTE = 10


def _static_dir() -> str:
    return str(resources.files("renkou").joinpath("web/static"))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While serving: take batches handed over by ``renkou registry ingest`` (see
    :mod:`renkou.app.handoff`); at the end, stop the job worker."""
    settings: Settings = app.state.settings
    inbox = Inbox(settings.database, app.state.jobs, settings,
                  writing=app.state.gate.writing)
    inbox.start()
    try:
        yield
    finally:
        inbox.stop()
        app.state.jobs.stop()
        workers: StoreWorkers | None = getattr(app.state, "answer_workers", None)
        if workers is not None:
            workers.shutdown()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="renkou 人口发展规划监测", version=__version__,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=_lifespan)
    app.state.settings = settings or get_settings()
    # The server holds the store as one DuckDB instance shared by its requests and jobs.
    host_store(app.state.settings.database, app.state.settings)
    gate = StoreGate()
    app.state.gate = gate
    db = app.state.settings.database
    app.state.jobs = JobRunner(db, writing=gate.writing, on_done=after_job(db))
    # Store summaries and plan assessments, kept per version of the store's data: a login
    # (which writes the audit log into the store file) does not make them run again.
    app.state.dashboard = Dashboard(version=gate.data_version)
    app.state.sessions = Sessions()
    app.state.login_limit = RateLimit(LOGIN_ATTEMPTS_PER_MINUTE, 60.0)

    problems.install(app)
    # The headers go on every answer, the size limit's 413 included (outermost added last).
    app.add_middleware(BodyLimit, larger={
        UPLOADS_PREFIX: app.state.settings.max_upload_mb << 20})
    app.add_middleware(SecurityHeaders, https_only=app.state.settings.env == "production")

    for router in routers():
        app.include_router(router)
    docs.install(app)

    static = _static_dir()
    fonts = str(resources.files("renkou").joinpath("data/fonts"))
    # Fonts live with the package data (reports use them too); served under /static/fonts.
    app.mount("/static/fonts", StaticFiles(directory=fonts), name="fonts")
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(f"{static}/index.html", media_type="text/html; charset=utf-8")

    return app


def refresh_apart(app: FastAPI) -> None:
    """Make the answers of a new data version in a child process (see
    :mod:`renkou.api.answers`); without this (the tests' clients) they are made in a thread."""
    settings: Settings = app.state.settings
    app.state.answer_workers = StoreWorkers(settings.database, settings)


def warm(app: FastAPI, db: Path) -> threading.Thread | None:
    """Assess the jurisdiction's plan in the background (as a reader of the store, so that a
    login does not collide with it) so that the first page view is quick."""
    if not Path(db).exists():
        return None
    dashboard: Dashboard = app.state.dashboard
    gate: StoreGate = app.state.gate

    def run() -> None:
        try:
            with gate.reading():
                dashboard.assessment(db)
        except Exception:  # the request path reports errors properly; warming may fail
            return

    thread = threading.Thread(target=run, name="warm-assessment", daemon=True)
    thread.start()
    return thread
