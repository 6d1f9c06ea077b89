"""Profile one main page (or the bare layout) in-process with cProfile.

A script, not a test. Uses the database built by ``bench/pages.py`` (nothing is
reset): signs in as the page's account, warms up, then profiles N requests.

    python bench/profile_page.py "plan d'action" --requests 50
    python bench/profile_page.py recherche --sort tottime --top 40
    python bench/profile_page.py --list
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pages import get, login, make_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", nargs="?", help="page name as printed by bench/pages.py")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "sqlite:////tmp/erbm-bench.sqlite3"))
    parser.add_argument("--url", help="profile this URL instead of the page's (same login)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    app = make_app(args.database_url)
    from erbm_portal.synthetic.targets import main_pages

    with app.app_context():
        pages = {p.name: p for p in main_pages()}
    if args.list or args.page not in pages:
        print("\n".join(f"{name}: {p.url}" for name, p in pages.items()))
        return
    page = pages[args.page]
    url = args.url or page.url
    client = login(app, page.login)
    for _ in range(5):
        get(client, url)
    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    for _ in range(args.requests):
        get(client, url)
    profiler.disable()
    cpu = (time.process_time() - cpu) * 1000 / args.requests
    print(f"{url}: {cpu:.1f} ms CPU a request under the profiler ({args.requests} requests)")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
