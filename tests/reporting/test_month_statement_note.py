"""The monthly statement keeps together what reads together: its closing note whole on one page (near a page's end it
broke before its last word, which stood alone on a page of its own under the footer: "строки." of a Russian
November's statement), and a table's heading with its first rows."""

from __future__ import annotations

import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from cabinet.i18n import translate
from cabinet.month_statement import _Doc


def _pages(doc: _Doc) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(bytes(doc.pdf.output()))).pages]


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_note_that_would_break_starts_on_the_next_page(locale: str) -> None:
    note = " ".join(translate("statements.month_explained", locale, currency="USD").split())
    doc = _Doc(locale, ZoneInfo("UTC"), None, None)
    doc.pdf.add_page()
    doc.pdf.set_y(doc.pdf.page_break_trigger - 10)  # room for two of its three lines
    doc.close_note("USD")
    first, second = _pages(doc)
    assert note.split()[0] not in first.split() and note in second


def test_a_note_with_room_stays_where_it_is() -> None:
    doc = _Doc("en", ZoneInfo("UTC"), None, None)
    doc.pdf.add_page()
    doc.pdf.set_y(doc.pdf.page_break_trigger - 30)
    doc.close_note("USD")
    assert len(_pages(doc)) == 1


def _kinds_page(room: float) -> tuple[list[str], int]:
    """A statement page with `room` mm left above its footer margin, then the tables of a month of three kinds: the
    text of each page, and the page the "By kind" heading is on."""
    lines = [{"offer_id": 1, "offer": "Casino Royale", "kind": k, "status": "approved", "rows": 3,
              "amount_base": Decimal("10.00")} for k in ("cpa", "revshare", "sub_partner")]  # fmt: skip
    doc = _Doc("en", ZoneInfo("UTC"), None, None)
    doc.pdf.add_page()
    doc.pdf.set_y(doc.pdf.page_break_trigger - room)
    doc.tables(lines, ("approved",), "USD")
    pages = _pages(doc)
    return pages, next(i for i, p in enumerate(pages, 1) if "By kind" in p)


def test_a_heading_starts_the_next_page_with_its_table_when_this_one_has_no_room_for_it() -> None:
    """ "By kind" and its first row closed a page, its other rows opened the next under no heading or header."""
    pages, at = _kinds_page(60)  # the commission, "By offer" and its table; then room for "By kind" and a row or two
    assert at == 2 and "By offer" in pages[0]
    assert all(kind in pages[1] for kind in ("CPA", "RevShare", "Sub-partner override", "Total"))
    pages, at = _kinds_page(100)  # room for both tables
    assert at == 1 and len(pages) == 1
