"""The cabinet's PDF documents (payout and monthly statements): an A4 page with the embedded DejaVu Sans (Latin,
Cyrillic, currency signs; `cabinet/fonts`, its licence beside it), a footer saying where the document comes from,
and a band in the program's colour with its logo and name."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image

from cabinet.colours import DEFAULT_BRAND, WHITE, readable
from cabinet.creatives_admin import drawable

FONTS = Path(__file__).resolve().parent / "fonts"
INK, MUTED, RULE = (33, 37, 41), (108, 117, 125), (222, 226, 230)
NAME_SIZES = (15, 14, 13, 12, 11, 10, 9, 8)  # of the program's name in the band, the largest it fits at first
NAME_WRAP, NAME_HEIGHT = 12, 20  # from this size down the name may wrap, in up to 20 mm of the band's 26


def _rgb(color: str) -> tuple[int, int, int]:
    """'#1a5fd0' as (26, 95, 208); the default brand colour's for anything else."""
    text = color.lstrip("#")
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except (ValueError, IndexError):
        return _rgb(DEFAULT_BRAND)


def band_colour(color: str) -> tuple[int, int, int]:
    """The band's fill: the program's colour, darkened until the white name on it reads 4.5:1 (WCAG AA; a yellow
    #ffd400 band left the name at 1.5:1)."""
    return _rgb(readable("#{:02x}{:02x}{:02x}".format(*_rgb(color)), WHITE, 4.5))


class Page(FPDF):
    """An A4 page with the cabinet's font and a footer saying where the statement comes from."""

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4", unit="mm")
        self._footer = footer
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=22)

    def multi_cell(self, *args: Any, align: str | Align = Align.L, **kwargs: Any) -> Any:  # type: ignore[override]
        """fpdf2's, flush left unless told otherwise: its default justifies every wrapped line but the last, and a
        long name in a narrow block stood with its words pulled to both edges."""
        return super().multi_cell(*args, align=align, **kwargs)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 3.6, self._footer, align="C")


def band(doc: FPDF, name: str, color: str, logo: bytes | None, kind: str) -> None:
    """The band at the top of the first page: the program's colour (as in its emails), its logo and name on the left,
    what the document is on the right. A long name (120 characters may be) is made smaller, then wrapped, and its
    last line cut only when it does not fit at the smallest size: it never runs over the document's kind or title,
    nor off the page."""
    width = doc.w - doc.l_margin - doc.r_margin
    doc.set_fill_color(*band_colour(color))
    doc.rect(0, 0, doc.w, 26, style="F")
    shift = _logo(doc, logo)  # the logo first, the program's name beside it
    room = width * 0.6 - shift
    doc.set_text_color(255, 255, 255)
    for size in NAME_SIZES:
        doc.set_font("DejaVu", "B", size)
        step = size * 0.3528 * 1.2  # a line, in mm
        lines = doc.multi_cell(room, step, name, dry_run=True, output="LINES") or [""]
        if len(lines) == 1 or (size <= NAME_WRAP and len(lines) * step <= NAME_HEIGHT):
            break
    most = int(NAME_HEIGHT // step)
    if len(lines) > most:
        lines = [*lines[: most - 1], cut(doc, " ".join(lines[most - 1 :]), room)]
    doc.set_xy(doc.l_margin + shift, 13 - len(lines) * step / 2)  # centred on the kind's line
    doc.multi_cell(room, step, "\n".join(lines))
    doc.set_xy(doc.l_margin + width * 0.6, 8)
    doc.set_font("DejaVu", "", 10)
    doc.cell(width * 0.4, 10, kind, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def cut(doc: FPDF, text: str, width: float) -> str:
    """`text` as it fits one line of a cell `width` wide at the current font, cut with "…" if need be."""
    room = width - 2 * doc.c_margin
    if doc.get_string_width(text) <= room:
        return text
    while len(text) > 1 and doc.get_string_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _logo(doc: FPDF, logo: bytes | None) -> float:
    """Draw the logo in the page's coloured band, 14 mm high and at most 50 mm wide; the width it took, with a gap
    (0 without a logo, or with one fpdf2 cannot draw: the statement is still made). Its pixels as the pages draw them:
    a 16-bit greyscale logo stored before uploads were converted would otherwise be clipped to white."""
    logo = drawable(logo) if logo else None
    if not logo:
        return 0.0
    try:
        with Image.open(io.BytesIO(logo)) as img:
            ratio = img.width / img.height
            frame = img.convert("RGBA") if img.mode not in ("RGB", "RGBA", "L") else img.copy()
    except (OSError, ValueError, ZeroDivisionError):
        return 0.0
    height = 14.0
    width = min(50.0, height * ratio)
    doc.image(frame, x=doc.l_margin, y=6, w=width, h=width / ratio)
    return width + 4


def block(doc: FPDF, x: float, y: float, width: float, title: str, lines: list[str]) -> float:
    """A titled block of lines (who pays, who is paid) at (x, y); where it ends."""
    doc.set_xy(x, y)
    doc.set_font("DejaVu", "B", 8.5)
    doc.set_text_color(*MUTED)
    doc.cell(width, 5, title.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_text_color(*INK)
    for i, line in enumerate(filter(None, lines)):
        doc.set_font("DejaVu", "B" if i == 0 else "", 10.5 if i == 0 else 9.5)
        doc.multi_cell(width, 5.5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return float(doc.get_y())
