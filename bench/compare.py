"""Before/after table from ``bench/pages.py --json`` files (each side: the mean of its runs).

On a shared machine, run the two versions alternately (A B A B) on the same database so that
both see the same load, e.g.::

    for i in 1 2; do for rev in main perf; do git checkout -q $rev
      python bench/pages.py --reuse --requests 80 --json /tmp/ab_${rev}_$i.json; done; done
    python bench/compare.py --before /tmp/ab_main_*.json --after /tmp/ab_perf_*.json
"""
from __future__ import annotations

import argparse
import json
import statistics

KEYS = ("p50", "p95", "cpu_p50", "cpu_p95")


def mean_of(paths: list[str]) -> tuple[dict, dict]:
    runs = [json.load(open(p, encoding="utf-8")) for p in paths]
    pages = runs[0]["latency"]
    latency = {page: {k: statistics.mean(r["latency"][page][k] for r in runs) for k in KEYS} for page in pages}
    return latency, runs[0]["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    args = parser.parse_args()
    before, _ = mean_of(args.before)
    after, counts = mean_of(args.after)
    print("| page | queries | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for page, b in before.items():
        a = after[page]
        cells = " | ".join(f"{b[k]:.0f} → **{a[k]:.0f}**" for k in KEYS)
        print(f"| {page} | {counts[page]} | {cells} |")


if __name__ == "__main__":
    main()
