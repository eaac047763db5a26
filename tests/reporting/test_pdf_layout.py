"""The statements' PDF layout: figures and payment references printed whole however many status columns a tier shows,
a long program name kept inside its part of the band; read back with pypdf, text and positions."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader

from cabinet.month_statement import _Doc
from cabinet.pdf import Page, band
from queries.commissions import STATUSES

MM = 72 / 25.4  # PDF points in a millimetre
LINES = [  # one offer, a gold partner's month of large figures
    {"offer_id": 1, "offer": "Casino Royale", "kind": "cpa", "status": "approved", "rows": 900,
     "amount_base": Decimal("6500000.00")},
    {"offer_id": 1, "offer": "Casino Royale", "kind": "cpa", "status": "pending", "rows": 600,
     "amount_base": Decimal("4200000.00")},
]  # fmt: skip
CYRILLIC = "Партнёрская программа «Северное сияние» — казино, ставки и покер онлайн"  # 71 characters


def _placed(pdf: bytes) -> list[tuple[float, float, float, str]]:
    """Every piece of text on the first page: its left and right edges and its baseline, in mm from the page's left
    and top, and the text; the width measured with the font and size it is drawn in."""
    measure, out = Page(""), []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        if text.strip():
            measure.set_font("DejaVu", "B" if "Bold" in str((font or {}).get("/BaseFont")) else "", size)
            left = (tm[4] * cm[0] + cm[4]) / MM
            out.append((left, left + measure.get_string_width(text.strip()), (height - tm[5] - cm[5]) / MM,
                        text.strip()))  # fmt: skip

    page.extract_text(visitor_text=visit)
    return out


def _apart_and_inside(pdf: bytes) -> None:
    """No two pieces of text on one line overlap, and none leaves the page's margins (18 mm)."""
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for left, right, base, text in _placed(pdf):
        assert left >= 17.9 and right <= 210 - 17.9, (text, left, right)
        lines.setdefault(round(base, 1), []).append((left, right, text))
    for pieces in lines.values():
        pieces.sort()
        for (_, right, text), (left, _, after) in itertools.pairwise(pieces):
            assert right <= left + 0.1, (text, after)


@pytest.mark.parametrize(
    ("locale", "currency", "figure"), [("en", "USD", "$4,200,000.00"), ("ru", "RUB", "4 200 000,00 ₽")]
)
def test_six_status_columns_print_every_figure_whole(locale: str, currency: str, figure: str) -> None:
    """A gold partner's table has six status columns: its totals were cut to "$1,420,000.…" at the 5.5 pt the row
    had been shrunk to (in roubles "4 200 000,0…")."""
    doc = _Doc(locale, ZoneInfo("UTC"), None, None)
    doc.pdf.add_page()
    doc.tables(LINES, STATUSES, currency)
    pdf = bytes(doc.pdf.output())
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\xa0", " ")
    assert "…" not in text and text.count(figure) == 4, text  # by offer and by kind, each row and its total
    _apart_and_inside(pdf)


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_payment_reference_is_printed_whole(locale: str) -> None:
    """A reference may have 128 characters: one of 60 was cut after 27; it wraps now, and the payout's name stays."""
    reference = ("SEPA-CT-2026-11-30-DE89370400440532013000-E2E-REF-0000012345" * 3)[:128]
    doc = _Doc(locale, ZoneInfo("UTC"), None, None)
    doc.pdf.add_page()
    paid = datetime(2026, 11, 30, 12, tzinfo=UTC)
    long, short = (SimpleNamespace(id=i, paid_at=paid, reference=ref, amount=Decimal(i), currency="USD")
                   for i, ref in ((7, reference), (8, reference[:60])))  # fmt: skip
    doc.payouts([long, short])
    pdf = bytes(doc.pdf.output())
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "…" not in text and doc.tr("month_payout_line", payout=7) in text
    joined = "".join(text.split())  # a wrapped reference read back line by line
    assert reference in joined and reference[:60] + "".join(doc.money(Decimal(8), "USD").split()) in joined
    _apart_and_inside(pdf)


def _logo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 50), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "logo", "whole"),
    [(CYRILLIC, None, True), (CYRILLIC, _logo(), True), ("W" * 120, None, True), ("W" * 120, _logo(), False)],
    ids=["cyrillic", "cyrillic-logo", "120-wide", "120-wide-logo"],
)
def test_a_long_program_name_stays_in_its_part_of_the_band(name: str, logo: bytes | None, whole: bool) -> None:
    """The name ran at 15 pt over the document's kind and off the page; it is made smaller and wrapped now, and cut
    only when it does not fit even so (120 wide letters beside a logo)."""
    doc = Page("")
    doc.add_page()
    band(doc, name, "#1f6feb", logo, "Commission statement")
    placed = _placed(bytes(doc.output()))
    [kind] = [p for p in placed if p[3] == "Commission statement"]
    shown = [p for p in placed if p is not kind]
    assert shown and all(base < 26 for *_, base, _ in shown)  # in the band, above the title
    assert all(right <= kind[0] for _, right, _, _ in shown)  # left of the kind, not over it
    assert all(left >= 18 + (54 if logo else 0) - 0.1 for left, *_ in shown)  # right of the logo
    text = "".join(p[3] for p in shown)
    if whole:  # shrunk and wrapped, every letter kept
        assert "".join(text.split()) == "".join(name.split())
    else:
        assert text.endswith("…") and set(text[:-1]) == {"W"}


def test_a_16_bit_greyscale_logo_is_drawn_as_its_shade_not_white() -> None:
    """A 16-bit greyscale PNG (stored before uploads were converted) was clipped to 8 bits: dark grey came out white."""
    buf = io.BytesIO()
    Image.new("I;16", (400, 100), 1000).save(buf, format="PNG")  # 1000 of 65535: nearly black
    doc = Page("")
    doc.add_page()
    band(doc, "Program", "#1f6feb", buf.getvalue(), "Commission statement")
    [drawn] = PdfReader(io.BytesIO(bytes(doc.output()))).pages[0].images
    assert drawn.image.convert("L").getextrema() == (3, 3)  # 1000 / 256, as the pages show it
