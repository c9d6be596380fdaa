"""Web load: 50 concurrent users on the overview, pyramid, assessment and drill-down routes of
``renkou serve``, with locust headless (users in ``benchmarks/locustfile.py``); optionally
while an ingest of uploaded feeds runs as a job of the server.

    .venv/bin/python benchmarks/web_load.py --db data/bench1m/store.duckdb \
        [--users 50] [--duration 60] [--warmup 30] \
        [--ingest data/bench1m/feeds/police_residence_2024.csv]

The store is copied first (the server writes its audit log and the ingest into the copy);
the demo accounts are added to the copy and signed in before the run. After the warm-up, one
measured run, then (with ``--ingest``) the files are uploaded as one ingest job and a second
run is measured while it runs. Prints the locust percentiles per route and in total, the
ingest job's outcome and the load average, and exits non-zero when p95 is over ``--p95-ms``
or any request failed."""

from __future__ import annotations

import argparse
import csv
import json
import os
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
            indicators = []
            for row in c.get("/api/indicators", headers=h,
                             params={"plan": plan["code"], "year": a["year"]}).json()["rows"]:
                code = row["code"]
                if len(indicators) < indicators_wanted:
                    ok = c.get(f"/api/indicators/{code}/areas", headers=h,
                               params={"plan": plan["code"], "year": a["year"]})
                    if ok.status_code == 200:
                        indicators.append(code)
            out.append({"role": role, "token": token, "area": area, "districts": districts,
                        "plan": plan["code"], "year": a["year"], "indicators": indicators})
            print(f"  {role}: area {area}, plan {plan['code']} {a['year']}, "
                  f"{len(districts)} districts, indicators {indicators}", flush=True)
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


def _locust(base: str, sessions: Path, users: int, duration: int, prefix: Path) -> None:
    env = {**os.environ, "RENKOU_LOAD_SESSIONS": str(sessions)}
    subprocess.run([str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{duration}s",
                    "--host", base, "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING"], env=env, check=False)


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
    return float(total["95%"]), int(total["Request Count"]), int(total["Failure Count"])


def _measured(label: str, base: str, sessions: Path, args: argparse.Namespace, work: Path,
              server: int, job: str | None, admin: str) -> bool:
    load_before = os.getloadavg()
    started = time.monotonic()
    spy = None
    if args.profile:
        spy = subprocess.Popen([str(BIN / "py-spy"), "record", "--pid", str(server),
                                "--duration", str(args.duration), "--format", "raw",
                                "--output", f"{args.profile}.{label.replace(' ', '-')}.txt",
                                "--nonblocking"])
    _locust(base, sessions, args.users, args.duration, work / label.replace(" ", "-"))
    if spy is not None:
        spy.wait()
    load_after = os.getloadavg()
    print(f"\n### {label}")
    p95, requests, failures = _report(work / label.replace(" ", "-"))
    print(f"\n{args.users} users, {args.duration} s, {time.monotonic() - started:.0f} s "
          f"wall; load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1 min), {os.cpu_count()} cores")
    if job:
        state = _job(base, admin, job)
        print(f"ingest job at the end of the load: {state.get('state')} "
              f"{state.get('progress')} {state.get('message', '')}")
        while state.get("state") in ("queued", "running"):
            time.sleep(2)
            state = _job(base, admin, job)
        print(f"ingest job finished: {state.get('state')} {state.get('message', '')}; "
              f"{time.monotonic() - started:.0f} s after the load started")
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
                    help="feed files uploaded (one ingest job) as the load starts")
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
            _locust(base, file, args.users, args.warmup, work / "warmup")
            _report(work / "warmup")
        runs = [("steady", None)] + ([("during ingest", args.ingest)] if args.ingest else [])
        passed = True
        for label, feeds in runs:
            job = _upload(base, admin, feeds) if feeds else None
            if job:
                print(f"\ningest job {job} started with {[f.name for f in feeds or []]}",
                      flush=True)
            passed &= _measured(label, base, file, args, work, server.pid, job, admin)
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
