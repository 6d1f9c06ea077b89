"""Benchmark of the Word export engine (a script, not a test).

    python bench/export_bench.py [--repeat 3] [--skip-naive]

Builds a pack-like document (cover, 100 agenda rows, 300 action rows, 20
indicator tables with a paragraph each) in several ways, each in a fresh
Python process, and reports the best wall time and the peak memory:

  engine            erbm_portal.exports.DocBuilder (tables written in bulk)
  engine+charts     the same plus 20 PNG bar charts (Pillow)
  docx-cell         bare python-docx, the naive way: table.cell(r, c).text = ...
  docx-row          bare python-docx, add_row().cells (the usual idiom)
  pandoc            pandoc converting the equivalent Markdown (when installed)

Time is measured around the build and save (imports excluded) for the Python
variants, and around the whole command for pandoc (it has no warm start).
Peak memory: tracemalloc peak of Python allocations (in a separate run, as
tracemalloc slows Python down) and the process's max RSS (whole interpreter).
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENDA_COLS = ["N°", "Point", "Présentateur", "Durée", "Nature"]
ACTION_COLS = ["Réf.", "Action", "Pilote", "Échéance", "Statut", "Avancement"]
INDICATOR_COLS = ["Indicateur", "Référence", "Objectif", "Réalisé", "%", "Statut"]


def data():
    agenda = [[i, f"Point n° {i} : présentation du projet de renouvellement urbain & suites", "Secrétariat ERBM",
               f"{10 + i % 20} min", "Décision" if i % 3 else "Information"] for i in range(1, 101)]
    actions = [[f"A-{i:03d}", f"Action {i} : rénovation énergétique des logements miniers, tranche {i % 7}",
                f"Organisation {i % 12}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/2027",
                ["à lancer", "en cours", "terminée", "en retard"][i % 4], f"{(i * 7) % 101} %"] for i in range(1, 301)]
    indicators = [(f"Indicateur thématique {k}",
                   [[f"Mesure {k}.{j}", 100 * j, 150 * j, 120 * j + k, f"{round((120 * j + k) / (150 * j) * 100)} %",
                     "en bonne voie" if j % 2 else "à surveiller"] for j in range(1, 9)]) for k in range(1, 21)]
    return agenda, actions, indicators


def build_engine(charts: bool = False) -> bytes:
    sys.path.insert(0, str(ROOT))
    from datetime import datetime

    from erbm_portal.exports.builder import DocBuilder
    from erbm_portal.exports.chart import bar_chart_png

    agenda, actions, indicators = data()
    b = DocBuilder()
    stamp = datetime(2026, 3, 12, 9, 0)
    b.core_properties(title="Dossier de séance", author="Secrétariat", subject="Comité", created=stamp)
    b.title_page("Dossier de séance", "Comité territorial de Lens", ["12 mars 2026", "Lens"])
    b.toc()
    b.heading("Ordre du jour", 1)
    b.table(AGENDA_COLS, agenda, widths=[1.2, 8, 3.5, 2, 2.3])
    b.page_break()
    b.heading("Plan d'action", 1)
    b.table(ACTION_COLS, actions, widths=[1.5, 6.5, 3, 2.2, 2, 1.8])
    b.page_break()
    b.heading("Indicateurs", 1)
    for title, rows in indicators:
        b.heading(title, 2)
        b.paragraph(f"Suivi de « {title} » : valeurs de référence, objectifs et réalisations.")
        b.table(INDICATOR_COLS, rows)
        if charts:
            b.image(bar_chart_png(title, [(r[0], r[3], r[2]) for r in rows]), 16)
    return b.save()


def build_docx(mode: str) -> bytes:
    from docx import Document

    agenda, actions, indicators = data()
    doc = Document()
    doc.add_heading("Dossier de séance", 0)
    doc.add_paragraph("Comité territorial de Lens")
    doc.add_paragraph("12 mars 2026")
    doc.add_page_break()

    def table(columns, rows):
        t = doc.add_table(rows=1 + len(rows) if mode == "cell" else 1, cols=len(columns))
        t.style = "Table Grid"
        if mode == "cell":
            for c, label in enumerate(columns):
                t.cell(0, c).text = label
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    t.cell(r, c).text = str(value)
        else:
            for cell, label in zip(t.rows[0].cells, columns):
                cell.text = label
            for row in rows:
                for cell, value in zip(t.add_row().cells, row):
                    cell.text = str(value)

    doc.add_heading("Ordre du jour", 1)
    table(AGENDA_COLS, agenda)
    doc.add_page_break()
    doc.add_heading("Plan d'action", 1)
    table(ACTION_COLS, actions)
    doc.add_page_break()
    doc.add_heading("Indicateurs", 1)
    for title, rows in indicators:
        doc.add_heading(title, 2)
        doc.add_paragraph(f"Suivi de « {title} » : valeurs de référence, objectifs et réalisations.")
        table(INDICATOR_COLS, rows)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def markdown_source() -> str:
    agenda, actions, indicators = data()

    def table(columns, rows):
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"

    parts = ["% Dossier de séance\n", "Comité territorial de Lens\n", "12 mars 2026\n",
             "# Ordre du jour\n", table(AGENDA_COLS, agenda), "# Plan d'action\n", table(ACTION_COLS, actions),
             "# Indicateurs\n"]
    for title, rows in indicators:
        parts += [f"## {title}\n", f"Suivi de « {title} » : valeurs de référence, objectifs et réalisations.\n",
                  table(INDICATOR_COLS, rows)]
    return "\n".join(parts)


def run_variant(name: str, memory: bool) -> dict:
    """In this (fresh) process: build once; time it, or (memory=True) trace its allocations."""
    import docx  # noqa: F401  imports are not timed
    if name.startswith("engine"):
        sys.path.insert(0, str(ROOT))
        import erbm_portal.exports.builder  # noqa: F401
        import erbm_portal.exports.chart  # noqa: F401
        func = lambda: build_engine(charts=name == "engine+charts")  # noqa: E731
    else:
        func = lambda: build_docx("cell" if name == "docx-cell" else "row")  # noqa: E731
    if memory:  # tracemalloc slows Python down several times: never timed together
        tracemalloc.start()
    start = time.perf_counter()
    blob = func()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": elapsed, "peak_bytes": peak, "rss_bytes": rss, "size": len(blob)}


def _child(name: str, memory: bool = False) -> dict:
    command = [sys.executable, __file__, "--variant", name] + (["--memory"] if memory else [])
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def run_pandoc() -> dict | None:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "pack.md"
        src.write_text(markdown_source(), encoding="utf-8")
        out = Path(tmp) / "pack.docx"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run([pandoc, "-f", "markdown", "-t", "docx", "--toc", "-o", str(out), str(src)], check=True)
        elapsed = time.perf_counter() - start
        rss = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) * 1024
        return {"seconds": elapsed, "peak_bytes": None, "rss_bytes": rss, "size": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-naive", action="store_true",
                        help="skip the cell-by-cell python-docx variant (minutes on a slow machine)")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.memory)))
        return
    results = {}
    names = ["engine", "engine+charts", "docx-row"] + ([] if args.skip_naive else ["docx-cell"])
    timed: dict[str, list[dict]] = {name: [] for name in names + ["pandoc"]}
    # Round-robin, so that a change in the machine's load hits every variant alike.
    for i in range(args.repeat):
        for name in names:
            if name == "docx-cell" and i:  # slow (table.cell() walks the whole grid): timed once
                continue
            timed[name].append(_child(name))
        pandoc = run_pandoc()
        if pandoc:
            timed["pandoc"].append(pandoc)
    for name, runs in timed.items():
        if not runs:
            continue
        best = min(runs, key=lambda r: r["seconds"])
        extra = {"median": statistics.median(r["seconds"] for r in runs)}
        if name != "pandoc":
            traced = _child(name, memory=True)
            extra |= {"peak_bytes": traced["peak_bytes"],
                      "rss_bytes": max(r["rss_bytes"] for r in runs + [traced])}
        results[name] = best | extra
    mb = 1024 * 1024
    print(f"{'variant':<15}{'best s':>9}{'median s':>10}{'py peak MB':>12}{'max RSS MB':>12}{'size KB':>9}")
    for name, r in results.items():
        peak = f"{r['peak_bytes'] / mb:.1f}" if r["peak_bytes"] is not None else "-"
        print(f"{name:<15}{r['seconds']:>9.3f}{r['median']:>10.3f}{peak:>12}{r['rss_bytes'] / mb:>12.1f}"
              f"{r['size'] / 1024:>9.0f}")
    if "pandoc" not in results:
        print("pandoc: not installed, comparison skipped")
    engine = results["engine"]["seconds"]
    print(f"engine / docx-row  = {engine / results['docx-row']['seconds']:.2f}x (goal <= 1.3x)")
    if "docx-cell" in results:
        print(f"engine / docx-cell = {engine / results['docx-cell']['seconds']:.2f}x")
    if "pandoc" in results:
        print(f"engine / pandoc    = {engine / results['pandoc']['seconds']:.2f}x (goal < 1)")


if __name__ == "__main__":
    main()
