"""Commission plans edited by admins: what is saved is what the engine prices with at the next run, bad plans are
refused with a reason and nothing written, and every change is audit-logged old → new."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError, build_session_user
from cabinet.errors import localised
from cabinet.i18n import translate
from cabinet.passwords import UNUSABLE_HASH
from cabinet.plans import parse_plan
from cabinet.plans_admin import (
    PlanChange,
    PlanChangedMeanwhile,
    PlanEditError,
    create_plan,
    current,
    plans,
    update_plan,
)
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, CommissionPlan, Partner, ProgramSettings, User
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

TIERED = PlanChange(
    " Gold  FTD ", "hybrid", "eur", {"ftd": "100", "registration": "2,5"}, "20", "25",
    ({"min_count": "1", "cpa_ftd": "100"}, {"min_count": "", "cpa_ftd": ""},  # a blank row: none
     {"min_count": "51", "cpa_ftd": "120.50", "revshare_pct": "35"}),
    ("5", "2", "", ""), 7,
)  # fmt: skip


def _create(program: Program, engine: Engine, change: PlanChange, user: str = "root") -> int:
    with session_scope(engine) as s:
        return create_plan(s, program.users[user].scope, change).plan_id


def _update(program: Program, engine: Engine, plan_id: int, user: str = "root", **fields: object):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        now = current(s, program.users["root"].scope, plan_id)
        return update_plan(s, program.users[user].scope, plan_id, PlanChange(**{**now.__dict__, **fields}))


def test_an_admin_adds_a_plan_the_engine_can_price_with(program: Program, store_engine: Engine) -> None:
    plan_id = _create(program, store_engine, TIERED)
    with session_scope(store_engine) as s:
        row = s.get(CommissionPlan, plan_id)
        assert (row.name, row.type, row.currency, row.hold_days) == ("Gold FTD", "hybrid", "EUR", 7)
        assert row.cpa_amounts == {"registration": "2.5", "ftd": "100"}
        assert row.volume_tiers == [{"min_count": 1, "cpa_ftd": "100"},
                                    {"min_count": 51, "cpa_ftd": "120.5", "revshare_pct": "35"}]  # fmt: skip
        assert row.subpartner_override_pct == ["5", "2"]  # empty levels after the last one: none
        parsed = parse_plan({"plan_id": row.id, **{c.name: getattr(row, c.name) for c in row.__table__.columns}})
        log = s.scalar(select(AuditLog).where(AuditLog.action == "plan_created"))
        listed = {p.id: p for p in plans(s, program.users["root"].scope)}[plan_id]
        again = current(s, program.users["root"].scope, plan_id)
    assert parsed.tiers[1].cpa == {"ftd": Decimal("120.5")} and parsed.revshare_pct == 25
    assert (log.actor_username, log.target, log.details["currency"]) == ("root", f"plan {plan_id}", "EUR")
    assert (listed.tiers, listed.overrides, listed.partners) == (2, "5, 2", 0)
    assert again.cpa_amounts == {"registration": "2.5", "ftd": "100"} and again.overrides == ("5", "2")
    with session_scope(store_engine) as s:  # the form's values saved again: nothing changes, nothing is logged
        assert update_plan(s, program.users["root"].scope, plan_id, again).changed == ()


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": " "}, "plans.bad_name"),
        ({"name": "cpa"}, "plans.name_taken"),  # the tiny program's plan "CPA"
        ({"type": "flat"}, "plans.bad_type"),
        ({"currency": "BTC"}, "plans.bad_currency"),
        ({"cpa_amounts": {"ftd": "ten"}}, "plans.bad_number"),
        ({"cpa_amounts": {"ftd": "5e1"}}, "plans.bad_number"),  # 50 to Decimal
        ({"cpa_amounts": {"ftd": "-5"}}, "plans.bad_amount"),
        ({"cpa_amounts": {"ftd": "1.00001"}}, "plans.too_precise"),
        ({"cpa_amounts": {"ftd": "NaN"}}, "plans.bad_number"),
        ({"revshare_pct": "101"}, "plans.bad_percent"),
        ({"volume_tiers": ({"min_count": "x", "cpa_ftd": "1"},)}, "plans.bad_min_count"),
        ({"volume_tiers": ({"min_count": "²", "cpa_ftd": "1"},)}, "plans.bad_min_count"),  # a digit int() refuses
        ({"volume_tiers": ({"min_count": "5", "cpa_ftd": "1"}, {"min_count": "5", "cpa_ftd": "2"})},
         "plans.tiers_not_ascending"),
        ({"volume_tiers": ({"min_count": "5"},)}, "plans.empty_tier"),
        ({"volume_tiers": tuple({"min_count": str(i), "cpa_ftd": "1"} for i in range(21))}, "plans.too_many_tiers"),
        ({"overrides": ("1", "1", "1", "1", "1", "1")}, "plans.too_many_levels"),
        ({"overrides": ("150",)}, "plans.bad_percent"),
        ({"type": "revshare"}, "plans.unused_cpa"),  # TIERED's CPA amounts would be ignored
        ({"type": "cpa"}, "plans.unused_percent"),
        ({"type": "cpa", "revshare_pct": "", "volume_tiers": ({"min_count": "1", "revshare_pct": "3"},)},
         "plans.unused_percent"),
        ({"cpa_amounts": {}, "ftd_baseline": "", "volume_tiers": ()}, "plans.no_cpa"),
        ({"revshare_pct": "", "volume_tiers": ()}, "plans.no_revshare"),
        ({"hold_days": 366}, "plans.bad_hold"),
    ],
)  # fmt: skip
def test_a_bad_plan_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, fields: dict[str, object], key: str
) -> None:
    with pytest.raises(PlanEditError) as refused:
        _create(program, store_engine, PlanChange(**{**TIERED.__dict__, **fields}))
    assert refused.value.key == key
    with session_scope(store_engine) as s:
        assert list(s.scalars(select(CommissionPlan.name))) == ["CPA"]


def test_only_an_admin_as_themselves_changes_plans(program: Program, store_engine: Engine) -> None:
    plan_id = _plan_of(program, store_engine)
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError) as refused:
            _create(program, store_engine, TIERED, user)
        assert refused.value.key == "plans.admin_only"
        with pytest.raises(ScopeError):
            _update(program, store_engine, plan_id, user, hold_days=3)
    viewing = build_session_user(store_engine, "root", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        create_plan(s, viewing.scope, TIERED)


def _plan_of(program: Program, engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.get(Partner, program.tiny.parent).plan_id)


def test_a_plan_stored_with_other_spellings_saved_as_it_is_changes_nothing(
    program: Program, store_engine: Engine
) -> None:
    plan_id = _plan_of(program, store_engine)
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, plan_id)
        plan.cpa_amounts, plan.volume_tiers = {"ftd": "100.00"}, [{"min_count": "11", "cpa_ftd": "120.00"}]
    saved = _update(program, store_engine, plan_id)
    assert saved.changed == ()
    with session_scope(store_engine) as s:
        shown = current(s, program.users["root"].scope, plan_id)
    assert shown.cpa_amounts == {"ftd": "100"} and shown.volume_tiers[0]["cpa_ftd"] == "120"


def test_a_change_reprices_pending_commissions_at_the_next_run(program: Program, store_engine: Engine) -> None:
    """The tiny plan pays $100 per FTD only; the child's registration r2 is pending. Paying registrations $3 prices
    it at the next run; the parent's approved FTD keeps its amount when the FTD rate changes."""
    tiny, plan_id = program.tiny, _plan_of(program, store_engine)

    def amounts() -> dict[str, tuple[str, Decimal]]:
        rows = tiny.rows("select conversion_id, status, amount from commissions where kind = 'cpa' order by 1")
        return {cid: (status, amount) for cid, status, amount in rows}

    assert amounts() == {"f1": ("approved", Decimal(100))}
    saved = _update(program, store_engine, plan_id, cpa_amounts={"ftd": "180", "registration": "3"})
    assert (saved.changed, saved.partners) == (("cpa_amounts",), 2)
    with session_scope(store_engine) as s:
        log = s.scalar(select(AuditLog).where(AuditLog.action == "plan_changed"))
        assert log.details == {"cpa_amounts": [{"ftd": "100"}, {"ftd": "180", "registration": "3"}]}
    tiny.run()
    assert amounts() == {"f1": ("approved", Decimal(100)), "r1": ("approved", Decimal(3)),
                         "r2": ("pending", Decimal(3))}  # fmt: skip


def test_the_page_adds_a_plan_and_changes_one(
    program: Program, store_engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # Streamlit says it once a process
    at = open_page("pages/21_plans.py", program.users["root"])
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "Plan" in d.value.columns)  # the tier editors are frames too
    assert list(table["Plan"].str.split(" · ").str[1]) == ["CPA"] and list(table["Partners"]) == [2]
    at.text_input(key="plans_name_new").input("RevShare 30")
    at.selectbox(key="plans_type_new").select("revshare")
    at.text_input(key="plans_cpa_ftd_new").input("50")  # a CPA amount on a RevShare plan: refused, kept
    at.text_input(key="plans_revshare_new").input("30")
    at.selectbox(key="plans_currency_new").select("EUR")
    at.number_input(key="plans_hold_new").set_value(30)
    at.button(key="FormSubmitter:plans_form_new-Add the plan").click().run()
    assert [e.value for e in at.error] == [
        "A RevShare plan pays no CPA: clear the CPA amounts and the FTD baseline, or make it hybrid."
    ]
    assert at.text_input(key="plans_cpa_ftd_new").value == "50"
    at.text_input(key="plans_cpa_ftd_new").input("")
    at.text_input(key="plans_level_0_new").input("5")
    at.button(key="FormSubmitter:plans_form_new-Add the plan").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan).where(CommissionPlan.name == "RevShare 30"))
        assert (plan.type, plan.revshare_pct, plan.subpartner_override_pct) == ("revshare", 30, ["5"])
        assert (plan.currency, plan.hold_days) == ("EUR", 30)
    assert at.success[0].value.startswith(f"Plan {plan.id} added: RevShare 30.")
    assert at.selectbox(key="plans_pick").value == plan.id and at.text_input(key="plans_name_new").value == ""
    # the next plan starts empty: not as a RevShare plan in EUR held 30 days
    assert (at.selectbox(key="plans_type_new").value, at.selectbox(key="plans_currency_new").value) == ("cpa", "USD")
    assert at.number_input(key="plans_hold_new").value == 0
    assert "created with a default value but also had its value set" not in caplog.text  # each value given once
    plan_id = _plan_of(program, store_engine)
    at.selectbox(key="plans_pick").select(plan_id).run()
    at.number_input(key=f"plans_hold_{plan_id}").set_value(14)
    at.button(key=f"FormSubmitter:plans_form_{plan_id}-Save plan {plan_id}").click().run()
    assert not at.exception and at.success[0].value == f"Plan {plan_id} saved: Hold days."
    assert "partners on this plan (2)" in at.info[0].value


def test_a_new_plan_starts_as_a_copy_of_one_and_the_copied_plan_stays(program: Program, store_engine: Engine) -> None:
    source = _create(program, store_engine, TIERED)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_start_from").select(source).run()
    tag = f"new_{source}"
    assert at.text_input(key=f"plans_name_{tag}").value == "Gold FTD (copy)"
    assert (at.selectbox(key=f"plans_type_{tag}").value, at.selectbox(key=f"plans_currency_{tag}").value) == (
        "hybrid",
        "EUR",
    )
    assert at.text_input(key=f"plans_cpa_ftd_{tag}").value == "100"
    assert at.text_input(key=f"plans_level_1_{tag}").value == "2"
    assert at.number_input(key=f"plans_hold_{tag}").value == 7
    at.text_input(key=f"plans_name_{tag}").input("Gold FTD VIP")
    at.text_input(key=f"plans_cpa_ftd_{tag}").input("130")
    at.button(key=f"FormSubmitter:plans_form_{tag}-Add the plan").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        copy = s.scalar(select(CommissionPlan).where(CommissionPlan.name == "Gold FTD VIP"))
        original = s.get(CommissionPlan, source)
        assert copy.cpa_amounts == {"ftd": "130", "registration": "2.5"} and original.cpa_amounts["ftd"] == "100"
        assert copy.volume_tiers == original.volume_tiers and len(copy.volume_tiers) == 2
        assert (copy.subpartner_override_pct, copy.hold_days, copy.currency) == (["5", "2"], 7, "EUR")
    assert at.selectbox(key="plans_start_from").value is None  # the next plan starts empty
    assert at.text_input(key="plans_name_new").value == ""


def test_a_refusal_names_the_field_as_the_form_does_in_either_language(program: Program, store_engine: Engine) -> None:
    from cabinet.errors import localised
    from cabinet.i18n import translate

    said = {}
    for fields in (
        {"overrides": ("150",)},
        {"ftd_baseline": "abc"},
        {"volume_tiers": ({"min_count": "5", "cpa_ftd": "-1"},)},
    ):
        with pytest.raises(PlanEditError) as refused:
            _create(program, store_engine, PlanChange(**{**TIERED.__dict__, **fields}))
        for locale in ("en", "ru"):
            said[(next(iter(fields)), locale)] = translate(
                refused.value.key, locale, **localised(refused.value.params, locale)
            )
    assert said[("overrides", "en")] == "Level 1 %: 150 is a percent and must be from 0 to 100."
    assert said[("overrides", "ru")].startswith(translate("plans.level", "ru", n=1) + ":")
    assert said[("ftd_baseline", "en")].startswith(translate("plans.field_ftd_baseline", "en") + ":")
    assert said[("ftd_baseline", "ru")].startswith(translate("plans.field_ftd_baseline", "ru") + ":")
    assert said[("volume_tiers", "ru")].startswith("#1 · " + translate("plans.tier_cpa_ftd", "ru"))


def add_second_admin(program: Program, engine: Engine) -> None:
    """A second admin login, "admin2", in `program.users`: the other admin who changes things while a page is open."""
    with session_scope(engine) as s:
        s.add(User(username="admin2", email="admin2@example.com", display_name="admin2", role="admin",
                   password_hash=UNUSABLE_HASH))  # fmt: skip
    user = build_session_user(engine, "admin2")
    assert user is not None
    program.users["admin2"] = user


def drawn_input(elements: Sequence[Any], key: str) -> Any:
    """The input `key` of a form drawn anew after a save (keyed `key_g1`, `key_g2`, ...): the one the page shows."""
    found = [e for e in elements if e.key == key or re.fullmatch(rf"{re.escape(key)}_g\d+", e.key or "")]
    assert len(found) == 1, [e.key for e in found]
    return found[0]


def test_a_form_saves_only_the_fields_edited_and_refuses_one_changed_meanwhile(
    program: Program, store_engine: Engine
) -> None:
    """Admin A saw the plan paying 100 per FTD, held 0 days; admin2 then pays 250. A's hold days leave the 250 as it
    is; A's FTD amount is refused naming the 250, nothing written; the same amount as admin2's is no quarrel."""
    add_second_admin(program, store_engine)
    plan_id, root = _plan_of(program, store_engine), program.users["root"].scope
    with session_scope(store_engine) as s:
        seen = current(s, root, plan_id)
    assert (seen.cpa_amounts, seen.hold_days) == ({"ftd": "100"}, 0)
    _update(program, store_engine, plan_id, "admin2", cpa_amounts={"ftd": "250"})
    with session_scope(store_engine) as s:
        assert update_plan(s, root, plan_id, replace(seen, hold_days=14), seen).changed == ("hold_days",)
    with pytest.raises(PlanChangedMeanwhile) as refused, session_scope(store_engine) as s:
        update_plan(s, root, plan_id, replace(seen, cpa_amounts={"ftd": "120"}, hold_days=30), seen)
    said = {loc: translate(refused.value.key, loc, **localised(refused.value.params, loc)) for loc in ("en", "ru")}
    assert said["en"].startswith(f"Plan {plan_id} was changed meanwhile by someone else, in fields you changed too; "
                                 "they are now CPA · FTD: 250; Hold days: 14. Nothing was saved")  # fmt: skip
    assert "CPA · FTD: 250; " + translate("plans.field_hold_days", "ru") + ": 14" in said["ru"]
    assert (refused.value.now.cpa_amounts, refused.value.now.hold_days) == ({"ftd": "250"}, 14)
    assert (refused.value.kept.cpa_amounts, refused.value.kept.hold_days) == ({"ftd": "120"}, 30)  # as typed
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, plan_id)
        assert (plan.cpa_amounts, plan.hold_days) == ({"ftd": "250"}, 14)
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "plan_changed").order_by(AuditLog.id))
        assert list(logged) == [{"cpa_amounts": [{"ftd": "100"}, {"ftd": "250"}]}, {"hold_days": [0, 14]}]
        assert update_plan(s, root, plan_id, replace(seen, cpa_amounts={"ftd": "250.0"}), seen).changed == ()


def test_the_page_keeps_another_admins_amount_and_refuses_to_write_over_it(
    program: Program, store_engine: Engine
) -> None:
    add_second_admin(program, store_engine)
    plan_id = _plan_of(program, store_engine)
    save = f"FormSubmitter:plans_form_{plan_id}-Save plan {plan_id}"
    at = open_page("pages/21_plans.py", program.users["root"])
    assert drawn_input(at.text_input, f"plans_cpa_ftd_{plan_id}").value == "100"
    _update(program, store_engine, plan_id, "admin2", cpa_amounts={"ftd": "250"})
    drawn_input(at.number_input, f"plans_hold_{plan_id}").set_value(14)
    at.button(key=save).click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Plan {plan_id} saved: Hold days."]
    with session_scope(store_engine) as s:
        assert (s.get(CommissionPlan, plan_id).cpa_amounts, s.get(CommissionPlan, plan_id).hold_days) == (
            {"ftd": "250"}, 14)  # fmt: skip
    assert drawn_input(at.text_input, f"plans_cpa_ftd_{plan_id}").value == "250"  # the form shows the plan as stored
    _update(program, store_engine, plan_id, "admin2", cpa_amounts={"ftd": "300"})
    drawn_input(at.text_input, f"plans_cpa_ftd_{plan_id}").input("120")
    at.button(key=save).click().run()
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [
        f"Plan {plan_id} was changed meanwhile by someone else, in fields you changed too; they are now CPA · FTD: "
        "300. Nothing was saved: the form shows the plan as it is now, with your changes kept. Check them and save "
        "again."
    ]
    assert drawn_input(at.text_input, f"plans_cpa_ftd_{plan_id}").value == "120"  # what the admin typed, kept
    assert drawn_input(at.number_input, f"plans_hold_{plan_id}").value == 14
    at.button(key=save).click().run()  # seen the 300: saved again, the 120 is meant
    assert [s.value for s in at.success] == [f"Plan {plan_id} saved: CPA amounts."]
    with session_scope(store_engine) as s:
        assert s.get(CommissionPlan, plan_id).cpa_amounts == {"ftd": "120"}


def test_a_new_name_alone_says_it_prices_no_one(program: Program, store_engine: Engine) -> None:
    """The engine leaves a plan's name out of its change check: a rename is saved without 'the next ETL run prices
    the commissions of 2 partners again'."""
    plan_id = _plan_of(program, store_engine)
    saved = _update(program, store_engine, plan_id, name="Renamed plan")
    assert (saved.changed, saved.partners) == (("name",), 0)
    both = _update(program, store_engine, plan_id, name="Renamed again", cpa_amounts={"ftd": "110"})
    assert (set(both.changed), both.partners) == ({"name", "cpa_amounts"}, 2)


def test_a_new_plan_starts_in_the_programs_currency(program: Program, store_engine: Engine) -> None:
    """A program in EUR offers a new plan in EUR, before and after an add: a plan left in another currency needs
    that currency's FX rates for every commission it pays."""
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).base_currency = "EUR"
    at = open_page("pages/21_plans.py", program.users["root"])
    assert at.selectbox(key="plans_currency_new").value == "EUR"
    at.text_input(key="plans_name_new").input("CPA 40")
    at.text_input(key="plans_cpa_ftd_new").input("40")
    at.button(key="FormSubmitter:plans_form_new-Add the plan").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.scalar(select(CommissionPlan.currency).where(CommissionPlan.name == "CPA 40")) == "EUR"
    assert at.selectbox(key="plans_currency_new").value == "EUR"
