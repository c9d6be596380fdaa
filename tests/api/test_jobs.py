"""The job runner: a job's lifecycle (queued → running → done), failure, cancel of a queued
and of a running job, progress, and the records that survive the server."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from renkou.app.jobs import Cancelled, JobContext, JobRunner, JobState
from renkou.app.stores import host_store
from renkou.errors import InputError, NotFoundError
from renkou.settings import Settings


def _served(db: Path) -> Path:
    """The store as a server holds it (one instance for the runner's records)."""
    host_store(db, Settings(env="test", db_path=db))
    return db


@pytest.fixture()
def runner(tmp_path: Path) -> JobRunner:
    return JobRunner(_served(tmp_path / "jobs.duckdb"))


def _submit(runner: JobRunner, work: Any, kind: str = "projection") -> str:
    return runner.submit(kind, "测试任务", work, started_by="tester", role="admin",
                         params={"n": 1}).id


def test_a_job_runs_to_done_with_progress_and_result(runner: JobRunner) -> None:
    seen: list[float] = []

    def work(ctx: JobContext) -> dict[str, Any]:
        for i in range(3):
            ctx.progress(i / 3, f"第 {i + 1} 步")
            seen.append(runner.get(ctx.job_id).progress)
        (ctx.folder / "out.csv").write_text("year,value\n2025,1\n", encoding="utf-8")
        return {"answer": 42}

    job_id = _submit(runner, work)
    job = runner.wait(job_id, 20)
    assert job.state is JobState.done and job.progress == 1.0 and job.result == {"answer": 42}
    assert seen == [0.0, pytest.approx(1 / 3), pytest.approx(2 / 3)]
    assert job.started_by == "tester" and job.started_at and job.finished_at
    assert [p.name for p in runner.result_files(job_id)] == ["out.csv"]
    assert oct(runner.folder(job_id).stat().st_mode & 0o777) == "0o700"


def test_a_failing_job_is_failed_with_its_chinese_message(runner: JobRunner) -> None:
    def bad(ctx: JobContext) -> dict[str, Any]:
        raise InputError("输入不合法：缺少基期人口")

    def crash(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("SELECT * FROM secret")  # never shown

    failed = runner.wait(_submit(runner, bad), 20)
    assert failed.state is JobState.failed and "缺少基期人口" in failed.error
    crashed = runner.wait(_submit(runner, crash), 20)
    assert crashed.state is JobState.failed and "SELECT" not in crashed.error
    assert "管理员" in crashed.error
    assert not runner.folder(crashed.id).exists()  # a failed job keeps no files


def test_cancel_a_running_and_a_queued_job(runner: JobRunner) -> None:
    started = threading.Event()

    def slow(ctx: JobContext) -> dict[str, Any]:
        started.set()
        for _ in range(500):
            ctx.progress(0.5, "运行中")
            time.sleep(0.01)
        return {}

    running = _submit(runner, slow)
    queued = _submit(runner, slow)
    assert started.wait(10)
    assert runner.get(queued).state is JobState.queued
    assert runner.cancel(queued).state is JobState.cancelled  # at once
    assert runner.cancel(running).message == "正在取消…"
    job = runner.wait(running, 20)
    assert job.state is JobState.cancelled and job.result is None
    with pytest.raises(InputError, match="不能取消"):
        runner.cancel(running)
    with pytest.raises(NotFoundError):
        runner.get("nope")


def test_check_raises_cancelled_inside_the_job(runner: JobRunner) -> None:
    def work(ctx: JobContext) -> dict[str, Any]:
        ctx.cancel_requested.set()
        with pytest.raises(Cancelled):
            ctx.check()
        raise Cancelled

    assert runner.wait(_submit(runner, work), 20).state is JobState.cancelled


def test_jobs_survive_as_records_and_interrupted_ones_read_failed(tmp_path: Path) -> None:
    db = _served(tmp_path / "jobs.duckdb")
    first = JobRunner(db)
    done = first.wait(_submit(first, lambda ctx: {"ok": True}, "ingest"), 20)
    hold = threading.Event()
    stuck = _submit(first, lambda ctx: (hold.wait(30), {})[1])
    time.sleep(0.3)
    # A new server on the same store: the list of past jobs, with who started them.
    again = JobRunner(db)
    jobs = {j.id: j for j in again.list()}
    assert jobs[done.id].state is JobState.done and jobs[done.id].result == {"ok": True}
    assert jobs[done.id].started_by == "tester" and jobs[done.id].kind == "ingest"
    assert jobs[stuck].state is JobState.failed and "中断" in jobs[stuck].error
    hold.set()
    first.wait(stuck, 20)
