"""A postback keeps to the metrics the partner's tier shows, as the pages and the full export do: it tells of the
conversion types the tier counts only, and `{payout}` is empty unless the tier shows commission."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.postback_send import deliver, queue_due
from cabinet.store.db import session_scope
from cabinet.store.models import Tier
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open
from tests.reporting.test_postbacks import TEMPLATE, Tracker, _add, _second_run, tracker  # noqa: F401 - the fixture


def _hide(engine: Engine, tier: str, hidden: tuple[str, ...]) -> None:
    with session_scope(engine) as s:
        row = s.get_one(Tier, tier)
        row.visible_metrics = [m for m in row.visible_metrics if m not in hidden]


def test_a_tier_without_ftds_hears_of_no_ftd(program: Program, store_engine: Engine, tracker: Tracker) -> None:  # noqa: F811
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)  # every type
    _hide(store_engine, "gold", ("ftds",))  # the parent's tier, after the postback was saved
    _second_run(program)  # a registration r9 and an FTD f9 of the parent
    assert queue_due(store_engine, wh) == 1
    deliver(store_engine, private_ok=True)
    assert [(r["c"], r["t"]) for r in tracker.requests] == [("r9", "registration")]


def test_a_tier_without_commission_gets_no_payout(program: Program, store_engine: Engine, tracker: Tracker) -> None:  # noqa: F811
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE, types=("ftd",))
    _hide(store_engine, "gold", ("commission",))
    _second_run(program)
    assert queue_due(store_engine, wh) == 1
    deliver(store_engine, private_ok=True)
    assert [(r["c"], r.get("p", "")) for r in tracker.requests] == [("f9", "")]


def test_the_form_offers_only_the_types_the_tier_counts(program: Program) -> None:
    user = program.users["p_parent"]
    at = _open("pages/18_postbacks.py", replace(user, visible_metrics=tuple(m for m in user.visible_metrics
                                                                           if m not in ("ftds", "sales"))))  # fmt: skip
    assert not at.exception
    types = next(m for m in at.multiselect if m.label == translate("postbacks.types"))
    assert types.options == [translate(f"postbacks.type_{k}") for k in ("registration", "deposit", "lead", "revenue")]
