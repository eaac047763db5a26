"""Promo codes issued and changed by staff: the ETL attributes by them from the next run, days are whole days in the
program's time zone, and nobody issues or changes a code for a partner outside their scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.i18n import translate
from cabinet.promo import CodeChange, PromoCodeError, change_code, issue_code, promo_codes
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Offer, Partner, ProgramSettings, PromoCode
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page

HEAD = "conversion_id,ts,type,promo_code\n"


def _issue(program: Program, engine: Engine, user: str, partner: int, code: str, offer: int | None = None,
           change: CodeChange | None = None) -> PromoCode:  # fmt: skip
    with session_scope(engine) as s:
        return issue_code(s, program.users[user].scope, partner, code, offer, change or CodeChange())


def test_an_issued_code_attributes_within_its_days_in_the_program_zone(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).default_timezone = "Europe/Moscow"  # UTC+3
    days = CodeChange("active", date(2026, 11, 3), date(2026, 11, 4), " Blog readers ")
    made = _issue(program, store_engine, "mgr", tiny.child, " blog-ru ", tiny.offer, days)
    assert (made.code, made.description) == ("BLOG-RU", "Blog readers")
    tiny.write("conversions", "coded.csv", HEAD +
               "b1,2026-11-02T20:59:59Z,registration,blog-ru\n"  # 23:59:59 on 2 Nov in Moscow: before
               "b2,2026-11-02T21:00:00Z,registration,Blog-Ru\n"  # 00:00 on 3 Nov in Moscow: the first second
               "b3,2026-11-04T20:59:59Z,registration,BLOG-RU\n"  # the last second of 4 Nov there
               "b4,2026-11-04T21:00:00Z,registration,blog-ru\n")  # fmt: skip
    tiny.run(NOW + timedelta(minutes=5))
    assert tiny.rows("select conversion_id, partner_id, offer_id, attributed_by from conversions "
                     "where conversion_id like 'b%' order by 1") == [
        ("b2", tiny.child, tiny.offer, "promo_code"), ("b3", tiny.child, tiny.offer, "promo_code")]  # fmt: skip
    assert tiny.rows("select raw ->> '$.conversion_id', reason from quarantine order by 1") == [
        ("b1", "promo_code_outside_dates"), ("b4", "promo_code_outside_dates")]  # fmt: skip
    with session_scope(store_engine) as s:
        [item] = [c for c in promo_codes(s, program.users["p_child"].scope) if c.code == "BLOG-RU"]
        log = s.scalar(select(AuditLog).where(AuditLog.action == "promo_code_issued"))
    assert item.days("Europe/Moscow") == (date(2026, 11, 3), date(2026, 11, 4))
    assert item.days("UTC") == (date(2026, 11, 2), date(2026, 11, 4))
    assert (log.actor_username, log.target, log.details["partner_id"]) == ("mgr", "promo code BLOG-RU", tiny.child)


def test_a_paused_code_stops_attributing_and_a_resumed_one_starts_again(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    _issue(program, store_engine, "root", tiny.parent, "SUMMER")
    with session_scope(store_engine) as s:
        assert change_code(s, program.users["mgr"].scope, "summer", CodeChange("paused")) == ["status"]
    tiny.write("conversions", "p.csv", HEAD + "s1,2026-11-05T10:00:00Z,registration,summer\n")
    tiny.run(NOW + timedelta(minutes=5))
    assert tiny.rows("select reason from quarantine") == [("inactive_promo_code",)]
    with session_scope(store_engine) as s:
        change_code(s, program.users["root"].scope, "SUMMER", CodeChange("active", None, date(2026, 12, 31)))
        assert [a for (a,) in s.execute(select(AuditLog.action).where(AuditLog.target == "promo code SUMMER"))] == [
            "promo_code_issued", "promo_code_changed", "promo_code_changed"]  # fmt: skip
    tiny.write("conversions", "q.csv", "conversion_id,ts,type,promo_code,offer_id\n"  # a code for any offer: the
               f"s2,2026-11-05T11:00:00Z,registration,Summer,{tiny.offer}\n")  # conversion names it  # fmt: skip
    tiny.run(NOW + timedelta(minutes=10))
    assert tiny.rows("select partner_id from conversions where conversion_id = 's2'") == [(tiny.parent,)]


@pytest.mark.parametrize(
    ("code", "offer", "change", "key"),
    [
        ("", None, CodeChange(), "promo.code_missing"),  # asked for, not "'' cannot be a promo code"
        ("   ", None, CodeChange(), "promo.code_missing"),
        ("ab", None, CodeChange(), "promo.bad_code"),  # too short
        ("-SALE", None, CodeChange(), "promo.bad_code"),
        ("=HYPERLINK(1)", None, CodeChange(), "promo.bad_code"),
        ("two words", None, CodeChange(), "promo.bad_code"),
        ("x" * 33, None, CodeChange(), "promo.bad_code"),
        ("spring", None, CodeChange(), "promo.code_taken"),  # the child's SPRING, another case
        ("OK1", "shop", CodeChange(), "promo.offer_not_allowed"),  # gold-only, for a silver child
        ("OK2", -1, CodeChange(), "promo.offer_not_allowed"),
        ("OK3", None, CodeChange("active", date(2026, 12, 2), date(2026, 12, 1)), "promo.bad_dates"),
        ("OK4", None, CodeChange("deleted"), "promo.bad_state"),
        ("OK5", None, CodeChange(description="d" * 501), "promo.description_too_long"),
    ],
)
def test_bad_codes_are_refused_with_a_reason_and_nothing_is_written(
    program: Program, store_engine: Engine, code: str, offer: object, change: CodeChange, key: str
) -> None:
    with session_scope(store_engine) as s:  # the tiny program's child has SPRING; the shop is for gold only
        s.get(Offer, program.tiny.other_offer).tiers_allowed = ["gold"]
        before = s.scalars(select(PromoCode.code)).all()
    offer_id = program.tiny.other_offer if offer == "shop" else offer
    with pytest.raises(PromoCodeError) as caught:
        _issue(program, store_engine, "mgr", program.tiny.child, code, offer_id, change)  # type: ignore[arg-type]
    assert caught.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalars(select(PromoCode.code)).all() == before == ["SPRING"]


def test_only_staff_issue_codes_and_only_for_their_partners(program: Program, store_engine: Engine) -> None:
    tiny = program.tiny
    with pytest.raises(PromoCodeError, match="only managers and admins"):
        _issue(program, store_engine, "p_parent", tiny.parent, "MINE")
    with pytest.raises(ScopeError):
        _issue(program, store_engine, "mgr", program.outsider, "NOTYOURS")
    _issue(program, store_engine, "root", program.outsider, "BRONZE1")
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        change_code(s, program.users["mgr"].scope, "bronze1", CodeChange("paused"))
    with session_scope(store_engine) as s, pytest.raises(PromoCodeError, match="no code"):
        change_code(s, program.users["root"].scope, "NOPE", CodeChange())
    with session_scope(store_engine) as s:
        s.get(Partner, tiny.child).status = "blocked"
    with pytest.raises(PromoCodeError, match="blocked"):
        _issue(program, store_engine, "mgr", tiny.child, "LATE")


@pytest.mark.parametrize("status", ["blocked", "pending", "declined"])
def test_the_page_offers_no_partner_the_store_refuses_a_code(
    program: Program, store_engine: Engine, status: str
) -> None:
    """An application waiting was offered, then refused on Issue ("not approved yet"), as blocked ones were not."""
    with session_scope(store_engine) as s:
        s.get_one(Partner, program.tiny.child).status = status
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    assert not at.exception
    offered = [o.split(" · ")[0] for o in at.selectbox(key="promo_new_partner").options]
    assert str(program.tiny.parent) in offered and str(program.tiny.child) not in offered


def test_a_manager_issues_and_pauses_a_code_on_the_page(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cabinet.ui import once

    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    assert not at.exception and list(at.dataframe[0].value["Code"]) == ["SPRING"]
    at.selectbox(key="promo_new_partner").select(program.tiny.child).run()
    at.text_input(key="promo_new_code").input("autumn-25")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Code AUTUMN-25 is issued")
    assert list(at.dataframe[0].value["Code"]) == ["AUTUMN-25", "SPRING"]
    at.selectbox(key="promo_pick").select("AUTUMN-25").run()
    at.radio[0].set_value("paused")
    at.button[1].click().run()
    assert not at.exception and at.success[0].value.startswith("Code AUTUMN-25 is changed")
    table = at.dataframe[0].value
    assert dict(zip(table["Code"], table["Today"], strict=True)) == {"AUTUMN-25": "Paused", "SPRING": "✓ Works"}
    later = once.time.monotonic() + once.WINDOW + 1  # not a double click: a while later
    monkeypatch.setattr(once.time, "monotonic", lambda: later)
    at.text_input(key="promo_new_code").input("autumn-25")  # the same code again: refused, said on the page
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Code AUTUMN-25 exists already (codes do not differ by case)."]
    partner = open_page("pages/08_promo_codes.py", program.users["p_child"])
    assert not partner.exception and [b.label for b in partner.button] == ["Log out"] and not partner.get("expander")
    bronze = open_page("pages/08_promo_codes.py", program.users["root"])  # an admin with codes everywhere
    assert not bronze.exception and bronze.selectbox(key="promo_new_partner").options


def test_a_code_issued_now_is_listed_with_no_end_and_its_first_day(program: Program, store_engine: Engine) -> None:
    today = datetime.now().date()
    _issue(program, store_engine, "mgr", program.tiny.parent, "NOW1", None, CodeChange("active", today))
    with session_scope(store_engine) as s:
        [item] = promo_codes(s, program.users["p_parent"].scope)
    assert item.days("UTC") == (today, None) and item.state(datetime.now()) == "active"


def test_a_form_sent_without_a_code_asks_for_one(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    at.text_input(key="promo_new_description").input("Podcast listeners")
    at.button[0].click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("promo.code_missing")]
    assert at.text_input(key="promo_new_description").value == "Podcast listeners"  # kept, as for any refusal
    assert translate("promo.code_missing").startswith("Type a code:")  # it said "“” cannot be a promo code: …"
    assert translate("promo.code_missing", "ru").startswith("Введите код:")  # «» не может быть промокодом


def test_a_refused_code_keeps_what_was_typed(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/08_promo_codes.py", program.users["mgr"])
    at.selectbox(key="promo_new_partner").select(program.tiny.child)
    at.text_input(key="promo_new_code").input("spring")  # taken (the child's SPRING)
    at.text_input(key="promo_new_description").input("Podcast listeners, autumn")
    at.button[0].click().run()
    assert at.error and at.text_input(key="promo_new_code").value == "spring"
    assert at.text_input(key="promo_new_description").value == "Podcast listeners, autumn"
    at.text_input(key="promo_new_code").input("podcast")
    at.button[0].click().run()
    assert not at.error and at.success[0].value.startswith("Code PODCAST is issued")
    assert at.text_input(key="promo_new_code").value == "" and at.text_input(key="promo_new_description").value == ""


def test_a_code_the_etl_would_spell_otherwise_or_one_taken_in_another_script_case_is_refused(
    program: Program, store_engine: Engine
) -> None:
    with pytest.raises(PromoCodeError) as caught:  # 'ß' upper-cases to two letters: it would match nothing
        _issue(program, store_engine, "mgr", program.tiny.child, "straße")
    assert caught.value.key == "promo.bad_code"
    with session_scope(store_engine) as s:  # stored in lower case by another tool; SQLite's upper() is ASCII-only
        s.add(PromoCode(code="лето", partner_id=program.tiny.child))
    with pytest.raises(PromoCodeError) as taken:
        _issue(program, store_engine, "mgr", program.tiny.parent, "ЛЕТО")
    assert taken.value.key == "promo.code_taken"
    with session_scope(store_engine) as s:
        assert change_code(s, program.users["mgr"].scope, "Лето", CodeChange("paused")) == ["status"]
        assert s.scalar(select(PromoCode.code).where(PromoCode.status == "paused")) == "лето"  # kept as stored
    assert _issue(program, store_engine, "mgr", program.tiny.parent, "осень-2026").code == "ОСЕНЬ-2026"


def test_codes_take_words_of_any_script_with_their_marks_and_the_etl_attributes_by_them(
    program: Program, store_engine: Engine
) -> None:
    """Devanagari, Thai and Tamil vowel signs and an accent typed as its own character are marks, not `\\w`."""
    tiny = program.tiny
    words = ("हिंदी", "สวัสดี", "தமிழ்", "cafe\u0301")
    assert [_issue(program, store_engine, "mgr", tiny.child, w).code for w in words] == [
        "हिंदी",
        "สวัสดี",
        "தமிழ்",
        "CAFÉ",
    ]  # fmt: skip  (the accent typed as a mark is stored composed)
    with pytest.raises(PromoCodeError) as taken:  # the same code with the accent as one letter
        _issue(program, store_engine, "mgr", tiny.child, "café")
    assert taken.value.key == "promo.code_taken"
    typed = (*words, "café")  # customers type either form
    tiny.write("conversions", "m.csv", "conversion_id,ts,type,promo_code,offer_id\n" + "".join(
        f"m{i},2026-11-05T10:00:00Z,registration,{w},{tiny.offer}\n" for i, w in enumerate(typed)))  # fmt: skip
    tiny.run(NOW + timedelta(minutes=5))
    assert tiny.rows("select conversion_id, partner_id, attributed_by from conversions where conversion_id like 'm%' "
                     "order by 1") == [(f"m{i}", tiny.child, "promo_code") for i in range(5)]  # fmt: skip
    with pytest.raises(PromoCodeError):  # a mark with no letter before it is refused still
        _issue(program, store_engine, "mgr", tiny.child, "\u0301abc")
