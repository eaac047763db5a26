"""The monthly statement's closing note is printed whole on one page: near a page's end it broke before its last
word, which stood alone on a page of its own under the footer ("строки." of a Russian November's statement)."""

from __future__ import annotations

import io
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
