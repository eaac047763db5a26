"""The plan box (Commissions page, home page) tells this month's count of a kind of conversion only to a tier that
shows that count: a tier that hides deposits is not told how many deposits its month has by the deposit tiers' bar,
nor RevShare's FTDs without `ftds`. The plan's terms (its rates and tiers) stay."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY, SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from queries.plan import plan_terms
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_pages import ROOT, STANDING_KEY, _standing
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plan import NOVEMBER

FTD_BAR = "This month 1 × FTD counted: tier 1 (\\$100.00). 1 more for tier 2 (\\$150.00)."
DEPOSIT_BAR = "This month 1 × Deposit counted: tier 1 (\\$3.00). 1 more for tier 2 (\\$4.00)."
REVSHARE_BAR = "This month 1 FTDs counted for RevShare: tier 1 (25%). 1 more for tier 2 (30%)."


@loaded_once
def tiered(program: Program, store_engine: Engine) -> Program:
    """The parent's plan is hybrid with tiers for FTDs, deposits and RevShare (from the month's 2nd of each); its
    November has one FTD (f1) and one deposit (d1)."""
    with session_scope(store_engine) as s:
        plan = s.get(CommissionPlan, s.get(Partner, program.tiny.parent).plan_id)
        plan.type, plan.revshare_pct, plan.cpa_amounts = "hybrid", 25, {"ftd": "100", "deposit": "3"}
        plan.volume_tiers = [
            {"min_count": 1, "cpa_ftd": "100", "cpa_deposit": "3", "revshare_pct": "25"},
            {"min_count": 2, "cpa_ftd": "150", "cpa_deposit": "4", "revshare_pct": "30"},
        ]
    program.tiny.run()
    return program


def _without(user: SessionUser, *hidden: str) -> SessionUser:
    return replace(user, visible_metrics=tuple(m for m in user.visible_metrics if m not in hidden))


def _bars(at: AppTest) -> list[str]:
    assert not at.exception and not at.error
    return [p.proto.text for p in at.get("progress")]


def test_the_commissions_pages_plan_box_counts_only_what_the_tier_shows(tiered: Program) -> None:
    gold = tiered.users["p_parent"]
    terms = plan_terms(gold.scope, wh=Warehouse(tiered.tiny.settings.warehouse_dir), partner_id=tiered.tiny.parent,
                       today=NOVEMBER)  # fmt: skip
    assert terms is not None and terms.tiered() == ("ftd", "deposit", "revenue")
    assert terms.shown(gold.visible_metrics) == ("ftd", "deposit", "revenue")
    assert terms.shown(("ftds", "commission")) == ("ftd", "revenue") and terms.shown(("clicks",)) == ()

    assert _bars(open_page("pages/03_commissions.py", gold)) == [FTD_BAR, DEPOSIT_BAR, REVSHARE_BAR]
    page = open_page("pages/03_commissions.py", _without(gold, "deposits"))
    assert _bars(page) == [FTD_BAR, REVSHARE_BAR]
    assert list(page.dataframe[0].value.columns) == ["Tier", "Counted in a month", "FTD", "Deposit", "RevShare"]
    assert _bars(open_page("pages/03_commissions.py", _without(gold, "deposits", "ftds"))) == []
    # with no bar, no caption says what the bars count
    assert any("Counts are of" in c.value for c in page.caption)
    none = open_page("pages/03_commissions.py", _without(gold, "deposits", "ftds"))
    assert not any("Counts are of" in c.value for c in none.caption)


def test_the_home_page_shows_only_the_bars_of_counts_the_tier_shows(tiered: Program) -> None:
    def home(user: SessionUser) -> list[str]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = user
        at.session_state[STANDING_KEY] = _standing(user)  # the tier's metrics as the test made them
        bars = _bars(at.run())
        assert ("Your volume tier this month" in [h.value for h in at.header]) == bool(bars)
        return bars

    gold = tiered.users["p_parent"]
    assert home(gold) == [FTD_BAR, DEPOSIT_BAR, REVSHARE_BAR]
    assert home(_without(gold, "deposits")) == [FTD_BAR, REVSHARE_BAR]
    assert home(_without(gold, "deposits", "ftds")) == []
