"""Cohorts of a partner's sub-partners' customers too: a partner whose tier shows its sub-partners chooses "Mine" or
"Mine and my sub-partners'"; the tree is its scope's (as deep as its tier shows), a customer is its partner's
(partner_id, customer_id), and commission is the viewer's own money: its commissions and its overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.access import build_session_user
from cabinet.demo.news import seed_news
from cabinet.i18n import translate
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner, Tier
from queries.cohorts import CohortError, CohortRequest, cohorts
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, loaded_once
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page

OCT26, NOV2 = date(2026, 10, 26), date(2026, 11, 2)
# The parent's own u1 registered on Sunday 1 Nov (its $100 CPA FTD the same day: the program's). The child's u2
# (registered 2 Nov, the program's r2) makes a $50 FTD, the parent's 10% override is $10; the child has a customer u1
# too, another customer than the parent's u1, with $3 of revenue. The grandchild's u9 registers and deposits: the
# parent earns 5% of its $100 CPA at level 2. The outsider's u1 brings $99: never anyone's in the tree.
CLICKS = """click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent
gk1,2026-11-05T09:00:00Z,,{grandchild},{offer},FR,desktop,10.0.1.1,Mozilla/5.0 G
"""
CONVERSIONS = """conversion_id,ts,type,click_id,amount,currency,status,customer_id
c2,2026-11-03T10:00:00Z,ftd,k3,50,USD,approved,u2
c1,2026-11-03T11:00:00Z,registration,k3,,,approved,u1
cv1,2026-11-04T11:00:00Z,revenue,k3,3,USD,approved,u1
g1,2026-11-05T10:00:00Z,registration,gk1,,,approved,u9
g2,2026-11-05T10:30:00Z,ftd,gk1,50,USD,approved,u9
x1,2026-11-03T12:00:00Z,registration,kx,,,approved,u1
x2,2026-11-04T12:00:00Z,revenue,kx,99,USD,approved,u1
"""


def _set_tier(store_engine: Engine, code: str = "gold", **changes: object) -> None:
    with session_scope(store_engine) as s:
        tier = s.get(Tier, code)
        for name, value in changes.items():
            setattr(tier, name, value)


@loaded_once
def tree_loaded(program: Program, store_engine: Engine) -> Program:
    """The program with overrides of 10% and 5% on two levels, a grandchild under the child, and the conversions
    above loaded by one more run."""
    with session_scope(store_engine) as s:
        plan = s.scalar(select(CommissionPlan))
        plan.subpartner_override_pct = ["10", "5"]
        grandchild = Partner(name="Grandchild", tier_code="bronze", plan_id=plan.id, parent_id=program.tiny.child)
        s.add(grandchild)
        s.flush()
        gc = grandchild.id
    program.tiny.write("clicks", "tree.csv", CLICKS.format(grandchild=gc, offer=program.tiny.other_offer))
    program.tiny.write("conversions", "tree.csv", CONVERSIONS)
    program.tiny.run()
    return program


@pytest.fixture
def tree(tree_loaded: Program, store_engine: Engine) -> Program:
    """`tree_loaded`, with the users' sessions built again on its store."""
    return _users_again(tree_loaded, store_engine)


def _users_again(program: Program, store_engine: Engine) -> Program:
    """The users' sessions as a login now would build them (their scopes follow the store's tree and tiers)."""
    users = {name: build_session_user(store_engine, name) for name in program.users}
    return replace(program, users=users)  # type: ignore[arg-type]


def _cells(program: Program, user: SessionUser | str, **kw: object) -> list[tuple]:
    who = program.users[user] if isinstance(user, str) else user
    req = CohortRequest(**({"date_from": date(2026, 10, 1), "date_to": date(2026, 11, 10), "tz": "UTC",
                            "as_of": NOW} | kw))  # type: ignore[arg-type]  # fmt: skip
    frame = cohorts(who.scope, wh=Warehouse(program.tiny.settings.warehouse_dir), req=req)
    return frame.select("cohort", "customers", "period", "value").rows()


def _sizes(cells: list[tuple]) -> list[tuple]:
    return [(cohort, n) for cohort, n, period, _ in cells if period == 0]


def _sums(cells: list[tuple]) -> dict[date, float]:
    out: dict[date, float] = {}
    for cohort, _, _, value in cells:
        out[cohort] = round(out.get(cohort, 0.0) + value, 4)
    return out


def test_the_sub_tree_adds_the_sub_partners_customers_each_its_partners(tree: Program) -> None:
    assert _sizes(_cells(tree, "p_parent")) == [(OCT26, 1)]  # its own u1
    # and the child's u2 and u1 (not the parent's u1 again) and the grandchild's u9; never the outsider's u1
    assert _sizes(_cells(tree, "p_parent", subtree=True)) == [(OCT26, 1), (NOV2, 3)]
    revenue = _sums(_cells(tree, "p_parent", subtree=True))
    assert revenue == {OCT26: 0.0, NOV2: 3.0}  # the child's u1's $3 in its own cohort; the outsider's $99 nowhere
    share = _cells(tree, "p_parent", subtree=True, measure="ftds")
    assert [(c, p, v) for c, _, p, v in share if p == 0] == [(OCT26, 0, 1.0), (NOV2, 0, 2.0)]  # u2 and u9
    # the child's own tree goes down from it: its customers and its child's, not its parent's
    assert _sizes(_cells(tree, "p_child", subtree=True)) == [(NOV2, 3)]
    # a partner without sub-partners: its own customers alone (the outsider's u1)
    assert _sizes(_cells(tree, "p_bronze", subtree=True)) == _sizes(_cells(tree, "p_bronze")) == [(NOV2, 1)]


def test_commission_in_the_sub_tree_is_the_viewers_own_money_with_its_overrides(tree: Program) -> None:
    assert _sums(_cells(tree, "p_parent", measure="commission")) == {OCT26: 100.0}  # its CPA; no override
    # its CPA, and its overrides on u2's FTD (10% of the child's $100) and on u9's (5% of the grandchild's $100);
    # not the sub-partners' own $200
    assert _sums(_cells(tree, "p_parent", measure="commission", subtree=True)) == {OCT26: 100.0, NOV2: 15.0}
    # the child: its CPA on u2 and its 10% override on the grandchild's u9
    assert _sums(_cells(tree, "p_child", measure="commission", subtree=True)) == {NOV2: 110.0}


def test_the_sub_tree_goes_as_deep_as_the_tier_shows(tree: Program, store_engine: Engine) -> None:
    _set_tier(store_engine, subpartner_depth=1)
    shallow = _users_again(tree, store_engine)
    assert _sizes(_cells(shallow, "p_parent", subtree=True)) == [(OCT26, 1), (NOV2, 2)]  # without the grandchild's u9
    # the level-2 override on u9 is not in it either
    assert _sums(_cells(shallow, "p_parent", measure="commission", subtree=True)) == {OCT26: 100.0, NOV2: 10.0}
    _set_tier(store_engine, subpartner_depth=0)
    assert _cells(_users_again(tree, store_engine), "p_parent", subtree=True) == _cells(tree, "p_parent")


def test_staff_have_no_sub_tree_view_of_their_own(tree: Program, store_engine: Engine) -> None:
    with pytest.raises(CohortError, match="a partner's view"):
        _cells(tree, "mgr", subtree=True)
    viewing = build_session_user(store_engine, "mgr", tree.tiny.parent, record_view=False)
    assert viewing is not None
    assert _cells(tree, viewing, subtree=True) == _cells(tree, "p_parent", subtree=True)


def test_the_page_offers_the_sub_partners_customers_to_a_parent(tree: Program) -> None:
    at = open_page("pages/05_cohorts.py", tree.users["p_parent"])
    assert not at.exception and at.radio(key="cohorts_customers").value == "mine"
    assert at.radio(key="cohorts_customers").options == ["Mine", "Mine and my sub-partners'"]
    assert at.metric[1].value == "1" and translate("cohorts.whose_tree_help") not in [c.value for c in at.caption]
    at.radio(key="cohorts_customers").set_value("tree").run()
    assert not at.exception and at.metric[1].value == "4"
    assert translate("cohorts.whose_tree_help") in [c.value for c in at.caption]
    assert at.dataframe[0].value["Registered customers"].tolist() == [1, 3]
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="cohorts_measure_en").select("commission").run()
    assert {m.label: m.value for m in at.metric}["Commission to date"] == "$115.00"
    assert translate("cohorts.caption_commission_tree") in [c.value for c in at.caption]
    at.radio(key="cohorts_customers").set_value("mine").run()
    assert {m.label: m.value for m in at.metric}["Commission to date"] == "$100.00"
    # said to the partner of its own money, not of "the partner" ("what the partner earned")
    assert translate("cohorts.caption_commission_own") in [c.value for c in at.caption]
    assert "what you earned" in translate("cohorts.caption_commission_own")
    mgr = open_page("pages/05_cohorts.py", tree.users["mgr"])
    mgr.selectbox(key="cohorts_measure_en").select("commission").run()
    assert translate("cohorts.caption_commission") in [c.value for c in mgr.caption]  # staff: their partners'


def test_the_page_offers_no_choice_without_sub_partners_shown(tree: Program, store_engine: Engine) -> None:
    parent = tree.users["p_parent"]
    no_feature = open_page("pages/05_cohorts.py", replace(parent, features=parent.features - {"subpartners"}))
    assert not no_feature.exception and not no_feature.radio and no_feature.metric[1].value == "1"
    mgr = open_page("pages/05_cohorts.py", tree.users["mgr"])  # staff: their partners' customers, as before
    assert not mgr.exception and not mgr.radio
    viewing = build_session_user(store_engine, "mgr", tree.tiny.parent, record_view=False)
    assert open_page("pages/05_cohorts.py", viewing).radio(key="cohorts_customers").options[1] == (
        "Mine and my sub-partners'"
    )
    _set_tier(store_engine, subpartner_depth=0)  # a tier that shows no level of the tree
    hidden = open_page("pages/05_cohorts.py", _users_again(tree, store_engine).users["p_parent"])
    assert not hidden.exception and not hidden.radio and hidden.metric[1].value == "1"


def test_a_partner_without_sub_partners_has_no_choice(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.child).tier_code = "gold"  # type: ignore[union-attr]
    child = _users_again(program, store_engine).users["p_child"]
    assert child.has("cohorts") and child.has("subpartners") and not child.scope.subpartner_ids
    at = open_page("pages/05_cohorts.py", child)
    assert not at.exception and not at.radio and at.metric[1].value == "1"


def test_the_choice_reads_in_russian(tree: Program) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(tree.users["p_parent"], locale="ru")
    at.session_state["cohorts_customers"] = "tree"
    at.switch_page("pages/05_cohorts.py").run()
    assert not at.exception and at.radio(key="cohorts_customers").label == "Чьи клиенты"
    assert at.radio(key="cohorts_customers").options == ["Мои", "Мои и моих субпартнёров"]
    assert at.metric[1].value == "4"
    assert translate("cohorts.whose_tree_help", locale="ru") in [c.value for c in at.caption]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = replace(tree.users["p_parent"], locale="ru")
    at.session_state["cohorts_customers"], at.session_state["cohorts_measure_ru"] = "tree", "commission"
    at.switch_page("pages/05_cohorts.py").run()
    said = translate("cohorts.caption_commission_tree", locale="ru")
    assert said in [c.value for c in at.caption]
    # the override is named as on Sub-partners and Commissions ("доход с субпартнёров"), not the loanword
    assert "доход с субпартнёров" in said and "оверрайд" not in said
    assert "оверрайд" not in translate("invite.share_help", locale="ru", days=30)


def test_the_gold_news_names_the_choice_as_the_page_does() -> None:
    """The demo's news told gold partners Cohorts showed their sub-partners' customers, which it did not."""
    items: list = []

    class Session:
        add_all = items.extend

        def flush(self) -> None:
            pass

    seed_news(Session(), date(2026, 11, 10))  # type: ignore[arg-type]
    body = next(item.body for item in items if item.tier_code == "gold")
    assert f"*{translate('cohorts.whose')}*" in body and f"*{translate('cohorts.whose_tree')}*" in body
