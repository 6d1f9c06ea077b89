"""Graphiques SVG accessibles rendus côté serveur (aucun JavaScript).

Aucun attribut style= : la CSP interdit les styles en ligne. Les couleurs
passent par des attributs de présentation (fill, stroke) surchargeables en
CSS via les classes erbm-chart-*.
"""

from __future__ import annotations

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

THIN_NBSP = "\u202f"  # séparateur de milliers (espace fine insécable)
NBSP = "\u00a0"  # entre un nombre et son unité

WIDTH = 640
PADDING = 16
ROW_HEIGHT = 64
BAR_HEIGHT = 16
FONT_SIZE = 14
COLOR_TEXT = "#1a1a1a"
COLOR_TRACK = "#e6ebf2"
COLOR_ACTUAL = "#1d4f91"
COLOR_TARGET = "#b3261e"


def _decimal(value: float | int | Decimal) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"valeur non finie : {value!r}")
    return number


_QUANTUM = {d: Decimal(1).scaleb(-d) for d in range(7)}


def _round_half_up(value: Decimal, decimals: int = 0) -> Decimal:
    quantum = _QUANTUM.get(decimals) or Decimal(1).scaleb(-decimals)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def format_number_fr(value: float | int | Decimal, decimals: int = 0) -> str:
    """530000 -> « 530 000 » (espace fine insécable), 1234.5 -> « 1 234,5 »."""
    rounded = _round_half_up(_decimal(value), decimals)
    if not rounded:
        rounded = abs(rounded)  # no « -0 »
    # Decimal's own formatting: "1,234.50" -> "1 234,50" (one pass, called ~1,000 times a plan page).
    return f"{rounded:,.{decimals}f}".translate(_FR_SEPARATORS)


_FR_SEPARATORS = str.maketrans({",": THIN_NBSP, ".": ","})


def percent_change(actual: float, baseline: float) -> int | None:
    """Évolution en % arrondie au plus proche (530000 vs 360000 -> 47).

    None si la référence est nulle : une évolution depuis zéro n'a pas de sens.
    """
    base = _decimal(baseline)
    if base == 0:
        return None
    return int(_round_half_up((_decimal(actual) - base) / abs(base) * 100))


def progress_percent(actual: float, target: float | None) -> int | None:
    """Taux d'atteinte de l'objectif en %, non plafonné ; None sans objectif."""
    if target is None:
        return None
    goal = _decimal(target)
    if goal == 0:
        return None
    return int(_round_half_up(_decimal(actual) / goal * 100))


def _with_unit(value: float, unit: str) -> str:
    number = format_number_fr(value, _decimals_for(value))
    return f"{number}{NBSP}{unit}" if unit else number


def _decimals_for(value: float) -> int:
    # Entiers affichés sans décimales, sinon une décimale suffit pour un graphique.
    return 0 if _decimal(value) == _decimal(value).to_integral_value() else 1


def _row_sentence(label: str, actual: float, target: float | None, unit: str) -> str:
    sentence = f"{label}{NBSP}: {_with_unit(actual, unit)}"
    progress = progress_percent(actual, target)
    if target is None:
        return sentence + ", sans objectif"
    sentence += f" pour un objectif de {_with_unit(target, unit)}"
    if progress is not None:
        sentence += f" ({progress}{NBSP}% de l’objectif)"
    return sentence


def describe_chart(rows: list[tuple[str, float, float | None]], unit: str) -> str:
    """Phrase française résumant les valeurs, pour <desc> (le titre est déjà lu)."""
    if not rows:
        return "Aucune donnée."
    parts = [_row_sentence(label, actual, target, unit) for label, actual, target in rows]
    return f"{THIN_NBSP}; ".join(parts) + "."


def _scale_max(rows: list[tuple[str, float, float | None]]) -> float:
    values = [v for _, actual, target in rows for v in (actual, target) if v is not None]
    peak = max((float(v) for v in values if math.isfinite(float(v))), default=0.0)
    return peak if peak > 0 else 1.0


def _chart_id(title: str, rows, unit: str) -> str:
    digest = hashlib.sha1(repr((title, rows, unit)).encode("utf-8")).hexdigest()
    return f"erbm-chart-{digest[:10]}"


def _text(x: float, y: float, content: str, css_class: str, anchor: str = "start") -> str:
    return (
        f'<text class="{css_class}" x="{x:g}" y="{y:g}" text-anchor="{anchor}" '
        f'font-size="{FONT_SIZE}" fill="{COLOR_TEXT}">{escape(content)}</text>'
    )


def _row_svg(index: int, row: tuple[str, float, float | None], unit: str, scale: float) -> str:
    label, actual, target = row
    top = PADDING + index * ROW_HEIGHT
    track_width = WIDTH - 2 * PADDING
    bar_y = top + FONT_SIZE + 6

    def x_for(value: float) -> float:
        ratio = min(max(float(value) / scale, 0.0), 1.0)
        return round(PADDING + ratio * track_width, 1)

    parts = [
        '<g class="erbm-chart-row">',
        _text(PADDING, top + FONT_SIZE, label, "erbm-chart-label"),
        f'<rect class="erbm-chart-track" x="{PADDING}" y="{bar_y}" width="{track_width}" '
        f'height="{BAR_HEIGHT}" fill="{COLOR_TRACK}"/>',
        f'<rect class="erbm-chart-bar-actual" x="{PADDING}" y="{bar_y}" '
        f'width="{round(x_for(actual) - PADDING, 1):g}" height="{BAR_HEIGHT}" '
        f'fill="{COLOR_ACTUAL}"/>',
    ]
    value_text = _with_unit(actual, unit)
    if target is not None:
        target_x = x_for(target)
        parts.append(
            f'<line class="erbm-chart-target" x1="{target_x:g}" x2="{target_x:g}" '
            f'y1="{bar_y - 4}" y2="{bar_y + BAR_HEIGHT + 4}" stroke="{COLOR_TARGET}" '
            'stroke-width="3"/>'
        )
        value_text += f" / objectif {_with_unit(target, unit)}"
        progress = progress_percent(actual, target)
        if progress is not None:
            value_text += f" ({progress}{NBSP}%)"
    text_y = bar_y + BAR_HEIGHT + FONT_SIZE + 6
    parts.append(_text(WIDTH - PADDING, text_y, value_text, "erbm-chart-value", "end"))
    parts.append("</g>")
    return "".join(parts)


def bar_chart(
    title: str,
    rows: list[tuple[str, float, float | None]],
    unit: str,
    *,
    chart_id: str | None = None,
) -> Markup:
    """Barres horizontales (réalisé) avec repère d'objectif ; rows = (libellé, réalisé, objectif)."""
    base_id = chart_id or _chart_id(title, rows, unit)
    title_id, desc_id = f"{base_id}-title", f"{base_id}-desc"
    scale = _scale_max(rows)
    height = 2 * PADDING + max(len(rows), 1) * ROW_HEIGHT
    body = "".join(_row_svg(i, row, unit, scale) for i, row in enumerate(rows))
    if not rows:
        body = _text(PADDING, PADDING + FONT_SIZE, "Aucune donnée", "erbm-chart-empty")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="erbm-chart erbm-chart-bar" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(describe_chart(rows, unit))}</desc>'
        f"{body}</svg>"
    )
    return Markup(svg)
