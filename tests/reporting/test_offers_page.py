"""The Offers page: the offers a partner may promote (its tier's, active, with a landing page), each with its own
figures for the period, search and vertical filters, and a tracking link one click away; staff pick a partner."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Offer
from cabinet.ui.text import vertical
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


@pytest.fixture
def catalog(program: Program, store_engine: Engine) -> Program:
    """Casino open to all; Shop to gold only, its description with markup; a paused offer and one without a page."""
    with session_scope(store_engine) as s:
        s.get(Offer, program.tiny.offer).landing_urls = ["https://casino.example", "https://casino.example/vip"]
        shop = s.get(Offer, program.tiny.other_offer)
        shop.landing_urls, shop.tiers_allowed = ["https://shop.example"], ["gold"]
        shop.description = "Sneakers *50% off* [click](https://evil.example)"
        s.add(Offer(name="Old", vertical="forex", landing_urls=["https://old.example"], status="paused"))
        s.add(Offer(name="No page", vertical="forex", landing_urls=[]))
    return program


def _cards(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.value.split(" · ")[0].strip("*") for m in at.markdown if " · #" in m.value]


def test_a_partner_sees_its_offers_and_its_figures(catalog: Program) -> None:
    at = open_page("pages/19_offers.py", catalog.users["p_parent"])
    assert not at.exception and not at.error
    assert _cards(at) == ["Casino", "Shop"]  # gold: both; the paused one and the one without a page: neither
    assert "Sneakers *50% off* [click](https://evil.example)" in [x.value for x in at.text]  # as text, not Markdown
    clicks = [m for m in at.metric if m.label == translate("metric.clicks")]
    assert [m.value for m in clicks] == ["2", "0"]  # the parent's clicks on Casino in the last 30 days; none on Shop
    assert "$100.00" in at.caption[0].value  # the plan's FTD rate
    at.text_input(key="offers_search").set_value("sneak").run()
    assert _cards(at) == ["Shop"]
    at.text_input(key="offers_search").set_value("").run()
    at.multiselect(key="offers_verticals").set_value(["igaming"]).run()
    assert _cards(at) == ["Casino"]
    child = open_page("pages/19_offers.py", catalog.users["p_child"])
    assert _cards(child) == ["Casino"]  # silver: the gold-only Shop is not open to it


def test_make_a_link_opens_the_links_page_with_the_offer(catalog: Program) -> None:
    at = open_page("pages/19_offers.py", catalog.users["p_parent"])
    at.button(key=f"offers_link_{catalog.tiny.other_offer}").click().run()
    assert not at.exception
    assert at.session_state["links_offer"] == catalog.tiny.other_offer
    assert at.selectbox(key="links_offer").value == catalog.tiny.other_offer


def test_staff_pick_one_of_their_partners(catalog: Program) -> None:
    at = open_page("pages/19_offers.py", catalog.users["mgr"])
    assert not at.exception
    assert at.selectbox(key="links_partner").value == catalog.tiny.child and _cards(at) == ["Casino"]  # by name
    child_clicks = [m.value for m in at.metric if m.label == translate("metric.clicks")]
    at.selectbox(key="links_partner").set_value(catalog.tiny.parent).run()
    assert _cards(at) == ["Casino", "Shop"]
    clicks = [m.value for m in at.metric if m.label == translate("metric.clicks")]
    assert (child_clicks, clicks) == (["0"], ["2", "0"])  # each partner's own figures, not the manager's scope's


def test_an_offers_name_is_shown_as_typed(catalog: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.add(Offer(name="Bonus *x2* $5 [go](https://evil.example)", vertical="igaming", landing_urls=["https://b.x"]))
    at = open_page("pages/19_offers.py", catalog.users["p_parent"])
    assert [c[:5] for c in _cards(at)] == ["Casin", "Bonus", "Shop"]  # the one with clicks first, then by name
    [card] = [m.value for m in at.markdown if "Bonus" in m.value]
    assert card.startswith(r"**Bonus \*x2\* \$5 \[go\]\(https://evil\.example\)** · iGaming · #")


def test_an_offer_without_clicks_has_no_epc(catalog: Program) -> None:
    at = open_page("pages/19_offers.py", catalog.users["p_parent"])
    epc = [m.value for m in at.metric if m.label == translate("metric.epc").split(" (")[0]]
    assert epc[1:] == ["—"]  # Shop: no clicks, so commission per click is undefined, not $0.00
    assert epc[0] != "—"


def test_the_demo_verticals_are_said_in_the_partners_language(catalog: Program, store_engine: Engine) -> None:
    """A Russian partner read "igaming" and "ecommerce" on every card, as the admin's demo typed them."""
    with session_scope(store_engine) as s:
        s.get(Offer, catalog.tiny.other_offer).vertical = "Sneakers & co"
    at = open_page("pages/19_offers.py", replace(catalog.users["p_parent"], locale="ru"))
    assert not at.exception and not at.error
    heads = sorted(m.value for m in at.markdown if " · #" in m.value)
    assert heads == [f"**Casino** · Гемблинг · #{catalog.tiny.offer}",
                     f"**Shop** · Sneakers & co · #{catalog.tiny.other_offer}"]  # fmt: skip
    verticals = at.multiselect(key="offers_verticals")
    assert sorted(verticals.options) == ["Sneakers & co", "Гемблинг"]
    assert vertical("ECommerce") == "E-commerce" and vertical("forex") == "Forex"
