"""Handing a batch from the command line to a running server (入库移交).

A server holds its store's DuckDB file while it reads and writes it, and the store has one
writer: an ingest started by ``renkou registry ingest`` beside a running server would fail
on the file's lock, or block the server for the length of the batch. So while a server runs
it marks the store as served (``.<store>.server``, its process id) and watches an inbox
folder beside the store (``.<store>.inbox/``, mode 0700 — only the store's owner can hand
over). The command line, finding a live server, writes the request there (the directory of
feeds, read where it is) instead of opening the store; the server's job runner ingests it
like an upload, recording the job as started from the command line, and reports the job's
state into the inbox, which the command line follows and prints. Pages and the API keep
answering from the last committed state meanwhile."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from renkou.app.audit import record_at
from renkou.app.jobs import JobRunner, Writing
from renkou.errors import StoreError
from renkou.logs import get_logger
from renkou.settings import Settings

log = get_logger("app.handoff")

POLL_SECONDS = 0.3
# How long the command line waits for a live server to take its request.
TAKE_SECONDS = 15.0


def marker_path(db: Path) -> Path:
    return Path(db).parent / f".{Path(db).name}.server"


def inbox_path(db: Path) -> Path:
    return Path(db).parent / f".{Path(db).name}.inbox"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serving_pid(db: Path) -> int | None:
    """The process id of a live server of ``db``, else None."""
    try:
        pid = int(json.loads(marker_path(db).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


class Inbox:
    """The server's side: the marker and the watcher of handed-over batches."""

    def __init__(self, db: Path, runner: JobRunner, settings: Settings, *,
                 writing: Writing | None = None) -> None:
        self.db = Path(db)
        self._writing = writing or nullcontext
        self.runner = runner
        self.settings = settings
        self.folder = inbox_path(self.db)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._following: dict[str, str] = {}  # request id → job id

    def start(self) -> None:
        if not self.db.parent.is_dir():
            return
        self.folder.mkdir(mode=0o700, exist_ok=True)
        self.folder.chmod(0o700)
        _write_json(marker_path(self.db), {"pid": os.getpid(), "started": time.time()})
        self._thread = threading.Thread(target=self._loop, name="renkou-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError, ValueError, KeyError):
            marker = marker_path(self.db)
            if json.loads(marker.read_text(encoding="utf-8"))["pid"] == os.getpid():
                marker.unlink()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.poll()
            except Exception:  # a bad request file must not end the watcher
                log.exception("inbox poll failed")

    def poll(self) -> None:
        """Take new requests and report the state of the jobs of earlier ones."""
        from renkou.app.uploads import ingest_work

        for request in sorted(self.folder.glob("*.request.json")):
            rid = request.name.removesuffix(".request.json")
            taken = request.with_name(f"{rid}.taken.json")
            os.replace(request, taken)
            try:
                ask = json.loads(taken.read_text(encoding="utf-8"))
                source = Path(str(ask["directory"]))
                if not source.is_absolute() or not source.is_dir():
                    raise ValueError("目录不存在")
                job = self.runner.submit(
                    "ingest", f"命令行导入 {source.name}",
                    ingest_work(self.db, self.settings, jurisdiction=ask.get("jurisdiction"),
                                source=source),
                    started_by=f"命令行（{ask.get('user') or '未知用户'}）", role="cli",
                    params={"directory": str(source), "jurisdiction": ask.get("jurisdiction"),
                            "via": "cli"})
            except (ValueError, KeyError, OSError) as exc:
                _write_json(self.folder / f"{rid}.state.json",
                            {"state": "failed", "error": f"移交的请求无效：{exc}"})
                taken.unlink(missing_ok=True)
                continue
            self._following[rid] = job.id
            with self._writing():  # the audit log's one writer
                record_at(self.db, actor=f"cli:{ask.get('user') or ''}", role="",
                          action="job.start", target=job.id,
                          detail={"kind": "ingest", "via": "cli", "directory": str(source)})
        for rid, job_id in list(self._following.items()):
            job = self.runner.get(job_id)
            _write_json(self.folder / f"{rid}.state.json", {
                "job_id": job.id, "state": job.state.value, "progress": job.progress,
                "message": job.message, "result": job.result, "error": job.error})
            if job.finished:
                del self._following[rid]
                (self.folder / f"{rid}.taken.json").unlink(missing_ok=True)


def hand_over(db: Path, directory: Path, jurisdiction: str | None = None,
              progress: Callable[[float, str], None] | None = None,
              ) -> dict[str, Any] | None:
    """The command line's side: when a server serves ``db``, hand it the batch in
    ``directory`` and follow its job to the end (its final state: state, result, error,
    job_id); None when no server runs (the caller ingests itself)."""
    if serving_pid(db) is None:
        return None
    folder = inbox_path(db)
    rid = uuid.uuid4().hex[:12]
    _write_json(folder / f"{rid}.request.json", {
        "directory": str(Path(directory).resolve()), "jurisdiction": jurisdiction,
        "user": getpass.getuser()})
    state_file = folder / f"{rid}.state.json"
    deadline = time.monotonic() + TAKE_SECONDS
    while not state_file.exists():
        if time.monotonic() > deadline or serving_pid(db) is None:
            (folder / f"{rid}.request.json").unlink(missing_ok=True)
            raise StoreError("数据库正由网页服务使用，但服务未接收导入请求（请检查服务是否正常"
                             "运行，或停止服务后再导入）")
        time.sleep(POLL_SECONDS)
    while True:
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if progress is not None and state:
            progress(float(state.get("progress") or 0.0), str(state.get("message") or ""))
        if state.get("state") in ("done", "failed", "cancelled"):
            state_file.unlink(missing_ok=True)
            return state
        if serving_pid(db) is None:
            raise StoreError("网页服务在导入完成前停止；已写入的内容以服务的记录为准"
                             "（一个批次全部成功或全不写入）")
        time.sleep(POLL_SECONDS)
