"""Mail to the operator when the ETL fails or stops (`cabinet.etl_alert`): said once per failure or stop, again each
day it goes on, and once when runs work again; nothing without `CABINET_ETL_ALERT_TO`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from cabinet.cli import app
from cabinet.config import ConfigError, Settings
from cabinet.etl_alert import STALE_ENV, alert_addresses, queue_etl_alerts, stale_seconds
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, OutboxMail
from etl import runner
from etl.last_run import read_last_run, write_last_run
from etl.lock import EtlLock
from etl.run_errors import EtlRunError, WorkFileError
from etl.runner import run_etl
from tests.etl_lifecycle.fake_stages import FakeStages, write_clicks

OPS = "ops@example.com, oncall@example.com"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, store_engine: Engine) -> Iterator[type[FakeStages]]:
    monkeypatch.setattr(runner, "_stages", lambda: FakeStages)
    with session_scope(store_engine) as s:
        ensure_program_defaults(s)
    FakeStages.fail_in = None
    yield FakeStages
    FakeStages.fail_in = None


def _run(cfg: Settings, name: str, start: int) -> None:
    write_clicks(cfg.inbox_dir, name, start, 2)
    with contextlib.suppress(EtlRunError):  # the failures the tests inject: recorded in last_run.json as failed
        run_etl(cfg, grace_s=0)


def _mails(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(OutboxMail).where(OutboxMail.kind == "etl_alert").order_by(OutboxMail.id)).all()
        return [(m.to_address, m.subject, m.body) for m in rows]


def test_a_failure_is_said_once_again_when_it_changes_each_day_and_the_recovery_once(
    settings: Settings, fake: type[FakeStages], store_engine: Engine
) -> None:
    cfg = replace(settings, etl_alert_to=OPS, public_url="https://cabinet.example")
    _run(cfg, "a", 0)
    assert queue_etl_alerts(store_engine, cfg) is None  # all well: nothing to say
    fake.fail_in = "commissions"
    _run(cfg, "b", 10)
    assert queue_etl_alerts(store_engine, settings) is None  # no address: no alert
    assert queue_etl_alerts(store_engine, cfg) == "failed"
    mails = _mails(store_engine)
    assert [(to, subject) for to, subject, _ in mails] == [
        ("ops@example.com", "Partner Program: ETL run 2 failed"),
        ("oncall@example.com", "Partner Program: ETL run 2 failed"),
    ]
    body = mails[0][2]
    assert "run 2, failed at " in body and "injected failure in commissions" in body
    assert "Data loads: https://cabinet.example/data_loads" in body and "CABINET_ETL_ALERT_TO" in body
    assert queue_etl_alerts(store_engine, cfg) is None  # said once
    _run(cfg, "c", 20)  # fails again the same way: the same failure
    assert queue_etl_alerts(store_engine, cfg) is None
    fake.fail_in = "rollups"  # another error: said, though not within the hour (one that changes every run)
    _run(cfg, "d", 30)
    assert queue_etl_alerts(store_engine, cfg) is None
    assert queue_etl_alerts(store_engine, cfg, now=datetime.now(UTC) + timedelta(minutes=61)) == "failed"
    assert "injected failure in rollups" in _mails(store_engine)[-1][2]
    assert queue_etl_alerts(store_engine, cfg, now=datetime.now(UTC) + timedelta(hours=25)) == "failed"  # a day on
    assert len(_mails(store_engine)) == 6
    fake.fail_in = None
    _run(cfg, "e", 40)
    assert queue_etl_alerts(store_engine, cfg) == "recovered"
    assert _mails(store_engine)[-1][1].endswith(": ETL runs work again")
    assert queue_etl_alerts(store_engine, cfg) is None
    with session_scope(store_engine) as s:
        said = s.scalars(select(AuditLog.target).where(AuditLog.action == "etl_alert").order_by(AuditLog.id)).all()
    assert said[0] == "failed run 2" and said[-1].startswith("recovered run ")


def test_a_stopped_schedule_is_said_once_not_while_a_run_goes_on(
    settings: Settings, fake: type[FakeStages], store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = replace(settings, etl_alert_to="ops@example.com")
    _run(cfg, "a", 0)
    last = read_last_run(cfg.warehouse_dir)
    assert last is not None
    write_last_run(cfg.warehouse_dir, {**last, "finished_at": "2026-01-01 10:00:00"})
    with EtlLock(cfg.warehouse_dir):  # a run started since: not stopped, and not yet working again
        assert queue_etl_alerts(store_engine, cfg) is None
    assert queue_etl_alerts(store_engine, cfg) == "stopped"
    [(_, subject, body)] = _mails(store_engine)
    assert subject == "Partner Program: no ETL run since 2026-01-01 10:00:00 UTC"
    assert "Is the schedule running?" in body and "Data loads" not in body  # no public_url: no link
    assert queue_etl_alerts(store_engine, cfg) is None
    monkeypatch.setenv(STALE_ENV, "off")  # the check turned off: no run has finished since, nothing works again
    assert queue_etl_alerts(store_engine, cfg) is None
    monkeypatch.delenv(STALE_ENV)
    _run(cfg, "b", 10)  # the schedule runs again
    assert queue_etl_alerts(store_engine, cfg) == "recovered"
    assert _mails(store_engine)[-1][2].startswith("The ETL of the Partner Program partner cabinet works again: run 2 ")


def test_bad_settings_are_refused_naming_them(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ConfigError, match=r"CABINET_ETL_ALERT_TO \(etl_alert_to\) must list email addresses, got 'ops'"
    ):
        alert_addresses(replace(settings, etl_alert_to="ops@example.com, ops"))
    assert alert_addresses(replace(settings, etl_alert_to=" a@x.example ,, b@y.example ")) == [
        "a@x.example",
        "b@y.example",
    ]
    assert stale_seconds() == 900
    for raw, seconds in (("off", None), ("OFF", None), ("2h", 7200)):
        monkeypatch.setenv(STALE_ENV, raw)
        assert stale_seconds() == seconds
    monkeypatch.setenv(STALE_ENV, "soon")
    with pytest.raises(ConfigError, match=r"CABINET_ETL_ALERT_STALE: invalid interval 'soon'"):
        stale_seconds()
    out = CliRunner().invoke(app, ["mail", "send"])  # said before the sender starts
    assert isinstance(out.exception, ConfigError) and STALE_ENV in str(out.exception)


def test_the_mail_sender_queues_and_sends_it(
    settings: Settings, fake: type[FakeStages], store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.fail_in = "rollups"
    _run(settings, "a", 0)
    monkeypatch.setenv("CABINET_ETL_ALERT_TO", "ops@example.com")
    out = CliRunner().invoke(app, ["mail", "send"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "ETL alert queued: failed (to ops@example.com)" in out.output and "mail: 1 sent" in out.output
    [eml] = list(settings.outbox_dir.glob("*.eml"))
    assert "ETL run 1 failed" in eml.read_text()


def test_a_run_that_failed_before_it_took_a_number_is_said_so(
    settings: Settings, fake: type[FakeStages], store_engine: Engine
) -> None:
    from etl.publish import WORK_DB

    cfg = replace(settings, etl_alert_to="ops@example.com")
    _run(cfg, "a", 0)
    (cfg.warehouse_dir / WORK_DB).write_bytes(b"not a database" * 1000)
    with pytest.raises(WorkFileError):
        run_etl(cfg, grace_s=0)
    assert queue_etl_alerts(store_engine, cfg) == "failed"
    [(_, subject, body)] = _mails(store_engine)
    assert subject == "Partner Program: an ETL run failed before it began"
    opening = "The latest ETL run of the Partner Program partner cabinet, a run that failed before it took a number,"
    assert body.startswith(f"{opening} failed at ")
    assert f"the working file {cfg.warehouse_dir / WORK_DB} does not open (IOException: " in body
    assert "; moved away, it is restored from the latest snapshot by the next run" in body  # what to do
