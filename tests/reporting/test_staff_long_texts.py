"""A reason, note, message, news item or legal details pasted over its limit stays in its field and is refused
with the limit: the browser-side limit dropped such a paste whole (a block asked for a reason just pasted, a note or a
request went without it)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from cabinet.errors import Number
from cabinet.i18n import translate
from cabinet.news import BODY_MAX as NEWS_BODY_MAX
from cabinet.partner_notes import BODY_MAX
from cabinet.partners_admin import REASON_MAX
from cabinet.program_edit import LEGAL_LINES, LEGAL_MAX
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, PartnerNote
from tests.reporting.conftest import Program
from tests.reporting.test_offer_access import vip  # noqa: F401  (the fixture)
from tests.reporting.test_pages import _open as open_page


def test_a_long_reason_for_a_block_stays_typed_and_is_refused(program: Program, store_engine: Engine) -> None:
    child = program.tiny.child
    at = open_page("pages/13_partners.py", program.users["mgr"])
    at.selectbox(key="partners_pick").select(child).run()
    at.selectbox(key=f"partners_status_{child}").select("blocked")
    long = "incentivised traffic from a cashback site; " * 15  # 645 characters
    at.text_input(key=f"partners_reason_{child}").input(long)
    at.button(key=f"FormSubmitter:partner_{child}-Save").click().run()
    assert not at.exception
    assert at.text_input(key=f"partners_reason_{child}").value == long  # nothing typed is lost
    assert [e.value for e in at.error] == [translate("partners.reason_too_long", n=REASON_MAX)]
    with session_scope(store_engine) as s:
        assert s.get(Partner, child).status == "active"
    at.text_input(key=f"partners_reason_{child}").input(long[:REASON_MAX])
    at.button(key=f"FormSubmitter:partner_{child}-Save").click().run()
    assert not at.exception and at.success[0].value == f"Partner {child} saved: Status."


def test_a_long_note_stays_typed_and_is_refused_and_an_added_one_is_cleared(
    program: Program, store_engine: Engine
) -> None:
    partner = program.tiny.child  # the first partner listed
    at = open_page("pages/13_partners.py", program.users["mgr"])
    assert at.selectbox(key="partners_pick").value == partner
    long = "n" * (BODY_MAX + 100)
    at.text_area(key=f"notes_body_{partner}").input(long)
    at.button(key=f"FormSubmitter:notes_add_{partner}-Add the note").click().run()
    assert not at.exception
    assert at.text_area(key=f"notes_body_{partner}").value == long
    assert [e.value for e in at.error] == [translate("notes.too_long", n=Number(BODY_MAX).text("en"))]
    at.text_area(key=f"notes_body_{partner}").input("Asked about the November invoice.")
    at.button(key=f"FormSubmitter:notes_add_{partner}-Add the note").click().run()
    assert not at.exception and not at.error and at.text_area(key=f"notes_body_{partner}").value == ""
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(PartnerNote)) == 1


def test_a_long_reason_to_decline_an_offer_stays_typed(vip: tuple[Program, int], store_engine: Engine) -> None:  # noqa: F811
    program, offer_id = vip
    ask = open_page("pages/19_offers.py", program.users["p_parent"])
    ask.text_area(key=f"access_message_{offer_id}").input("m" * 600)
    ask.button(key=f"FormSubmitter:access_request_{offer_id}-Ask to run this offer").click().run()
    assert not ask.exception and ask.text_area(key=f"access_message_{offer_id}").value == "m" * 600
    assert [e.value for e in ask.error] == [translate("access.message_too_long", n=500)]
    ask.text_area(key=f"access_message_{offer_id}").input("SEO traffic, DE")
    ask.button(key=f"FormSubmitter:access_request_{offer_id}-Ask to run this offer").click().run()
    staff = open_page("pages/19_offers.py", program.users["mgr"])
    staff.text_input(key="access_reason").input("r" * 600)
    staff.button(key=f"access_reject_{staff.selectbox(key='access_pick').value}").click().run()
    assert not staff.exception and staff.text_input(key="access_reason").value == "r" * 600
    assert [e.value for e in staff.error] == [translate("access.reason_too_long", n=500)]


def test_a_long_news_text_or_legal_details_stay_typed_and_are_refused(program: Program) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="news_title").input("Double FTD week")
    long_body = "FTDs pay double until Sunday. " * 170  # 5,100 characters
    at.text_area(key="news_body").input(long_body)
    at.get("form_submit_button")[-1].click().run()
    assert not at.exception and at.text_area(key="news_body").value == long_body
    assert (
        translate("news.bad_body", n=Number(NEWS_BODY_MAX).text("en")) in [e.value for e in at.error] and not at.success
    )
    legal = "Example Media Ltd, 1 Sample Street, London. " * 12  # 528 characters on one line
    at.text_area(key="program_legal_details").input(legal)
    at.button[0].click().run()
    assert not at.exception and at.text_area(key="program_legal_details").value == legal
    assert translate("program.bad_legal", chars=LEGAL_MAX, lines=LEGAL_LINES) in [e.value for e in at.error]
