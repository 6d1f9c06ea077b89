"""Bar chart images (PNG) for the Word exports, drawn with Pillow.

Same data as core.svgchart.bar_chart: rows of (label, actual, target), one
horizontal bar per row for the actual value and a red mark for the target.
The font is DejaVu Sans when installed (else Pillow's bundled font): the same
Pillow and font give the same bytes (the .docx stays reproducible).
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from ..core.svgchart import (COLOR_ACTUAL, COLOR_TARGET, COLOR_TEXT, COLOR_TRACK, _scale_max,
                             _with_unit, progress_percent)
from .textsafe import clean_line

def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


_PALETTE = [255, 255, 255] + _rgb(COLOR_TEXT) + _rgb(COLOR_TRACK) + _rgb(COLOR_ACTUAL) + _rgb(COLOR_TARGET)
SCALE = 2  # drawn at twice the SVG's size: crisp when printed
WIDTH, PADDING, ROW_HEIGHT, BAR_HEIGHT, FONT_SIZE = 640, 16, 64, 16, 14
NBSP = "\u00a0"


# DejaVu Sans (Debian's fonts-dejavu-core, installed with LibreOffice) has every
# French glyph; Pillow's bundled fallback font lacks accented letters.
FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/dejavu/DejaVuSans.ttf")


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def bar_chart_png(title: str, rows, unit: str = "") -> bytes:
    s = SCALE
    height = (2 * PADDING + FONT_SIZE + 8 + max(len(rows), 1) * ROW_HEIGHT) * s
    # A 5-colour palette image: small, and about ten times faster to encode than RGB.
    image = Image.new("P", (WIDTH * s, height), 0)
    image.putpalette(_PALETTE)
    draw = ImageDraw.Draw(image)
    font = _font(FONT_SIZE * s)
    bold = _font((FONT_SIZE + 2) * s)
    draw.text((PADDING * s, PADDING * s), clean_line(title), fill=1, font=bold)
    top0 = PADDING + FONT_SIZE + 8 + 8
    scale = _scale_max(rows)
    track = WIDTH - 2 * PADDING
    if not rows:
        draw.text((PADDING * s, top0 * s), "Aucune donnée", fill=1, font=font)
    for i, (label, actual, target) in enumerate(rows):
        top = top0 + i * ROW_HEIGHT
        bar_y = top + FONT_SIZE + 6

        def x_for(value) -> float:
            return PADDING + min(max(float(value) / scale, 0.0), 1.0) * track

        draw.text((PADDING * s, top * s), clean_line(label), fill=1, font=font)
        draw.rectangle([PADDING * s, bar_y * s, (PADDING + track) * s, (bar_y + BAR_HEIGHT) * s], fill=2)
        if float(actual) > 0:
            draw.rectangle([PADDING * s, bar_y * s, x_for(actual) * s, (bar_y + BAR_HEIGHT) * s], fill=3)
        value = _with_unit(actual, unit)
        if target is not None:
            tx = x_for(target)
            draw.rectangle([(tx - 1.5) * s, (bar_y - 4) * s, (tx + 1.5) * s, (bar_y + BAR_HEIGHT + 4) * s],
                           fill=4)
            value += f" / objectif {_with_unit(target, unit)}"
            progress = progress_percent(actual, target)
            if progress is not None:
                value += f" ({progress}{NBSP}%)"
        text_y = (bar_y + BAR_HEIGHT + 4) * s
        width = draw.textlength(value, font=font)
        draw.text(((WIDTH - PADDING) * s - width, text_y), value, fill=1, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
