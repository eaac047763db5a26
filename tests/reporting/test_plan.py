"""The partner's commission plan on the Commissions page: rates, tiers, hold, overrides, and where the month's
qualifying conversions put it (as the engine counted them); only for the partner's own scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.access import ScopeError
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner, ProgramSettings
from queries.plan import plan_terms
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

NOVEMBER = date(2026, 11, 20)


@loaded_once
def tiered(program: Program, store_engine: Engine) -> Program:
    """The parent's plan pays $100 per FTD up to the month's 1st and $150 from its 2nd; 5% of level-1 sub-partners'
    commission; a 3-day hold. Re-run, so the snapshot prices with it."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.volume_tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}]
        plan.subpartner_override_pct, plan.hold_days = ["5"], 3
    program.tiny.run()
    return program


def _terms(program: Program, user: str = "p_parent", today: date = NOVEMBER):  # type: ignore[no-untyped-def]
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    return plan_terms(program.users[user].scope, wh=wh, partner_id=program.tiny.parent, today=today)


def test_the_plan_and_the_months_standing(tiered: Program) -> None:
    terms = _terms(tiered)
    assert (terms.plan.name, terms.plan.type, terms.plan.currency, terms.plan.hold_days) == ("CPA", "cpa", "USD", 3)
    assert (
        terms.plan.cpa == {"ftd": Decimal(100)}
        and terms.plan.ftd_baseline == 20
        and terms.plan.override_pct == (Decimal(5),)
    )
    assert [(x.number, x.min_count, x.max_count) for x in terms.plan.tiers] == [(1, 1, 1), (2, 2, None)]
    now = terms.standing("ftd")  # the parent's one FTD of November (€50 ≥ the $20 baseline)
    assert (now.count, now.tier.number, now.next_tier.number, now.to_next) == (1, 1, 2, 1)
    assert terms.rate("ftd", now.next_tier) == 150 and terms.tiered() == ("ftd",)
    assert _terms(tiered, today=date(2026, 12, 1)).standing("ftd").count == 0  # a new month counts from zero


def test_a_second_ftd_moves_it_up_and_a_rejected_one_does_not_count(tiered: Program) -> None:
    tiered.tiny.write("conversions", "v2.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id\n"
                                               "f2,2026-11-03T10:00:00Z,ftd,k1,60,EUR,approved,u3\n")  # fmt: skip
    tiered.tiny.run()
    now = _terms(tiered).standing("ftd")
    assert (now.count, now.tier.number, now.next_tier, now.to_next) == (2, 2, None, None)
    tiered.tiny.write("conversions", "v3.csv", "conversion_id,ts,type,click_id,amount,currency,status,customer_id,"
                                               "updated_at\nf2,2026-11-03T10:00:00Z,ftd,k1,60,EUR,rejected,u3,"
                                               "2026-11-05T10:00:00Z\n")  # fmt: skip
    tiered.tiny.run()
    assert _terms(tiered).standing("ftd").count == 1


def test_only_a_scope_holding_the_partner_reads_it(tiered: Program) -> None:
    with pytest.raises(ScopeError):
        _terms(tiered, user="p_bronze")
    assert _terms(tiered, user="mgr").plan.name == "CPA"  # its manager may (the page shows it when viewing as it)


def test_the_commissions_page_shows_it_to_the_partner_only(tiered: Program) -> None:
    page = open_page("pages/03_commissions.py", tiered.users["p_parent"])
    assert not page.exception
    assert translate("plan.title", plan="CPA") in [box.label for box in page.expander]
    tiers = page.dataframe[0].value
    assert list(tiers.iloc[:, 1]) == ["1–1", "2+"] and list(tiers.iloc[:, 2]) == ["$100.00", "$150.00"]
    text = page.get("progress")[0].proto.text
    assert text == "This month 1 × FTD counted: tier 1 (\\$100.00). 1 more for tier 2 (\\$150.00)."
    assert "5% at level 1" in page.caption[0].value and "3 days" in page.caption[0].value
    staff = open_page("pages/03_commissions.py", tiered.users["mgr"])
    assert not staff.exception and not [b for b in staff.expander if "plan" in b.label]


def test_revshare_tiers_count_the_months_ftds(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # no CPA row counts FTDs here: the FTD conversions do
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.type, plan.cpa_amounts, plan.ftd_baseline, plan.revshare_pct = "revshare", {}, Decimal(0), Decimal(25)
        plan.volume_tiers = [{"min_count": 1, "revshare_pct": "25"}, {"min_count": 3, "revshare_pct": "35"}]
    program.tiny.run()
    terms = _terms(program)
    assert terms.tiered() == ("revenue",) and terms.plan.cpa == {}
    now = terms.standing("revenue")
    assert (now.count, now.tier.number, now.to_next, terms.rate("revenue", now.next_tier)) == (1, 1, 2, 35)


def test_the_home_page_shows_the_months_tier_to_a_tiered_partner(program: Program, store_engine: Engine) -> None:
    def bars(user: str) -> list[str]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = program.users[user]
        at.run()
        assert not at.exception
        return [p.proto.text for p in at.get("progress")]

    assert bars("p_parent") == []  # its plan has no tiers
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.volume_tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}]
    program.tiny.run()
    assert bars("p_parent") == ["This month 1 × FTD counted: tier 1 (\\$100.00). 1 more for tier 2 (\\$150.00)."]
    assert bars("mgr") == []  # staff see their partners' plans when viewing as them


def test_the_month_is_the_programs_as_the_engine_priced_it(tiered: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:  # UTC−12: the FTD at 11:00 UTC on November 1 was on October 31 there
        s.get(ProgramSettings, 1).default_timezone = "Etc/GMT+12"
    tiered.tiny.run()
    assert _terms(tiered).standing("ftd").count == 0
    october = _terms(tiered, today=date(2026, 10, 31))
    assert (october.tz, october.month, october.standing("ftd").count) == ("Etc/GMT+12", date(2026, 10, 1), 1)
    page = open_page("pages/03_commissions.py", tiered.users["p_parent"])
    assert not page.exception
    assert any("(Etc/GMT+12)" in c.value for c in page.caption)


def test_a_plan_without_an_ftd_baseline_says_any_first_deposit_earns(tiered: Program, store_engine: Engine) -> None:
    """'An FTD earns CPA from a first deposit of $0.00' read as a rule about a deposit of nothing."""
    said = open_page("pages/03_commissions.py", tiered.users["p_parent"]).caption[0].value
    assert "An FTD earns CPA from a first deposit of \\$20.00." in said  # the tiny plan's baseline
    with session_scope(store_engine) as s:
        s.get(CommissionPlan, s.get(Partner, tiered.tiny.parent).plan_id).ftd_baseline = Decimal(0)  # type: ignore[union-attr]
    tiered.tiny.run()
    said = open_page("pages/03_commissions.py", tiered.users["p_parent"]).caption[0].value
    assert "An FTD earns CPA for any first deposit." in said and "0.00" not in said


def test_counts_of_thousands_are_written_as_the_language_writes_them(program: Program, store_engine: Engine) -> None:
    """A tier from the month's 2,000th FTD read "1999 more for tier 2" and "2000+" in English as in Russian; counts are
    written as the other figures are: "1,999 more", "2,000+" ("Ещё 1 999", "2 000+")."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.volume_tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2000, "cpa_ftd": "150"}]
    program.tiny.run()
    page = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not page.exception
    assert list(page.dataframe[0].value.iloc[:, 1]) == ["1–1,999", "2,000+"]
    assert "1,999 more for tier 2" in page.get("progress")[0].proto.text
    ru = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    ru.session_state[SESSION_KEY] = replace(program.users["p_parent"], locale="ru")
    ru = ru.switch_page("pages/03_commissions.py").run()
    assert not ru.exception
    assert list(ru.dataframe[0].value.iloc[:, 1]) == ["1–1\xa0999", "2\xa0000+"]
    assert "Ещё 1\xa0999 до уровня 2" in ru.get("progress")[0].proto.text
