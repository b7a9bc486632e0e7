"""The invite QR code as an image to show or print: the code, and under it what it is for.

On a projector a coordinator invite must not look like a member invite, so the pilot's
name, the role and the expiry are printed below the code, outside its quiet zone: the
code itself stays exactly as segno draws it.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib
import segno
from PIL import Image, ImageDraw, ImageFont

SCALE = 12  # pixels per module
BORDER = 4  # modules of quiet zone, the minimum the QR standard asks for
MARGIN = BORDER * SCALE  # text keeps to the code's quiet zone on the sides
LINE_GAP = 10
# Sizes in pixels of the heading (the pilot's name) and of the lines under it.
HEADING_SIZE, TEXT_SIZE = 34, 26
# Shipped with matplotlib; covers the Latin, Greek and Cyrillic scripts of our users' names.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def qr_code(link: str) -> segno.QRCode:
    """The QR code of an invite link."""
    return segno.make(link, error="m")


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """`text` in lines no wider than `width` pixels (a word too long for one is cut)."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
            continue
        while draw.textlength(word, font=font) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines


def invite_card(link: str, heading: str, details: list[str]) -> bytes:
    """A PNG: the QR code of `link`, then `heading` in bold and each of `details` below it."""
    rendered = io.BytesIO()
    qr_code(link).save(rendered, kind="png", scale=SCALE, border=BORDER)
    code = Image.open(rendered).convert("RGB")
    width = code.width
    measure = ImageDraw.Draw(code)
    fonts_and_lines = [
        (font, line)
        for font, text in [(_font(True, HEADING_SIZE), heading)]
        + [(_font(False, TEXT_SIZE), text) for text in details]
        for line in _wrap(measure, text, font, width - 2 * MARGIN)
    ]
    text_height = sum(font.size + LINE_GAP for font, _line in fonts_and_lines) + MARGIN
    card = Image.new("RGB", (width, code.height + text_height), "white")
    card.paste(code, (0, 0))
    draw = ImageDraw.Draw(card)
    top = code.height
    for font, line in fonts_and_lines:
        left = (width - draw.textlength(line, font=font)) / 2
        draw.text((left, top), line, font=font, fill="black")
        top += font.size + LINE_GAP
    output = io.BytesIO()
    card.save(output, format="PNG", optimize=True)
    return output.getvalue()
