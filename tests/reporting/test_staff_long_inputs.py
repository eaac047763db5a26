"""Staff fields without a browser-side limit: a value pasted over the limit stays typed and is refused with it. The
browser dropped such a paste whole: a login or partner was added without the name just pasted (the save then asked
for one), a postback without its URL, and a search over its limit showed every offer or log entry, unfiltered."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from cabinet.creatives_admin import NAME_MAX as CREATIVE_NAME_MAX
from cabinet.errors import Number
from cabinet.i18n import translate
from cabinet.invites import NAME_MAX
from cabinet.postbacks import URL_MAX
from cabinet.store.db import session_scope
from cabinet.store.models import Creative, Partner, Postback, User
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page

LONG_NAME = "Northern Lights Media Group, affiliate department for the Nordics " * 4  # 264 characters


def _count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_a_login_or_partner_added_with_a_long_name_keeps_it_and_is_refused(
    program: Program, store_engine: Engine
) -> None:
    users, partners = _count(store_engine, User), _count(store_engine, Partner)
    at = open_page("pages/16_logins.py", program.users["root"])
    at.text_input(key="logins_add_name").input(LONG_NAME)
    at.text_input(key="logins_add_email").input("nordics@example.com")
    at.text_input(key="logins_add_username").input("nordics_" + "x" * 70)
    at.button(key="FormSubmitter:logins_add-Add the login").click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("invite.bad_username")]
    assert at.text_input(key="logins_add_username").value == "nordics_" + "x" * 70  # nothing typed is lost
    at.text_input(key="logins_add_username").input("nordics")
    at.button(key="FormSubmitter:logins_add-Add the login").click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("invite.bad_name", n=NAME_MAX)]
    assert at.text_input(key="logins_add_name").value == LONG_NAME
    page = open_page("pages/13_partners.py", program.users["root"])
    page.text_input(key="partners_add_name").input(LONG_NAME)
    page.text_input(key="partners_add_email").input("nordics@example.com")
    page.text_input(key="partners_add_username").input("nordics")
    page.button(key="FormSubmitter:partners_add-Add the partner").click().run()
    assert not page.exception and [e.value for e in page.error] == [translate("invite.bad_name", n=NAME_MAX)]
    assert page.text_input(key="partners_add_name").value == LONG_NAME
    # an admin adds another's login or partner: not told to give "your" name, as an applicant is
    assert "your" not in at.error[0].value.lower() and "your" not in page.error[0].value.lower()
    assert (_count(store_engine, User), _count(store_engine, Partner)) == (users, partners)


def test_a_search_over_its_limit_says_so_and_shows_nothing_unfiltered(offers: Program) -> None:  # noqa: F811
    program = offers
    pasted = "casino " * 20  # 140 characters, 139 once trimmed
    for page, key, user in (("pages/19_offers.py", "offers_search", "p_parent"),
                            ("pages/20_catalogue.py", "catalogue_search", "root")):  # fmt: skip
        at = open_page(page, program.users[user])
        at.text_input(key=key).input(pasted).run()
        area = key.split("_")[0]
        assert not at.exception and [e.value for e in at.error] == [translate(f"{area}.search_too_long", n=100)]
        assert at.text_input(key=key).value == pasted and not at.dataframe
    audit = open_page("pages/14_audit.py", program.users["root"])
    audit.text_input(key="audit_actor").input("r" * 65).run()
    assert not audit.exception and [e.value for e in audit.error] == [translate("audit.actor_too_long", n=64)]
    assert not audit.dataframe and not audit.metric  # not the whole log's count
    audit.text_input(key="audit_actor").input("root").run()
    assert not audit.exception and not audit.error and audit.metric


def test_a_long_postback_url_is_kept_and_refused(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/18_postbacks.py", program.users["p_parent"])
    url = "https://tracker.example/pb?c={conversion_id}&pad=" + "x" * URL_MAX
    at.text_input(key="postbacks_url").input(url)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception and [e.value for e in at.error] == [
        translate("postbacks.err_long", n=Number(URL_MAX).text("en"))
    ]
    assert at.text_input(key="postbacks_url").value == url and _count(store_engine, Postback) == 0


def test_a_text_ad_with_a_long_name_is_refused_not_cut(offers: Program, store_engine: Engine) -> None:  # noqa: F811
    at = open_page("pages/20_catalogue.py", offers.users["root"])
    pick = at.selectbox(key="catalogue_pick").value
    name = "Tonight only: " + "n" * CREATIVE_NAME_MAX
    at.text_input(key=f"catalogue_text_name_{pick}").input(name)
    at.text_area(key=f"catalogue_text_body_{pick}").input("Play now: {link}")
    at.button(key=f"FormSubmitter:catalogue_text_{pick}-Add the text ad").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("catalogue.creative_name_too_long", n=CREATIVE_NAME_MAX)]
    assert at.text_input(key=f"catalogue_text_name_{pick}").value == name and _count(store_engine, Creative) == 0


def test_an_offers_card_counts_its_pages_and_creatives_in_a_sentence(offers: Program) -> None:  # noqa: F811
    """A card read '2 landing page(s) · 0 creative(s)'."""
    at = open_page("pages/19_offers.py", offers.users["p_parent"])
    assert not at.exception
    said = [c.value for c in at.caption if "creatives" in c.value]
    assert said and all(c.startswith("Landing pages: ") and "(s)" not in c for c in said)
