"""Main pages at 1x and 100x: SQL query count (must not grow) and latency at 100x.

A script, not a test. It builds a fresh database (SQLite file under /tmp, or
the PostgreSQL database of DATABASE_URL / --database-url, whose public schema is
DROPPED and recreated), loads the demo (1x), counts the queries of each main
page, adds the 100x synthetic data (``erbm generate-data``), counts again, then
times N requests of each page in-process (Flask test client, WSGI app, no HTTP).

    python bench/pages.py                          # SQLite, 200 requests per page
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/erbm_bench python bench/pages.py
    python bench/pages.py --reuse --requests 50    # database already at 100x: latency only
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from erbm_portal import create_app  # noqa: E402
from erbm_portal.extensions import db  # noqa: E402

SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ERBM_DEMO": True, "SESSION_COOKIE_SECURE": False,
                       "RATELIMIT_STORAGE_URI": "memory://", "MAIL_BACKEND": "memory",
                       "MAIL_SEND_AFTER_RESPONSE": False, "LOGIN_RATE_LIMIT_ACCOUNT": "1000 per minute",
                       "LOGIN_RATE_LIMIT_IP": "1000 per minute"})


def reset_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(SKIP):
            self.n += 1


def login(app, email: str):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = client.post("/connexion", data={"email": email, "password": app.config["DEMO_PASSWORD"],
                                           "csrf_token": token})
    assert resp.status_code == 303, f"login failed for {email}: {resp.status_code}"
    return client


def get(client, url: str):
    resp = client.get(url)
    if resp.status_code != 200:
        raise SystemExit(f"{url}: HTTP {resp.status_code}")
    return resp


def query_counts(app, clients) -> dict[str, int]:
    from erbm_portal.synthetic.targets import main_pages

    with app.app_context():
        pages = main_pages()
    out = {}
    for page in pages:
        client = clients.setdefault(page.login, login(app, page.login))
        get(client, page.url)  # warm caches (templates, first-time imports)
        counter = Counter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            get(client, page.url)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        out[page.name] = counter.n
    return out


def latencies(app, clients, requests: int) -> dict[str, dict]:
    from erbm_portal.synthetic.targets import main_pages

    with app.app_context():
        pages = main_pages()
    out = {}
    for page in pages:
        client = clients.setdefault(page.login, login(app, page.login))
        for _ in range(5):
            get(client, page.url)
        times, cpu = [], []
        for _ in range(requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            resp = get(client, page.url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        q = statistics.quantiles(times, n=100)
        # CPU time of this process (SQLite runs in it): what the request costs when the machine is
        # shared; wall time includes waiting for a core.
        out[page.name] = {"url": page.url, "login": page.login, "p50": statistics.median(times), "p95": q[94],
                          "max": max(times), "cpu_p50": statistics.median(cpu),
                          "cpu_p95": statistics.quantiles(cpu, n=100)[94], "bytes": len(resp.data)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:////tmp/erbm-bench.sqlite3"))
    parser.add_argument("--scale", type=float, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="database already built: measure 100x only")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    url = args.database_url
    print(f"database: {url.split('@')[-1]}  scale: {args.scale:g}  requests/page: {args.requests}")
    app = make_app(url)
    clients: dict = {}
    counts_1x: dict[str, int] = {}
    build_s = None
    if not args.reuse:
        from flask_migrate import upgrade

        from erbm_portal.synthetic import generate

        reset_database(url)
        with app.app_context():
            db.engine.dispose()
            upgrade(directory=str(ROOT / "migrations"))
            generate(1)
        counts_1x = query_counts(app, clients)
        started = time.perf_counter()
        with app.app_context():
            generate(args.scale, log=lambda msg: print(f"  generate-data: {msg}", flush=True))
        build_s = time.perf_counter() - started
    counts_big = query_counts(app, clients)
    lat = latencies(app, clients, args.requests)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    print(f"\n| page | queries 1x | queries {args.scale:g}x | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms | KB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, row in lat.items():
        print(f"| {name} | {counts_1x.get(name, '-')} | {counts_big[name]} | {row['p50']:.1f} | {row['p95']:.1f} "
              f"| {row['max']:.1f} | {row['cpu_p50']:.1f} | {row['cpu_p95']:.1f} | {row['bytes'] / 1024:.0f} |")
    grown = [n for n in counts_big if counts_1x and counts_big[n] != counts_1x.get(n)]
    slow = [n for n, r in lat.items() if r["p95"] > 50]
    print(f"\nquery counts equal at 1x and {args.scale:g}x: {'yes' if counts_1x and not grown else grown or 'n/a'}")
    print(f"p95 <= 50 ms: {'yes' if not slow else 'no: ' + ', '.join(slow)}")
    if build_s is not None:
        print(f"generate-data --scale {args.scale:g}: {build_s:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"counts_1x": counts_1x, "counts": counts_big, "latency": lat,
                                               "generate_s": build_s}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
