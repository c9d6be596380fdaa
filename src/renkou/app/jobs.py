"""Background jobs of the server (后台任务): ingests of uploaded feeds and projections run one
at a time on the server's own worker thread (the store has one writer), with a state, a
progress between 0 and 1 with a Chinese message, cancel, and a result.

Every change of state is appended to the store's ``app_jobs`` table, so the list of past jobs
(who started what, when, and how it ended) survives the server; a job left queued or running
by a server that stopped reads as failed. A job's files (a projection's output) live in the
store's private job folder ``.<store>.jobs/<id>/`` (mode 0700)."""

from __future__ import annotations

import datetime as dt
import json
import queue
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from renkou.app.stores import registry_at
from renkou.errors import InputError, NotFoundError, RenkouError
from renkou.logs import get_logger

log = get_logger("app.jobs")

TABLE = "jobs"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


STATE_ZH = {JobState.queued: "排队中", JobState.running: "运行中", JobState.done: "已完成",
            JobState.failed: "失败", JobState.cancelled: "已取消"}
FINISHED = frozenset({JobState.done, JobState.failed, JobState.cancelled})

KIND_ZH = {"ingest": "数据入库", "projection": "人口预测", "report": "报告生成",
           "linkage": "概率匹配"}


class Cancelled(Exception):
    """Raised inside a job at its next check once cancel was asked for."""


@dataclass(frozen=True)
class Job:
    """One job as recorded (``result`` and ``error`` once finished)."""

    id: str
    kind: str
    title: str
    state: JobState
    progress: float
    message: str
    started_by: str
    role: str
    department: str  # the department a department user's job belongs to ('' otherwise)
    created_at: str
    started_at: str = ""
    finished_at: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class JobContext:
    """What a running job sees: where to put its files, how to report progress and whether
    it was asked to stop."""

    def __init__(self, runner: JobRunner, job_id: str, folder: Path) -> None:
        self._runner = runner
        self.job_id = job_id
        self.folder = folder
        self.cancel_requested = threading.Event()

    def progress(self, fraction: float, message: str) -> None:
        """Report progress (0–1) with a Chinese message; stops a cancelled job here."""
        self.check()
        self._runner._update(self.job_id, progress=max(0.0, min(1.0, fraction)),
                             message=message)

    def check(self) -> None:
        if self.cancel_requested.is_set():
            raise Cancelled


Work = Callable[[JobContext], dict[str, Any]]
Writing = Callable[[], AbstractContextManager[object]]


def jobs_dir(db: Path) -> Path:
    """The store's private folder of job files (created 0700)."""
    folder = Path(db).parent / f".{Path(db).name}.jobs"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    return folder


class JobRunner:
    """The server's job queue and its one worker thread."""

    def __init__(self, db: Path, *, writing: Writing | None = None,
                 on_done: Callable[[Job], None] | None = None) -> None:
        self.db = Path(db)
        self._writing = writing or nullcontext
        self._on_done = on_done
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._contexts: dict[str, JobContext] = {}
        self._work: dict[str, Work] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loaded = False
        self._stopping = False

    # -- records ----------------------------------------------------------------------------
    def _load(self) -> None:
        """The jobs recorded by earlier runs of the server (once, on first use)."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
        if not self.db.exists():
            return
        try:
            with registry_at(self.db) as registry:
                rows = registry.read_table(TABLE)
        except RenkouError:
            return  # no job recorded yet
        interrupted: list[Job] = []
        for _, r in rows.sort_values("seq").groupby("id", sort=False).tail(1).iterrows():
            job = _from_row(r)
            if not job.finished:  # the server stopped while it was queued or running
                job = replace(job, state=JobState.failed, finished_at=_now(),
                              error="服务器在任务完成前停止，任务中断", message="任务中断")
                interrupted.append(job)
            with self._lock:
                self._jobs.setdefault(job.id, job)
        for job in interrupted:
            self._record(job)

    def _record(self, job: Job) -> None:
        row = {"seq": _seq(), "id": job.id, "kind": job.kind, "title": job.title,
               "state": job.state.value, "progress": float(job.progress),
               "message": job.message, "started_by": job.started_by, "role": job.role,
               "department": job.department, "created_at": job.created_at,
               "started_at": job.started_at, "finished_at": job.finished_at,
               "params": json.dumps(job.params, ensure_ascii=False, default=str),
               "result": "" if job.result is None else json.dumps(job.result,
                                                                  ensure_ascii=False,
                                                                  default=str),
               "error": job.error}
        try:
            with self._writing(), registry_at(self.db, read_only=False) as registry:
                registry.write_table(TABLE, pd.DataFrame([row]).astype({"seq": "int64"}))
        except RenkouError:
            log.exception("job %s: state not recorded", job.id)

    # -- queries ----------------------------------------------------------------------------
    def list(self) -> list[Job]:
        """Every job, newest first."""
        self._load()
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: (j.created_at, j.id),
                          reverse=True)

    def get(self, job_id: str) -> Job:
        self._load()
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"任务 {job_id} 不存在")
        return job

    def folder(self, job_id: str) -> Path:
        return jobs_dir(self.db) / job_id

    # -- lifecycle --------------------------------------------------------------------------
    def reserve(self) -> tuple[str, Path]:
        """A new job's id and its private folder (0700), to fill before :meth:`submit`."""
        job_id = uuid.uuid4().hex[:16]
        folder = self.folder(job_id)
        folder.mkdir(mode=0o700)
        return job_id, folder

    def discard(self, job_id: str) -> None:
        """Remove a reserved folder whose job was not submitted."""
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def submit(self, kind: str, title: str, work: Work, *, started_by: str, role: str,
               department: str = "", params: dict[str, Any] | None = None,
               job_id: str | None = None) -> Job:
        """Queue ``work`` (run with a :class:`JobContext`, returns the job's result);
        ``job_id``: a reserved job whose folder holds its files (uploads)."""
        self._load()
        if job_id is None:
            job_id, folder = self.reserve()
        else:
            folder = self.folder(job_id)
            if not folder.is_dir():
                raise NotFoundError(f"任务 {job_id} 不存在")
        job = Job(id=job_id, kind=kind, title=title, state=JobState.queued, progress=0.0,
                  message="排队等待", started_by=started_by, role=role,
                  department=department, created_at=_now(), params=dict(params or {}))
        with self._lock:
            self._jobs[job_id] = job
            self._work[job_id] = work
            self._contexts[job_id] = JobContext(self, job_id, folder)
        self._record(job)
        self._ensure_worker()
        self._queue.put(job_id)
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job at once, a running one at its next check."""
        job = self.get(job_id)
        if job.finished:
            raise InputError(f"任务已{STATE_ZH[job.state]}，不能取消")
        with self._lock:
            ctx = self._contexts.get(job_id)
            if ctx is not None:
                ctx.cancel_requested.set()
            current = self._jobs[job_id]
            if current.state is JobState.queued:
                current = replace(current, state=JobState.cancelled, finished_at=_now(),
                                  message="已取消（未开始）")
                self._jobs[job_id] = current
                self._work.pop(job_id, None)
                self._contexts.pop(job_id, None)
            else:
                current = replace(current, message="正在取消…")
                self._jobs[job_id] = current
        if current.finished:
            self._record(current)
            shutil.rmtree(self.folder(job_id), ignore_errors=True)
        return current

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if job.message == "正在取消…" and "message" in changes:
                changes.pop("message")
            self._jobs[job_id] = replace(job, **changes)

    def _ensure_worker(self) -> None:
        with self._lock:
            self._stopping = False
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._loop, name="renkou-jobs",
                                            daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                if self._stopping:
                    return
                continue  # a stop that a later submit overtook
            with self._lock:
                work = self._work.pop(job_id, None)
                ctx = self._contexts.get(job_id)
            if work is None or ctx is None:
                continue  # cancelled while queued
            self._run(job_id, work, ctx)

    def _run(self, job_id: str, work: Work, ctx: JobContext) -> None:
        self._update(job_id, state=JobState.running, started_at=_now(), message="开始运行")
        self._record(self.get(job_id))
        state, result, error = JobState.done, None, ""
        try:
            result = work(ctx)
            if ctx.cancel_requested.is_set():
                raise Cancelled
        except Cancelled:
            state, error = JobState.cancelled, ""
        except RenkouError as exc:
            state, error = JobState.failed, str(exc)
            result = getattr(exc, "job_result", None)
        except Exception:
            log.exception("job %s failed", job_id)
            state, error = JobState.failed, "任务出错，请联系管理员（详情见服务器日志）"
        message = {JobState.done: "已完成", JobState.cancelled: "已取消",
                   JobState.failed: "失败"}[state]
        with self._lock:
            job = replace(self._jobs[job_id], state=state, finished_at=_now(),
                          message=message, result=result, error=error,
                          progress=1.0 if state is JobState.done else
                          self._jobs[job_id].progress)
        if state is not JobState.done:
            shutil.rmtree(self.folder(job_id), ignore_errors=True)
        # Recorded, and the server told (caches of the store's data), before anyone sees the
        # job finished: a reader then finds the new data.
        self._record(job)
        if self._on_done is not None:
            try:
                self._on_done(job)
            except Exception:
                log.exception("job %s: after-job hook failed", job_id)
        with self._lock:
            self._contexts.pop(job_id, None)
            self._jobs[job_id] = job

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """The job once finished (tests and the command-line hand-off)."""
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(job_id)
            if job.finished:
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def stop(self) -> None:
        """Let the worker end after the current job (server shutdown); running jobs are
        asked to cancel."""
        with self._lock:
            self._stopping = True
            for ctx in self._contexts.values():
                ctx.cancel_requested.set()
            alive = self._thread is not None and self._thread.is_alive()
        if alive and self._thread is not None:
            self._queue.put(None)
            # A job stops at its next check; its transaction is rolled back by then.
            self._thread.join(timeout=30)

    def result_files(self, job_id: str) -> Iterator[Path]:
        folder = self.folder(job_id)
        return (p for p in sorted(folder.rglob("*")) if p.is_file())


class JobFailed(InputError):
    """A job's refusal that still has a result to show (a refused batch's problems)."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.job_result = result


_SEQ = 0
_SEQ_LOCK = threading.Lock()


def _seq() -> int:
    """Order of state rows (time in microseconds, strictly increasing in the process)."""
    global _SEQ
    with _SEQ_LOCK:
        now = int(dt.datetime.now(dt.UTC).timestamp() * 1_000_000)
        _SEQ = max(_SEQ + 1, now)
        return _SEQ


def _from_row(r: pd.Series) -> Job:
    def text(name: str) -> str:
        v = r.get(name)
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)

    result = text("result")
    return Job(id=text("id"), kind=text("kind"), title=text("title"),
               state=JobState(text("state")), progress=float(r.get("progress") or 0.0),
               message=text("message"), started_by=text("started_by"), role=text("role"),
               department=text("department"), created_at=text("created_at"),
               started_at=text("started_at"), finished_at=text("finished_at"),
               params=json.loads(text("params") or "{}"),
               result=json.loads(result) if result else None, error=text("error"))
