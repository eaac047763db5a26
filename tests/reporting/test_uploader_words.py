"""The file uploaders of the staff pages (a program's logo, an offer's banners) say their button and size line in the
session's language: Streamlit writes "Upload" and "1MB per file • PNG, JPG, GIF, WEBP" in English on a Russian page.
In Chromium the Russian page shows "Выбрать файл" and "До 1 МБ на файл • PNG, JPG, GIF, WEBP" there."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def _styles(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


@pytest.mark.parametrize(("page", "prefix", "mb"), [("pages/12_program.py", "logo_file_", 1),
                                                    ("pages/20_catalogue.py", "catalogue_files_", 5)])  # fmt: skip
def test_an_uploader_on_a_russian_page_speaks_russian(
    offers: Program,  # noqa: F811
    page: str,
    prefix: str,
    mb: int,
) -> None:
    at = _open_ru(offers, "root", page)
    assert not at.exception
    styles = _styles(at)
    assert f'[class*="st-key-{prefix}"] [data-testid="stFileUploaderDropzone"] button p::after' in styles
    assert 'content: "Выбрать файл"' in styles
    assert f'content: "До {mb} МБ на файл • PNG, JPG, GIF, WEBP"' in styles
    english = open_page(page, offers.users["root"])  # Streamlit's own words: nothing drawn over them
    assert not english.exception and "stFileUploaderDropzone" not in _styles(english)
