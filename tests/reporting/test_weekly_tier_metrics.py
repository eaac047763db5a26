"""The mails show a partner the metrics the cabinet shows it (`cabinet.access.tier_metrics`): a tier with an empty
metric list (or none at all) shows none, where the weekly summary once showed every metric."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.access import build_session_user, tier_metrics
from cabinet.postback_send import deliver, queue_due
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, Tier
from cabinet.weekly import queue_weekly
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_postbacks import TEMPLATE, Tracker, _add, _second_run, tracker  # noqa: F401 - the fixture
from tests.reporting.test_report_mail import MONDAY, _queue, _view
from tests.reporting.test_report_mail import _mails as _reports
from tests.reporting.test_weekly import MONDAY_7, _ask, _mails


def _tier_shows(engine: Engine, partner_id: int, metrics: list[str]) -> None:
    with session_scope(engine) as s:
        s.get_one(Tier, s.get_one(Partner, partner_id).tier_code).visible_metrics = metrics


def test_no_metric_in_the_cabinet_is_no_weekly_summary(program: Program, store_engine: Engine) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    _tier_shows(store_engine, program.tiny.parent, [])
    user = build_session_user(store_engine, "p_parent")
    assert user is not None and user.visible_metrics == () and tier_metrics(None) == ()
    assert queue_weekly(store_engine, wh, MONDAY_7) == 0  # nothing it may see: no mail (once: every metric)
    assert _mails(store_engine) == []


def test_the_weekly_summary_keeps_to_the_tiers_list(program: Program, store_engine: Engine) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _ask(program, store_engine, "p_parent", program.tiny.parent)
    _tier_shows(store_engine, program.tiny.parent, ["clicks", "ftds"])
    assert queue_weekly(store_engine, wh, MONDAY_7) == 1
    [(_, _, body)] = _mails(store_engine)
    assert "Clicks: 2 (" in body and "FTDs: 1 (" in body
    assert "Commission" not in body and "Registrations" not in body


def test_a_saved_report_of_a_tier_without_metrics_says_so(program: Program, store_engine: Engine) -> None:
    _view(program, store_engine)
    _tier_shows(store_engine, program.tiny.parent, [])
    assert _queue(store_engine, Warehouse(program.tiny.settings.warehouse_dir), None, MONDAY) == 1
    [mail] = _reports(store_engine)
    assert "Clicks" not in mail.body and "Commission" not in mail.body and mail.attachment is None


def test_a_postback_of_a_tier_without_metrics_tells_nothing(
    program: Program,
    store_engine: Engine,
    tracker: Tracker,  # noqa: F811
) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    _add(program, store_engine, tracker.url + TEMPLATE)  # every type
    _tier_shows(store_engine, program.tiny.parent, [])
    _second_run(program)  # a registration r9 and an FTD f9 of the parent
    assert queue_due(store_engine, wh) == 0
    deliver(store_engine, private_ok=True)
    assert tracker.requests == []
