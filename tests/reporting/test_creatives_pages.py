"""Creatives: the page number goes back to the first page when a filter changes, while several pages remain: left on
the page picked before, the filtered creatives were shown from their third page, the first ones out of sight."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Creative
from tests.reporting.conftest import Program
from tests.reporting.test_creatives import _png
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page

PER_SIZE = {"300x250": 70, "728x90": 65}  # 135 creatives: five pages of 30; three of each size


@pytest.fixture
def shelf(offers: Program, store_engine: Engine) -> Program:  # noqa: F811
    root = offers.tiny.settings.creatives_dir
    root.mkdir(parents=True, exist_ok=True)
    with session_scope(store_engine) as s:
        for size, n in PER_SIZE.items():
            w, h = (int(x) for x in size.split("x"))
            (root / f"b{size}.png").write_bytes(_png(w, h))
            for i in range(n):
                s.add(Creative(offer_id=offers.tiny.offer, name=f"Banner {size} {i:02d}", file_path=f"b{size}.png",
                               width=w, height=h, size_bytes=100))  # fmt: skip
    return offers


def test_a_filter_changed_goes_back_to_the_first_page(shelf: Program) -> None:
    at = open_page("pages/07_creatives.py", shelf.users["p_parent"])
    assert not at.exception and at.caption[0].value == "135 creatives."
    at.number_input(key="creatives_page").set_value(3).run()
    assert not at.exception and at.number_input(key="creatives_page").value == 3
    at.selectbox(key="creatives_size").select("728x90").run()  # 65: three pages, the third one still there
    assert not at.exception and at.caption[0].value == "65 creatives."
    assert at.number_input(key="creatives_page").value == 1 and not at.warning
    assert "Banner 728x90 00" in [m.value.strip("*") for m in at.markdown]  # the first of them in sight
    at.number_input(key="creatives_page").set_value(2).run()  # paging on within the filter
    assert at.number_input(key="creatives_page").value == 2
    at.selectbox(key="creatives_offer").select("Casino").run()  # the same 65, another filter: the first page again
    assert not at.exception and not at.warning and at.number_input(key="creatives_page").value == 1
