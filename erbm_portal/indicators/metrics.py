"""Pure computations on indicator figures: red/amber/green status and prorated targets.

RAG thresholds (documented here and on the dashboard), on the rate of
achievement ``actual / target`` (core.svgchart.progress_percent):

- green  (« atteint ou en bonne voie »): 95 % or more;
- amber  (« à surveiller »):            75 % to 94 %;
- red    (« en retard »):                below 75 %;
- none   (« non évalué »):               no target, a zero target, or no actual yet.

A multi-year programme target is compared with what should have been done by
the reference year: ``target x elapsed years / years of the period`` (a linear
trajectory), not with the whole ten-year figure.
"""
from __future__ import annotations

from decimal import Decimal

from ..core.svgchart import progress_percent

GREEN_FROM = 95
AMBER_FROM = 75

RAG_LABELS = {
    "green": "atteint ou en bonne voie",
    "amber": "à surveiller",
    "red": "en retard",
    None: "non évalué",
}
RAG_BADGES = {"green": "fr-badge--success", "amber": "fr-badge--warning", "red": "fr-badge--error", None: ""}


def rag_status(actual, target) -> str | None:
    if actual is None or target is None:
        return None
    progress = progress_percent(actual, target)
    if progress is None:
        return None
    if progress >= GREEN_FROM:
        return "green"
    if progress >= AMBER_FROM:
        return "amber"
    return "red"


def expected_target(target, start_year: int, end_year: int, as_of_year: int) -> Decimal | None:
    """The share of a period target that a linear trajectory reaches by the end of `as_of_year`."""
    if target is None:
        return None
    years = end_year - start_year + 1
    elapsed = min(max(as_of_year - start_year + 1, 0), years)
    return (Decimal(str(target)) * elapsed / years).quantize(Decimal("1"))
