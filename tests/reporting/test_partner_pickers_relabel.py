"""A partner's pickers whose chosen option is labelled in the session's language are set again after a switch of
language (`widgets.relabel`), so the browser shows the label as it is now: Creatives' offer kept "Любой" over a page
in English, Tracking links' offer its vertical in English, the monthly statement's month "December 2026"."""

from __future__ import annotations

import pytest

from tests.reporting.conftest import Program
from tests.reporting.test_creatives import banners  # noqa: F401 - the fixture, reused
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page


@pytest.mark.parametrize(
    ("page", "key"),
    [("pages/06_links.py", "links_offer"), ("pages/07_creatives.py", "creatives_offer"),
     ("pages/03_commissions.py", "month_statement_pick")],
)  # fmt: skip
def test_a_partners_chosen_option_is_labelled_anew(banners: Program, page: str, key: str) -> None:  # noqa: F811
    at = open_page(page, banners.users["p_parent"])
    assert not at.exception and not at.selectbox(key=key).proto.set_value
    at.selectbox(key="menu_language").set_value("ru").run()
    assert not at.exception and at.selectbox(key=key).proto.set_value  # the browser takes its Russian label
