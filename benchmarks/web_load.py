"""Web load: 50 concurrent users on the overview, pyramid, assessment and drill-down routes of
``renkou serve``, with locust headless (users in ``benchmarks/locustfile.py``); optionally
while an ingest of uploaded feeds runs as a job of the server, and after it commits.

    .venv/bin/python benchmarks/web_load.py --db data/bench1m/store.duckdb \
        [--users 50] [--duration 60] [--warmup 30] [--indicators 6] \
        [--ingest data/bench1m/feeds2/police_residence_2024.csv …] [--after 90]

The store is copied first (the server writes its audit log and the ingest into the copy);
the demo accounts are added to the copy and signed in, and the pyramids and drill-downs the users
open are asked once each, before the run. After the warm-up, one measured run of ``--duration``
seconds; then (with ``--ingest``) the files are uploaded through ``POST /api/uploads/feeds``
as one ingest job of the server and a second run is measured from the upload until the job
has ended, and a third for ``--after`` seconds after it, while the answers of the new data
version are made (the previous ones are served meanwhile). Prints the locust percentiles per
route and in total, the ingest job's outcome, when the new version's assessment and warnings
were first served, and the load average; exits non-zero when p95 is over ``--p95-ms`` or any
request failed."""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# The roles whose pages these are (a department account has no population scope).
ROLES = ("planner", "statistician", "district", "admin")
CALIBERS = ("resident", "hukou", "employed")  # as in the locustfile


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RENKOU_ENV": "test"}
    return subprocess.Popen([str(BIN / "renkou"), "serve", "--db", str(db), "--host",
                             "127.0.0.1", "--port", str(port)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)


def _wait_up(base: str, server: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("server did not come up")


def _sessions(base: str, logins: dict[str, Any],
              indicators_wanted: int) -> tuple[list[dict[str, Any]], str]:
    """Sign each role's demo account in (one login each: the login is rate-limited per
    address) and find what its pages open: its area, districts, plan, year, indicators."""
    out = []
    admin_token = ""
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=600) as c:
        for role in ROLES:
            d = logins[role]
            r = c.post("/api/auth/login", json={"username": d.username, "password": d.password})
            r.raise_for_status()
            token = r.json()["access_token"]
            h = {"Authorization": f"Bearer {token}"}
            c.cookies.clear()
            if role == "admin":
                admin_token = token
            me = c.get("/api/auth/me", headers=h).json()
            meta = c.get("/api/meta", headers=h).json()
            j = meta["jurisdiction"]
            districts = [a["code"] for a in c.get("/api/regions", headers=h,
                                                  params={"limit": 1000}).json()
                         if a["level"] == "district"]
            own = me.get("district")
            if own:
                districts = [own]
            plans = c.get("/api/plans", headers=h, params={"limit": 1000}).json()
            area = own or j["code"]
            plan = next(p for p in plans if p["area_code"] == area)
            a = c.get(f"/api/plans/{plan['code']}/assessment", headers=h).json()  # warms it
            c.get("/api/warnings", headers=h, params={"plan": plan["code"]})
            whole = not own  # a district account may not open the whole jurisdiction's areas
            indicators: list[str] = []
            for row in c.get("/api/indicators", headers=h,
                             params={"plan": plan["code"], "year": a["year"]}).json()["rows"]:
                if len(indicators) >= indicators_wanted:
                    break
                asked = {"plan": plan["code"], "year": a["year"]}
                wanted = [asked] if whole else []
                wanted += [{**asked, "parent": d} for d in districts]
                # Each drill-down a user may open, asked once: the answers are kept per data
                # version, so the measured runs see a warmed server.
                if all(c.get(f"/api/indicators/{row['code']}/areas", headers=h,
                             params=q).status_code == 200 for q in wanted):
                    indicators.append(row["code"])
            # The pyramids and 街镇 totals the users open, asked once too (as the warm-up
            # would, but all of them).
            for caliber in CALIBERS:
                for region in [area, *districts]:
                    c.get("/api/population/pyramid", headers=h,
                          params={"caliber": caliber, "region": region})
            for district in districts:
                c.get("/api/population/areas", headers=h,
                      params={"parent": district, "level": "street", "caliber": "resident"})
            out.append({"role": role, "token": token, "area": area, "districts": districts,
                        "plan": plan["code"], "year": a["year"], "indicators": indicators,
                        "whole": whole})
            print(f"  {role}: area {area}, plan {plan['code']} {a['year']}, "
                  f"{len(districts)} districts, indicators {indicators} "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    return out, admin_token


def _upload(base: str, token: str, files: list[Path]) -> str:
    h = {"Authorization": f"Bearer {token}"}
    parts = [("files", (f.name, f.open("rb"))) for f in files]
    r = httpx.post(f"{base}/api/uploads/feeds", headers=h, files=parts, timeout=600)
    r.raise_for_status()
    job: str = r.json()["job"]["id"]
    return job


def _job(base: str, token: str, job: str) -> dict[str, Any]:
    r = httpx.get(f"{base}/api/jobs/{job}", headers={"Authorization": f"Bearer {token}"},
                  timeout=60)
    r.raise_for_status()
    out: dict[str, Any] = r.json()
    return out


class Watch:
    """Follows the ingest job and the plan's assessment and warnings as an administrator
    sees them (one request each every two seconds, outside locust's figures): when the job
    ended, and when the answers of the new data version were first served."""

    ROUTES = ("assessment", "warnings")

    def __init__(self, base: str, token: str, plan: str) -> None:
        self.base, self.plan = base, plan
        self.headers = {"Authorization": f"Bearer {token}"}
        self.before = self._bodies()
        self.job = ""
        self.uploaded = 0.0
        self.ended: float | None = None
        self.state: dict[str, Any] = {}
        self.changed: dict[str, float] = {}
        self._last = 0.0

    def _bodies(self) -> dict[str, bytes]:
        paths = {"assessment": f"/api/plans/{self.plan}/assessment",
                 "warnings": f"/api/warnings?plan={self.plan}"}
        return {k: httpx.get(self.base + v, headers=self.headers, timeout=60).content
                for k, v in paths.items()}

    def start(self, job: str) -> None:
        self.job, self.uploaded = job, time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last < 2:
            return
        self._last = now
        if self.ended is None:
            self.state = _job(self.base, self.headers["Authorization"][7:], self.job)
            if self.state.get("state") not in ("queued", "running"):
                self.ended = now
        for k, body in self._bodies().items():
            if k not in self.changed and body != self.before[k]:
                self.changed[k] = now

    @property
    def running(self) -> bool:
        return self.ended is None

    def describe(self) -> str:
        if self.ended is None:
            return f"ingest job still {self.state.get('state')} {self.state.get('progress')}"
        out = [f"ingest job {self.state.get('state')} {self.ended - self.uploaded:.0f} s after "
               f"the upload: {self.state.get('message', '')}"]
        for k in self.ROUTES:
            at = self.changed.get(k)
            out.append(f"new {k} first served {at - self.ended:.0f} s after the job ended"
                       if at is not None else f"{k}: the previous answer until the end")
        return "; ".join(out)


def _locust(base: str, sessions: Path, users: int, prefix: Path, *, seconds: int | None,
            watch: Watch | None = None, until_done: bool = False) -> None:
    """Locust headless for ``seconds``, or (``until_done``) until the ingest job has ended;
    ``watch`` follows the job and the answers meanwhile."""
    env = {**os.environ, "RENKOU_LOAD_SESSIONS": str(sessions)}
    run = subprocess.Popen([str(BIN / "locust"), "-f", str(HERE / "locustfile.py"),
                            "--headless", "-u", str(users), "-r", str(max(1, users // 5)),
                            "-t", f"{seconds or 86400}s", "--host", base, "--csv",
                            str(prefix), "--only-summary", "--loglevel", "WARNING"], env=env)
    while watch is not None and run.poll() is None:
        time.sleep(0.5)
        watch.tick()
        if until_done and not watch.running:
            run.terminate()  # locust writes its figures on SIGTERM as at the end of -t
    run.wait()


def _report(prefix: Path) -> tuple[float, int, int]:
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open(encoding="utf-8")))
    print("\n| route | requests | failures | median ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total: dict[str, str] = {}
    for r in rows:
        if r["Name"] == "Aggregated":
            total = r
            continue
        print(f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
              f"{r['50%']} | {r['95%']} | {r['99%']} | {float(r['Max Response Time']):.0f} | "
              f"{float(r['Requests/s']):.1f} |")
    print(f"| **all** | {total['Request Count']} | {total['Failure Count']} | "
          f"{total['50%']} | {total['95%']} | {total['99%']} | "
          f"{float(total['Max Response Time']):.0f} | {float(total['Requests/s']):.1f} |")
    # N/A: no request in the run (an ingest that ended at once, e.g. a file already taken).
    p95 = float("inf") if total["95%"] == "N/A" else float(total["95%"])
    return p95, int(total["Request Count"]), int(total["Failure Count"])


def _measured(label: str, base: str, sessions: Path, args: argparse.Namespace, work: Path,
              server: int, seconds: int | None, watch: Watch | None = None,
              until_done: bool = False) -> bool:
    load_before = os.getloadavg()
    started = time.monotonic()
    prefix = work / label.replace(" ", "-")
    spy = None
    if args.profile:
        spy = subprocess.Popen([str(BIN / "py-spy"), "record", "--pid", str(server),
                                "--format", "raw", "--output",
                                f"{args.profile}.{label.replace(' ', '-')}.txt",
                                "--nonblocking"])
    _locust(base, sessions, args.users, prefix, seconds=seconds, watch=watch,
            until_done=until_done)
    if spy is not None:
        spy.send_signal(signal.SIGINT)  # py-spy writes its profile when interrupted
        spy.wait()
    load_after = os.getloadavg()
    wall = time.monotonic() - started
    print(f"\n### {label}")
    p95, requests, failures = _report(prefix)
    print(f"\n{args.users} users, {wall:.0f} s wall; load average before "
          f"{load_before[0]:.2f}, after {load_after[0]:.2f} (1 min), {os.cpu_count()} cores; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    if watch is not None:
        print(watch.describe())
    ok = p95 <= args.p95_ms and failures == 0 and requests > 0
    print(f"{label}: p95 {p95:.0f} ms (target ≤ {args.p95_ms:.0f}), {failures} failures of "
          f"{requests}: {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", type=Path, default=Path("data/bench1m/store.duckdb"))
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=int, default=60, help="seconds of load")
    ap.add_argument("--ingest", type=Path, nargs="*", default=[],
                    help="feed files uploaded (one ingest job) after the steady run; "
                         "measured while the job runs and --after seconds after it")
    ap.add_argument("--after", type=int, default=90,
                    help="seconds measured after the ingest job ended (the new version's "
                         "answers are made meanwhile)")
    ap.add_argument("--indicators", type=int, default=6,
                    help="indicators whose drill-down the users open (0: the population "
                         "drill-down from district to 街镇 only)")
    ap.add_argument("--warmup", type=int, default=30,
                    help="seconds of the same load before the measured runs (answers of "
                         "the store's data version computed once); 0 measures a cold server")
    ap.add_argument("--profile", type=Path, default=None,
                    help="record the server with py-spy during each measured run into "
                         "PROFILE.<run>.txt (collapsed stacks)")
    ap.add_argument("--p95-ms", type=float, default=100.0)
    ap.add_argument("--work", type=Path, default=None, help="folder for the store copy")
    args = ap.parse_args()

    from renkou.app.accounts import ensure_demo_accounts
    from renkou.app.stores import copy_store

    work = Path(tempfile.mkdtemp(prefix="web-load-", dir=args.work))
    db = copy_store(args.db, work / "store.duckdb")
    # Added before the server holds the store (it is the store's one writer then).
    logins = {d.role.value: d for d in ensure_demo_accounts(db, production=False)}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(db, port, work / "server.log")
    try:
        _wait_up(base, server)
        print(f"serving a copy of {args.db} at {base}; signing in", flush=True)
        sessions, admin = _sessions(base, logins, args.indicators)
        file = work / "sessions.json"
        file.write_text(json.dumps(sessions), encoding="utf-8")
        if args.warmup:
            print(f"warm-up: {args.warmup} s of the same load, not measured", flush=True)
            _locust(base, file, args.users, work / "warmup", seconds=args.warmup)
            _report(work / "warmup")
        passed = _measured("steady", base, file, args, work, server.pid, args.duration)
        if args.ingest:
            watch = Watch(base, admin, sessions[0]["plan"])
            watch.start(_upload(base, admin, args.ingest))
            print(f"\ningest job {watch.job} started with {[f.name for f in args.ingest]}",
                  flush=True)
            passed &= _measured("during ingest", base, file, args, work, server.pid, None,
                                watch, until_done=True)
            passed &= _measured("after ingest", base, file, args, work, server.pid,
                                args.after, watch)
        if not passed:
            raise SystemExit(1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
