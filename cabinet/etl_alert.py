"""Mail to the operator when the ETL fails or stops, so a failure at night is known before partners see old figures.

The addresses are the operator's: `CABINET_ETL_ALERT_TO` (or `etl_alert_to` in the secrets file), comma-separated;
none, no alert. Each round of `cabinet mail send` (beside the app under `cabinet serve`) looks at the latest run's
outcome (`last_run.json`) and says, in the program's default language:
- **failed**: the newest run failed, with its error. Once per failure: again when the error changes (at most hourly),
  when it fails again after a run published since, and once a day while it goes on;
- **stopped**: no run has finished for `CABINET_ETL_ALERT_STALE` (default 15m; `off`) and none is going on, as when
  the schedule has stopped (`cabinet etl status --stale-after` says the same). Once per stop, and once a day;
- **working again**: a run finished after either was said. Once.

What was said is kept in the audit log (action `etl_alert`), as the staff digests are, so a restarted sender does not
say it again."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from cabinet.auth import audit
from cabinet.config import ConfigError, Settings
from cabinet.i18n import translate
from cabinet.mail import queue
from cabinet.store.db import hold_job_lock, session_scope
from cabinet.store.models import AuditLog, ProgramSettings

ACTION = "etl_alert"
STALE_ENV = "CABINET_ETL_ALERT_STALE"
DEFAULT_STALE = "15m"
REMIND = timedelta(days=1)  # a failure or a stop that goes on is said again this often
AGAIN_AFTER = timedelta(hours=1)  # and another error, or another stop, at most this often


@dataclass(frozen=True)
class EtlState:
    """What the latest run says now: `failed` (with the run and its error), `stopped` (since when), `going` (a run
    going on after a stop), or `ok`."""

    kind: str
    key: str  # what makes it the same failure or stop: the error, the end of the latest run
    run_id: int | None = None
    error: str = ""
    since: datetime | None = None  # the latest run's end (aware UTC)
    snapshot_run: int = 0  # the published snapshot's run: a later one means a run succeeded since


def alert_addresses(cfg: Settings) -> list[str]:
    """The operator's addresses for ETL alerts; ConfigError naming the setting for one that is not an address."""
    addresses = [a.strip() for a in cfg.etl_alert_to.split(",") if a.strip()]
    for address in addresses:
        if "@" not in address or any(c.isspace() for c in address):
            raise ConfigError(f"CABINET_ETL_ALERT_TO (etl_alert_to) must list email addresses, got {address!r}")
    return addresses


def stale_seconds() -> float | None:
    """`CABINET_ETL_ALERT_STALE` in seconds, None for `off`; ConfigError naming it for a bad duration."""
    from etl.schedule import MAX_STALE_S, parse_interval

    raw = os.environ.get(STALE_ENV, DEFAULT_STALE).strip() or DEFAULT_STALE
    if raw.lower() == "off":
        return None
    try:
        return parse_interval(raw, maximum=MAX_STALE_S)
    except ValueError as exc:
        raise ConfigError(f"{STALE_ENV}: {exc} (or off)") from exc


def etl_state(wh_dir: Any, now: datetime, stale_s: float | None) -> EtlState | None:
    """The ETL's state from the warehouse directory; None before any run (nothing to say of a new install)."""
    from etl.last_run import latest_end, read_last_run
    from etl.lock import running_holder
    from queries.warehouse import NoSnapshotError, read_current

    last = read_last_run(wh_dir) or {}
    try:
        current = read_current(wh_dir)
    except NoSnapshotError:  # `CURRENT` damaged by hand: the next run rewrites it
        current = None
    snapshot_run = current.run_id if current else 0
    finished = latest_end(last, current.published_at if current else None)
    if last.get("status") == "failed":
        error = str(last.get("error") or "")
        return EtlState("failed", error, last.get("run_id"), error, finished, snapshot_run)
    if finished is None:
        return None
    if stale_s is not None and (now - finished).total_seconds() > stale_s:
        kind = "going" if running_holder(wh_dir, finished) is not None else "stopped"  # going: said once it ends
        return EtlState(kind, finished.isoformat(), last.get("run_id"), since=finished, snapshot_run=snapshot_run)
    return EtlState("ok", "", last.get("run_id"), since=finished, snapshot_run=snapshot_run)


def _due(state: EtlState, said: AuditLog | None, now: datetime) -> str | None:
    """Which alert `state` asks for, given the latest one said (`said`); None: nothing to say."""
    before: dict[str, Any] = dict(said.details or {}) if said else {}
    at = None if said is None else said.ts if said.ts.tzinfo else said.ts.replace(tzinfo=UTC)
    if state.kind == "going":  # a long run after a stop: neither stopped nor finished yet
        return None
    if state.kind == "ok":  # a run finished since a failure or a stop was said
        ended = state.since is not None and at is not None and state.since > at
        return "recovered" if before.get("kind") in ("failed", "stopped") and ended else None
    if before.get("kind") != state.kind or (at and now - at >= REMIND):
        return state.kind
    if before.get("key") != state.key and (at is None or now - at >= AGAIN_AFTER):  # an error that changes each run
        return state.kind  # (a row's values in it) is said at most hourly
    if state.kind == "failed" and state.snapshot_run > int(before.get("snapshot_run") or 0):
        return state.kind  # a run published since: this is a new failure with the same error
    return None


def queue_etl_alerts(engine: Engine, cfg: Settings, now: datetime | None = None) -> str | None:
    """Queue the alert the ETL's state asks for to the operator's addresses; what was queued ("failed", "stopped",
    "recovered"), or None."""
    addresses = alert_addresses(cfg)
    if not addresses:
        return None
    now = now or datetime.now(UTC)
    state = etl_state(cfg.warehouse_dir, now, stale_seconds())
    if state is None:
        return None
    newest = select(AuditLog).where(AuditLog.action == ACTION).order_by(AuditLog.id.desc()).limit(1)
    with session_scope(engine) as session:
        if _due(state, session.scalars(newest).first(), now) is None:
            return None
        hold_job_lock(session)  # another sender may have said it meanwhile
        kind = _due(state, session.scalars(newest).first(), now)
        if kind is None:
            return None
        program = session.execute(select(ProgramSettings.name, ProgramSettings.default_locale)).first()
        name, locale = (program[0], program[1] or "en") if program else ("Partner Cabinet", "en")
        values = {"program": name, "run": state.run_id, "what": translate("mail.etl_run_n", locale, n=state.run_id),
                  "error": state.error,
                  "since": f"{state.since:%Y-%m-%d %H:%M:%S} UTC" if state.since else "?",
                  "where": translate("mail.etl_alert_where", locale, url=f"{cfg.public_url.rstrip('/')}/data_loads")
                  if cfg.public_url else ""}  # fmt: skip
        if state.run_id is None:  # failed opening its working file, before it took a number
            values["what"] = translate("mail.etl_run_unnumbered", locale)
        subject = translate(f"mail.etl_{kind}{'_unnumbered' if state.run_id is None else ''}_subject", locale, **values)
        body = translate(f"mail.etl_{kind}_body", locale, **values)
        footer = translate("mail.etl_alert_footer", locale)
        for address in addresses:
            queue(session, address, subject, f"{body}\n\n-- \n{footer}\n", "etl_alert")
        run = f"run {state.run_id}" if state.run_id is not None else "no run number"
        audit(session, ACTION, username="cabinet", target=f"{kind} {run}",
              details={"kind": kind, "key": state.key, "run_id": state.run_id, "snapshot_run": state.snapshot_run,
                       "messages": len(addresses)})  # fmt: skip
        return kind
