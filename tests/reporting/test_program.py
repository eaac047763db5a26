"""Program settings: only admins change them, bad values are refused with nothing written, every change is
audit-logged, and the cabinet follows them (minimum payout, tracking domain, a tier's pages at the next login); a form
left open saves only what was changed in it, and refuses a field another admin saved meanwhile."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError, build_session_user
from cabinet.i18n import translate
from cabinet.payouts import PayoutError, minimum_payout, request_payout
from cabinet.program_edit import ProgramChange, ProgramEditError, TierChange, current, update_program, update_tier
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Partner, ProgramSettings, Tier
from cabinet.tracking import tracking_domain
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def _now(engine: Engine) -> ProgramChange:
    with session_scope(engine) as s:
        return current(s)


def _save(program: Program, engine: Engine, change: ProgramChange, user: str = "root") -> list[str]:
    with session_scope(engine) as s:
        return update_program(s, program.users[user].scope, change)


def test_an_admin_changes_the_program_and_the_cabinet_follows(program: Program, store_engine: Engine) -> None:
    before = _now(store_engine)
    change = replace(before, name=" Казино Партнёрс ", primary_color="#AA3300",
                     tracking_domain="https://go.example.org/", support_email="help@example.org",
                     default_timezone="Europe/Moscow", min_payout="100,5")  # fmt: skip
    changed = _save(program, store_engine, change)
    assert changed == ["name", "primary_color", "tracking_domain", "support_email", "default_timezone", "min_payout"]
    with session_scope(store_engine) as s:
        row = s.get(ProgramSettings, 1)
        assert (row.name, row.primary_color, row.min_payout) == ("Казино Партнёрс", "#aa3300", Decimal("100.5"))
        assert tracking_domain(s) == "https://go.example.org" and minimum_payout(s) == Decimal("100.5")
        parent = s.get(Partner, program.tiny.parent)
        parent.payout_method, parent.payout_details = "wire", {"iban": "DE00 1234"}
        with pytest.raises(PayoutError) as caught:  # the new minimum holds
            request_payout(s, program.users["p_parent"].scope, program.tiny.parent, "60", Decimal("500"), "USD")
        assert caught.value.key == "payouts.below_minimum" and caught.value.params["minimum"].amount == Decimal("100.5")
        log = s.scalar(select(AuditLog).where(AuditLog.action == "program_changed"))
    assert log.actor_username == "root" and log.details["min_payout"] == ["50.0000", "100.50"]
    assert _save(program, store_engine, _now(store_engine)) == []  # the same values again: nothing changes
    with session_scope(store_engine) as s:
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "program_changed")).all()) == 1


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("name", "  ", "program.bad_name"),
        ("primary_color", "red", "program.bad_color"),
        ("primary_color", "#12345", "program.bad_color"),
        ("tracking_domain", "ftp://trk.example.com", "program.bad_domain"),
        ("tracking_domain", "https://trk.example.com/?x=1", "program.bad_domain"),
        ("tracking_domain", "trk.example.com", "program.bad_domain"),
        ("tracking_domain", "https://[bad", "program.bad_domain"),  # a bracket never closed
        ("tracking_domain", "https://trk.example.com:99999", "program.bad_domain"),  # no such port
        ("tracking_domain", "https://trk.example.com?", "program.bad_domain"),  # links would go to "?/c/<token>"
        ("tracking_domain", "https://trk.example.com#", "program.bad_domain"),  # the token never sent
        ("tracking_domain", "https://trk.exam\tple.com", "program.bad_domain"),  # urlsplit drops the tab
        (
            "tracking_domain",
            "https://" + "a" * 60 + "." + ".".join(["b" * 60] * 3) + ".example.com/go",
            "program.domain_too_long",
        ),  # 266 characters: the store keeps 255
        ("support_email", "support at example", "program.bad_email"),
        ("default_locale", "de", "program.bad_locale"),
        ("default_timezone", "Mars/Olympus", "program.bad_timezone"),
        ("min_payout", "-1", "program.bad_minimum"),
        ("min_payout", "abc", "program.bad_minimum"),
        ("min_payout", "NaN", "program.bad_minimum"),
        ("min_payout", "5e1", "program.bad_minimum"),  # 50 to Decimal
        ("min_payout", "2000000", "program.bad_minimum"),
        ("min_payout", "1,000", "program.ambiguous_minimum"),  # one thousand, or 1?
        ("legal_details", "\n".join(["line"] * 7), "program.bad_legal"),
        ("legal_details", "x" * 501, "program.bad_legal"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, field: str, value: str, key: str
) -> None:
    before = _now(store_engine)
    with pytest.raises(ProgramEditError) as caught:
        _save(program, store_engine, replace(before, **{"name": "Renamed", field: value}))
    assert caught.value.key == key and _now(store_engine) == before


def test_only_admins_change_the_program_or_a_tier(program: Program, store_engine: Engine) -> None:
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError):
            _save(program, store_engine, replace(_now(store_engine), name="Mine"), user)
        with session_scope(store_engine) as s, pytest.raises(ScopeError):
            update_tier(s, program.users[user].scope, "silver", TierChange(("dashboard",), ("clicks",), 0))
    assert _now(store_engine).name != "Mine"


def test_a_tier_change_reaches_its_partners_at_their_next_login(program: Program, store_engine: Engine) -> None:
    child = program.users["p_child"]  # silver: no cohorts, sub-partners one level deep
    assert not child.has("cohorts")
    with session_scope(store_engine) as s:
        wanted = TierChange(("cohorts", "dashboard", "cohorts", "reports"), ("epc", "clicks"), 2)
        changed = update_tier(s, program.users["root"].scope, "silver", wanted)
        tier = s.get(Tier, "silver")
        assert (tier.features, tier.visible_metrics, tier.subpartner_depth) == (
            ["dashboard", "reports", "cohorts"], ["clicks", "epc"], 2)  # fmt: skip
    assert changed == ["features", "visible_metrics", "subpartner_depth"]
    again = build_session_user(store_engine, "p_child")
    assert again is not None and again.has("cohorts") and not again.has("links")
    assert again.visible_metrics == ("clicks", "epc")
    with session_scope(store_engine) as s:
        for bad, key in ((TierChange(("dashboard", "admin"), ("clicks",), 1), "program.bad_feature"),
                         (TierChange(("dashboard",), (), 1), "program.bad_metrics"),
                         (TierChange(("dashboard",), ("clicks", "ip_hash"), 1), "program.bad_metrics"),
                         (TierChange(("dashboard",), ("clicks",), 6), "program.bad_depth")):  # fmt: skip
            with pytest.raises(ProgramEditError) as caught:
                update_tier(s, program.users["root"].scope, "silver", bad)
            assert caught.value.key == key
        with pytest.raises(ProgramEditError, match="no tier"):
            update_tier(s, program.users["root"].scope, "platinum", TierChange(("dashboard",), ("clicks",), 0))


def test_the_page_saves_the_program_and_a_tier(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    assert not at.exception and not at.error
    at.text_input[0].input("Renamed Program")
    at.button[0].click().run()
    assert not at.exception and at.success[0].value == "Saved: Program name."
    assert _now(store_engine).name == "Renamed Program"
    at.selectbox(key="program_tier").select("bronze").run()
    at.number_input[0].set_value(1)  # the tier's only number (the minimum payout is a text field)
    at.button[1].click().run()
    assert not at.exception and at.success[0].value == "Saved: Sub-partner levels its partners see."
    with session_scope(store_engine) as s:
        assert s.get(Tier, "bronze").subpartner_depth == 1
    domain = _now(store_engine).tracking_domain
    at.text_input[1].input("not a domain")
    at.button[0].click().run()
    assert at.error[0].value.startswith("The tracking domain must be") and _now(store_engine).tracking_domain == domain


def _typed_minimum(at: AppTest):  # type: ignore[no-untyped-def]
    return at.text_input(key="program_min_payout")


def test_a_form_left_open_saves_what_was_typed_and_keeps_what_another_admin_saved_meanwhile(
    program: Program, store_engine: Engine
) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    _save(program, store_engine, replace(_now(store_engine), name="Renamed Elsewhere", min_payout="75"))
    _typed_minimum(at).input("120")
    at.button[0].click().run()  # the minimum was changed in both: refused, with what it is now
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [translate("program.changed_meanwhile")]
    assert [i.value for i in at.info] == [translate("program.now_is", field="Minimum payout (USD)", value="75.00")]
    assert (_now(store_engine).name, _now(store_engine).min_payout) == ("Renamed Elsewhere", Decimal("75"))
    assert _typed_minimum(at).value == "120"  # what was typed stays; the name, untouched here, shows the new one
    assert at.text_input[0].value == "Renamed Elsewhere"
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["Saved: Minimum payout (USD)."]
    assert (_now(store_engine).name, _now(store_engine).min_payout) == ("Renamed Elsewhere", Decimal("120"))
    _save(program, store_engine, replace(_now(store_engine), signup_open=True))
    at.text_input[0].input("Mine")
    at.button[0].click().run()  # another field changed meanwhile: saved, the other's change kept
    assert [s.value for s in at.success] == ["Saved: Program name."]
    assert (_now(store_engine).name, _now(store_engine).signup_open) == ("Mine", True)


def test_a_stale_program_change_is_refused_in_the_store(program: Program, store_engine: Engine) -> None:
    drawn = _now(store_engine)
    _save(program, store_engine, replace(drawn, min_payout="75"))
    with pytest.raises(ProgramEditError) as refused:
        _save(program, store_engine, replace(drawn, min_payout="120", seen=drawn))
    assert (refused.value.key, refused.value.params) == ("program.changed_meanwhile", {"fields": ("min_payout",)})
    assert _save(program, store_engine, replace(drawn, name="Mine", seen=drawn)) == ["name"]  # the minimum stays
    assert (_now(store_engine).name, _now(store_engine).min_payout) == ("Mine", Decimal("75"))


def test_a_russian_admin_reads_and_types_the_minimum_with_a_decimal_comma(
    program: Program, store_engine: Engine
) -> None:
    """A number input wrote "50.00" on a Russian page, where every amount reads "50,00"."""
    _save(program, store_engine, replace(_now(store_engine), min_payout="50.5"))
    at = _open_ru(program, "root", "pages/12_program.py")
    assert not at.exception and at.text_input(key="program_min_payout").value == "50,50"
    at.text_input(key="program_min_payout").input("75,25")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert _now(store_engine).min_payout == Decimal("75.25")


def test_the_page_warns_while_the_tracking_domain_is_the_placeholder(program: Program, store_engine: Engine) -> None:
    """A new program's links start with https://trk.example.com until an admin sets the tracker's address: the page
    says so until then, in either language, and not after."""
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).tracking_domain = "https://trk.example.com"
    at = open_page("pages/12_program.py", program.users["root"])
    assert not at.exception and [w.value for w in at.warning] == [translate("program.domain_placeholder", "en")]
    ru = _open_ru(program, "root", "pages/12_program.py")
    assert [w.value for w in ru.warning] == [translate("program.domain_placeholder", "ru")]
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).tracking_domain = "https://go.acme-partners.test"
    assert not open_page("pages/12_program.py", program.users["root"]).warning
