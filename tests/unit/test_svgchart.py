import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from markupsafe import Markup

from erbm_portal.core.svgchart import (
    bar_chart,
    describe_chart,
    format_number_fr,
    percent_change,
    progress_percent,
)

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"
NBSP = "\u00a0"
ROWS = [("Cotisations 2025", 530000, 600000), ("Dons", 12500.5, None)]


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))


def all_text(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter() if el.tag == f"{SVG}text"]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (530000, 0, f"530{NNBSP}000"),
        (1234567.891, 2, f"1{NNBSP}234{NNBSP}567,89"),
        (999, 0, "999"),
        (1000, 0, f"1{NNBSP}000"),
        (0, 0, "0"),
        (2.5, 0, "3"),
        (0.125, 2, "0,13"),
        (-1234.5, 1, f"-1{NNBSP}234,5"),
        (-0.4, 0, "0"),
        (Decimal("42.10"), 1, "42,1"),
        (7, 2, "7,00"),
    ],
)
def test_format_number_fr(value, decimals, expected):
    assert format_number_fr(value, decimals) == expected


def test_format_number_fr_rejects_non_finite():
    with pytest.raises(ValueError):
        format_number_fr(float("nan"))


def test_percent_change_rounds_half_up():
    assert percent_change(530000, 360000) == 47
    assert percent_change(105, 100) == 5
    assert percent_change(100.5, 100) == 1  # 0,5 -> 1
    assert percent_change(90, 100) == -10
    assert percent_change(100, 100) == 0


def test_percent_change_with_zero_baseline_is_none():
    assert percent_change(10, 0) is None


def test_progress_percent():
    assert progress_percent(530000, 600000) == 88
    assert progress_percent(1, 8) == 13  # 12,5 -> 13
    assert progress_percent(700, 500) == 140
    assert progress_percent(5, 0) is None
    assert progress_percent(5, None) is None


def test_chart_is_markup_and_valid_xml_with_accessibility():
    chart = bar_chart("Recettes de l’année", ROWS, "€")
    assert isinstance(chart, Markup)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "Recettes de l’année"
    assert desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox")


def test_description_is_a_french_sentence_with_values():
    desc = parse(bar_chart("Recettes", ROWS, "€")).find(f"{SVG}desc").text
    assert desc == describe_chart(ROWS, "€")
    assert f"Cotisations 2025{NBSP}: 530{NNBSP}000{NBSP}€" in desc
    assert f"objectif de 600{NNBSP}000{NBSP}€ (88{NBSP}% de l’objectif)" in desc
    assert f"Dons{NBSP}: 12{NNBSP}500,5{NBSP}€, sans objectif" in desc
    assert desc.endswith(".")


def test_value_labels_use_french_formatting():
    texts = all_text(parse(bar_chart("Recettes", ROWS, "€")))
    assert "Cotisations 2025" in texts
    assert f"530{NNBSP}000{NBSP}€ / objectif 600{NNBSP}000{NBSP}€ (88{NBSP}%)" in texts
    assert f"12{NNBSP}500,5{NBSP}€" in texts


def test_bars_and_target_marker_geometry():
    root = parse(bar_chart("Recettes", [("A", 50, 100), ("B", 100, None)], "€"))
    bars = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "erbm-chart-bar-actual"]
    tracks = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "erbm-chart-track"]
    targets = [el for el in root.iter(f"{SVG}line") if el.get("class") == "erbm-chart-target"]
    assert len(bars) == 2 and len(targets) == 1
    full = float(tracks[0].get("width"))
    assert float(bars[0].get("width")) == pytest.approx(full / 2, abs=0.1)
    assert float(bars[1].get("width")) == pytest.approx(full, abs=0.1)
    assert float(targets[0].get("x1")) == pytest.approx(float(tracks[0].get("x")) + full, abs=0.1)


def test_user_text_is_escaped():
    chart = bar_chart('<script>alert("x")</script> & co', [("<script>alert(1)</script>", 1, 2)], "<b>€</b>")
    markup = str(chart)
    assert "<script" not in markup and "<b>" not in markup
    root = parse(chart)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    assert "<script>alert(1)</script>" in all_text(root)


def test_no_inline_style_attributes_and_classes_prefixed():
    root = parse(bar_chart("Recettes", ROWS, "€"))
    for element in root.iter():
        assert "style" not in element.attrib
        for css_class in (element.get("class") or "").split():
            assert css_class.startswith("erbm-chart")


def test_zero_target_and_zero_values_do_not_divide_by_zero():
    root = parse(bar_chart("Vide", [("Rien", 0, 0), ("Objectif nul", 5, 0)], "€"))
    texts = all_text(root)
    assert f"0{NBSP}€ / objectif 0{NBSP}€" in texts
    assert f"5{NBSP}€ / objectif 0{NBSP}€" in texts
    for rect in root.iter(f"{SVG}rect"):
        assert float(rect.get("width")) >= 0


def test_negative_and_over_target_values_stay_inside_the_track():
    root = parse(bar_chart("Bornes", [("Négatif", -10, 100), ("Dépassé", 150, 100)], "%"))
    track_width = float(next(root.iter(f"{SVG}rect")).get("width"))
    widths = [float(el.get("width")) for el in root.iter(f"{SVG}rect")
              if el.get("class") == "erbm-chart-bar-actual"]
    assert widths[0] == 0
    assert widths[1] == pytest.approx(track_width)
    assert f"150{NBSP}% / objectif 100{NBSP}% (150{NBSP}%)" in all_text(root)


def test_empty_chart_still_accessible():
    root = parse(bar_chart("Aucune réunion", [], "€"))
    assert root.find(f"{SVG}desc").text == "Aucune donnée."
    assert "Aucune donnée" in all_text(root)


def test_ids_are_stable_and_overridable():
    assert bar_chart("T", ROWS, "€") == bar_chart("T", ROWS, "€")
    assert bar_chart("T", ROWS, "€") != bar_chart("U", ROWS, "€")
    root = parse(bar_chart("T", ROWS, "€", chart_id="budget"))
    assert root.get("aria-labelledby") == "budget-title budget-desc"
