"""The Data loads page's parts (admins): the latest run's outcome, the inbox against what runs read, recent runs,
failed files and the quarantine, as `cabinet etl status` and `cabinet etl quarantine` give them from the published
snapshot (`queries.data_loads`), and the requests to read a reason's files again (`cabinet.etl_requests`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import streamlit as st
from babel.dates import format_timedelta

from cabinet import etl_requests
from cabinet.export import MIME, to_bytes
from cabinet.inbox_state import Waiting, inbox_state
from cabinet.session import SessionUser
from cabinet.ui import run_files
from cabinet.ui.cards import card_columns
from cabinet.ui.data import warehouse
from cabinet.ui.fit import column_px, figures_px, rest_px
from cabinet.ui.once import once
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.tables import show_dataframe
from cabinet.ui.text import current_locale, plural, t, t_or, worded
from cabinet.ui.unreachable import reaching_store
from cabinet.ui.widgets import fmt_count, plain
from etl.last_run import parse_time, read_last_run
from etl.lock import running_holder
from queries import data_loads
from queries.warehouse import SnapshotInfo

STALE = timedelta(minutes=10)  # a file waiting this long with no run finished since: the schedule is not running
ROWS_SHOWN = 1_000  # quarantined rows the table draws
EXPORT_MAX = 500_000  # quarantined rows one download holds (a CSV, as the full export's)
RAW_LEAST_PX = 150  # a quarantined row's values cut no shorter: their first field and its value


@dataclass(frozen=True)
class Outcome:
    """The latest run's outcome (`etl.last_run`, {} before any run) and whether a run is going on now, read once a
    page."""

    last: dict[str, Any]
    finished: datetime | None
    going: datetime | None  # when the run going on now started (`etl.lock.running_holder`)


def outcome() -> Outcome:
    last = read_last_run(app_settings().warehouse_dir) or {}
    finished = parse_time(last.get("finished_at"))
    holder = running_holder(app_settings().warehouse_dir, finished)
    return Outcome(last, finished, parse_time(holder.get("started")) if holder else None)


def _failure(last: dict[str, Any]) -> None:
    """The latest run's failure (failed runs are never published, so the snapshot's tables do not hold it)."""
    number = last.get("run_id")
    run = t("loads.run_n", n=number) if number is not None else t("loads.run_unnumbered")
    at, error = str(last.get("finished_at") or "")[:19], str(last.get("error") or "")
    st.error(t("loads.last_failed", run=run, at=at, error=error))


def last_run_notice(snap: SnapshotInfo, done: Outcome) -> None:
    """A run going on now; the latest run's failure, or that the runs after the snapshot found nothing new."""
    if done.going is not None:
        st.info(t("loads.running", started=f"{done.going:%Y-%m-%d %H:%M:%S} UTC"))
    if done.last.get("status") == "failed":
        _failure(done.last)
    elif int(done.last.get("run_id") or 0) > snap.run_id:  # a schedule that finds nothing new must not look stopped
        st.caption(t("loads.nothing_new", n=done.last["run_id"], at=str(done.last.get("finished_at") or "")[:19]))
    to = app_settings().etl_alert_to  # who hears of a failure at night (`cabinet.etl_alert`)
    st.caption(t("loads.alerts_to", to=plain(to)) if to else t("loads.alerts_none"))


COUNTS = ("files", "files_failed", "rows_read", "inserted", "updated", "duplicates", "quarantined", "commissions",
          "rows", "size")  # fmt: skip


def _table(frame: pl.DataFrame, translated: tuple[str, ...] = (), config: dict[str, Any] | None = None) -> None:
    """`frame` as a table: values of the `translated` columns and every header in the session's language, counts
    with the browser's digit grouping (values stay numbers, so sorting works); `config` by header, over those."""
    frame = frame.with_columns(worded(frame, c, _value) for c in translated)
    config = {t(f"loads.col_{c}"): st.column_config.NumberColumn(format="localized") for c in COUNTS
              if c in frame.columns} | (config or {})  # fmt: skip
    show_dataframe(frame.rename({c: t(f"loads.col_{c}") for c in frame.columns}), config, hide_index=True,
                   width="stretch")  # fmt: skip


def _value(value: str) -> str:
    """A status or feed as the session's language says it; one this page does not know, as the ETL wrote it."""
    return t_or(f"loads.value_{value}", value)


def reason_label(code: str) -> str:
    """A quarantine reason in the session's language with its code, the name `cabinet etl quarantine --reason` and
    `reprocess --reason` take ("Unknown partner (unknown_partner)", "Missing field ts (missing_field:ts)"); a reason
    this page does not know, as the ETL wrote it."""
    family, _, column = code.partition(":")
    said = t_or(f"loads.reason_{family}", "", column=column)
    return f"{said} ({code})" if said else code


def _said_reasons(frame: pl.DataFrame) -> pl.DataFrame:
    """Quarantined rows (or their counts) with each reason as `reason_label` says it; the download keeps the codes."""
    return frame.with_columns(worded(frame, "reason", reason_label))


def inbox(user: SessionUser, done: Outcome) -> None:
    """The inbox's files against the snapshot's runs: read, waiting for the next run, never read."""
    st.header(t("loads.inbox"))
    started = parse_time(done.last.get("started_at")) if done.last.get("status") == "ok" else None
    state = inbox_state(app_settings().inbox_dir, user.scope, wh=warehouse(),
                        last_ok_start=started.replace(tzinfo=None) if started else None)  # fmt: skip
    left, right = card_columns(2, "inbox")
    left.metric(t("loads.inbox_read"), fmt_count(state.read))
    right.metric(t("loads.inbox_waiting"), fmt_count(state.waiting_total))
    if state.waiting_total:
        _stale_schedule(state.waiting[0].modified, done)
    if state.waiting:
        left = done.last.get("left") if isinstance(done.last.get("left"), dict) else {}
        frame = pl.DataFrame({"path": [w.path for w in state.waiting], "size": [w.size for w in state.waiting],
                              "modified": [f"{w.modified:%Y-%m-%d %H:%M:%S}" for w in state.waiting],
                              "waits": [waits(w, left) for w in state.waiting]})  # fmt: skip
        _table(frame, translated=("waits",))
        one = state.waiting_total == 1  # "1 of 1 files" said of one file
        st.caption(t("loads.waiting_file" if one else "loads.waiting_files", shown=fmt_count(len(state.waiting)),
                     n=fmt_count(state.waiting_total)))  # fmt: skip
    if state.ignored_total:
        st.warning(t("loads.ignored_one" if state.ignored_total == 1 else "loads.ignored",
                     n=fmt_count(state.ignored_total), files=", ".join(state.ignored)))  # fmt: skip


def waits(file: Waiting, left: dict[str, Any]) -> str:
    """Why `file` waits: the latest run left it (still being written, `landing`; no line ended yet, `unended`), or it
    is `new` to the ETL, or `changed` since a run read it."""
    why = left.get(file.path)
    return f"left_{why}" if why in ("landing", "unended") else "changed" if file.changed else "new"


def _stale_schedule(oldest_waiting: datetime, done: Outcome) -> None:
    """A warning when a file has waited `STALE` with no run finished since it landed and none going on now (a large
    load takes minutes; the page says so at its top): the schedule (`cabinet serve`, `cabinet etl schedule`) does not
    seem to run."""
    finished = done.finished
    if datetime.now(UTC) - oldest_waiting <= STALE or (finished is not None and finished >= oldest_waiting):
        return
    if done.going is None:
        at = f"{finished:%Y-%m-%d %H:%M:%S} UTC" if finished else t("loads.never")
        st.warning(t("loads.stale", landed=f"{oldest_waiting:%Y-%m-%d %H:%M:%S} UTC", at=at))


def no_schedule_warning() -> None:
    """After a change the next ETL run carries to the partners (a plan's rates, a partner's plan): a warning when no
    run has finished for `STALE` and none is going on, so no schedule seems to run (`cabinet serve --etl-every off`)
    and the change waits for someone to run the ETL on the server."""
    done = outcome()
    if done.going is not None or (done.finished is not None and datetime.now(UTC) - done.finished <= STALE):
        return
    if done.finished is None:
        st.warning(t("loads.change_waits_never"))
    else:
        st.warning(t("loads.change_waits", at=f"{done.finished:%Y-%m-%d %H:%M:%S} UTC"))


def home_notice(user: SessionUser) -> None:
    """On an admin's home page: that the latest ETL run failed, with the way to the Data loads page."""
    if not user.has("admin"):  # every other user's home page reads nothing of the ETL's
        return
    last = read_last_run(app_settings().warehouse_dir)
    if last and last.get("status") == "failed":
        _failure(last)
        st.page_link("pages/23_data_loads.py", label=t("loads.go"), icon=":material/arrow_forward:")


def recent_runs(user: SessionUser) -> None:
    """The snapshot's runs; those that found nothing new in a line below, said to be the snapshot's when the latest
    run (said at the top) came after it."""
    st.header(t("loads.runs"))
    idle = st.toggle(t("loads.show_idle"), key="loads_idle")
    runs = data_loads.recent_runs(user.scope, wh=warehouse(), limit=30, idle=idle)
    if runs.is_empty():
        st.info(t("loads.no_runs"))
    else:
        _runs_table(runs)
        with_files = runs.filter(pl.col("files") > 0)["run_id"].to_list()
        if with_files:
            run_files.zoneless_notice(user, with_files)
            run_files.run_files(user, with_files)
    n, latest = data_loads.idle_runs(user.scope, wh=warehouse())
    if n and not idle:
        snap, last = warehouse().snapshot(), read_last_run(app_settings().warehouse_dir) or {}
        later = snap is not None and int(last.get("run_id") or 0) > snap.run_id
        key = ("loads.idle_one" if n == 1 else "loads.idle") + ("_until" if later else "")
        st.caption(t(key, n=fmt_count(n), at=f"{latest:%Y-%m-%d %H:%M:%S}"))


# the runs' counts under short headers (their full names on hover)
RUN_COUNTS = ("rows_read", "inserted", "updated", "duplicates", "quarantined", "commissions")
ERROR_LEAST_PX = 120  # a failed run's error cut no shorter


def _runs_table(runs: pl.DataFrame) -> None:
    """The runs, each column as wide as its texts: the files a run could not read said beside those it read ("70 (2
    failed)"), the counts and the seconds under short headers (their full names on hover), and a run's error, when
    one has one, in the width the others leave, cut at its end (whole on a double-click). Thirteen columns took the
    table to 952 px at 1280 px (1077 in Russian), the error out of sight."""
    files = [fmt_count(n) if not failed else t("loads.files_with_failed", n=fmt_count(n), failed=fmt_count(failed))
             for n, failed in runs.select("files", "files_failed").rows()]  # fmt: skip
    shown = runs.drop("files_failed").with_columns(pl.Series("files", files, dtype=pl.String),
                                                   worded(runs, "status", _value))  # fmt: skip
    if not (shown["error"].str.len_chars() > 0).any():  # a published run seldom has one: no empty column
        shown = shown.drop("error")
    short = ("run_id", *RUN_COUNTS, "files", "seconds")
    heads = {c: t(f"loads.head_{c}") if c in short else t(f"loads.col_{c}") for c in shown.columns}
    widths = {c: figures_px(shown[c], heads[c]) if c in RUN_COUNTS else column_px(shown[c], heads[c])
              for c in shown.columns if c != "error"}  # fmt: skip
    full = {c: t(f"loads.col_{c}") for c in short if heads[c] != t(f"loads.col_{c}")}
    config: dict[str, Any] = {heads[c]: st.column_config.Column(width=w, help=full.get(c)) for c, w in widths.items()}
    config |= {heads[c]: st.column_config.NumberColumn(format="localized", width=widths[c], help=full.get(c))
               for c in RUN_COUNTS}  # fmt: skip
    config[heads["files"]] = st.column_config.TextColumn(width=widths["files"], alignment="right",
                                                         help=t("loads.colhelp_files"))  # fmt: skip
    if "error" in shown.columns:
        config[heads["error"]] = st.column_config.TextColumn(width=rest_px(widths.values(), ERROR_LEAST_PX),
                                                             help=t("loads.colhelp_error"))  # fmt: skip
    show_dataframe(shown.rename(heads), config, hide_index=True, width="stretch")


def failed_files(user: SessionUser) -> None:
    st.header(t("loads.failed_files"))
    files = data_loads.failed_files(user.scope, wh=warehouse())
    if files.is_empty():
        st.success(t("loads.no_failed_files"))
        return
    since = worded(files, "loaded_in_run", lambda r: t("loads.loaded_in_run", n=r))
    files = files.with_columns(since.fill_null(t("loads.not_loaded_since")))
    _table(files.drop("reason"), ("feed",))  # a reason as a column was cut at 1280 px: whole below
    reasons = [f"- **{plain(path)}** ({t('loads.run_n', n=run)}): {plain(reason)}"
               for run, path, reason in files.select("run_id", "path", "reason").rows()]  # fmt: skip
    st.markdown(t("loads.failed_said") + "\n\n" + "\n".join(reasons))


def waiting(user: SessionUser) -> None:
    """The conversions waiting for their click and the status updates waiting for their conversion in the snapshot
    (nothing when none wait): inserted or updated in their files' counts, not in the reports yet, and when the oldest
    goes to the quarantine without what it waits for."""
    rows = data_loads.waiting_rows(user.scope, wh=warehouse())
    now = datetime.now(UTC).replace(tzinfo=None)  # first_seen: naive UTC
    days = format_timedelta(timedelta(days=rows.days), granularity="day", threshold=1000, locale=current_locale())
    for n, since, kind, noun in ((rows.conversions, rows.conversions_since, "conversions", "conversion"),
                                 (rows.updates, rows.updates_since, "updates", "update")):  # fmt: skip
        if not n or since is None:
            continue
        ago, at = _ago(now - since), f"{since:%Y-%m-%d %H:%M:%S}"
        due = rows.due(since)
        when = (
            t("loads.waiting_due", at=f"{due:%Y-%m-%d %H:%M:%S}") if due and due > now else t("loads.waiting_due_now")
        )
        if n == 1:
            st.info(t(f"loads.waiting_{kind}_1", read=t(f"loads.waiting_{noun}_read", ago=ago, at=at), days=days,
                      due=when))  # fmt: skip
        else:
            count = plural(f"loads.{kind}_wait", n)
            st.info(t(f"loads.waiting_{kind}", count=count, days=days, due=when,
                      oldest=t(f"loads.waiting_{kind}_oldest", ago=ago, at=at)))  # fmt: skip


def _ago(age: timedelta) -> str:
    """How long ago, in the session's language: whole days, else hours, else minutes ("3 days ago", "3 дня назад")."""
    whole, unit = ((timedelta(days=age.days), "day") if age.days else
                   (timedelta(hours=age.seconds // 3600), "hour") if age.seconds >= 3600 else
                   (timedelta(minutes=max(1, age.seconds // 60)), "minute"))  # fmt: skip
    return format_timedelta(-whole, granularity=unit, threshold=1000, add_direction=True, locale=current_locale())


def quarantine(user: SessionUser) -> None:
    """Quarantined rows by reason; the rows of one feed and reason with their values as read, and their download."""
    st.header(t("loads.quarantine"))
    waiting(user)
    by_reason = data_loads.quarantine_by_reason(user.scope, wh=warehouse())
    if by_reason.is_empty():  # a request still waits, or was not carried out, also once its rows are gone
        st.success(t("loads.no_quarantine"))
        _requests(user)
        return
    fixable = by_reason.filter(pl.col("fixable"))["reason"].unique(maintain_order=True).to_list()
    _table(_said_reasons(by_reason.drop("fixable")), ("feed",))
    if fixable:
        st.info(t("loads.fixable", reasons=", ".join(reason_label(r) for r in fixable)))
    _requests(user)
    groups = by_reason.select("feed", "reason", "rows").rows()
    chosen = st.selectbox(
        t("loads.rows_of"),
        range(len(groups)),
        key="loads_group",
        format_func=lambda i: t(
            "loads.group", feed=_value(groups[i][0]), reason=reason_label(groups[i][1]), n=fmt_count(groups[i][2])
        ),
    )
    feed, reason, n = groups[chosen if chosen is not None and chosen < len(groups) else 0]
    rows = data_loads.quarantine_rows(user.scope, wh=warehouse(), feed=feed, reason=reason, limit=ROWS_SHOWN,
                                      loaded=True)  # fmt: skip
    _quarantined_rows(rows)
    if rows["loaded_now"].any():  # sent again corrected, or read again: the old row stays, counted where it was
        st.caption(t("loads.loaded_now_note", n=fmt_count(int(rows["loaded_now"].sum()))))
    if n > ROWS_SHOWN:
        st.caption(t("loads.rows_shown", shown=fmt_count(ROWS_SHOWN), n=fmt_count(n)))
    if reason in data_loads.FIXABLE:
        _read_again(user, feed, reason)
    scope = user.scope

    def export() -> bytes:  # made when the button is clicked: up to EXPORT_MAX rows of a reason
        return to_bytes(data_loads.quarantine_rows(scope, wh=warehouse(), feed=feed, reason=reason,
                                                   limit=EXPORT_MAX), "csv", bom=True)  # fmt: skip

    st.download_button(t("loads.download"), data=export, mime=MIME["csv"],
                       file_name=f"quarantine_{feed}_{reason.replace(':', '-')}.csv", key="loads_download",
                       icon=":material/download:", on_click="ignore")  # fmt: skip
    if n > EXPORT_MAX:
        st.caption(t("loads.export_limit", most=fmt_count(EXPORT_MAX)))


def _quarantined_rows(rows: pl.DataFrame) -> None:
    """The rows of the feed and reason picked above the table, which says neither again (the download does): the
    tick in sight before the values, each column whole but the values, which take the width the others leave, cut
    at their end (whole on a double-click and in the download). With the feed and the reason in every row the
    values were out of sight at 1280 px (the table 1306 px wide with the demo's rows, 1394 in Russian)."""
    first = [c for c in rows.columns if c not in ("feed", "reason", "raw", "quarantined_at")]
    shown = rows.select(*first, "raw", "quarantined_at")
    heads = {c: t(f"loads.col_{c}") for c in shown.columns}
    widths = {c: column_px(shown[c], heads[c]) for c in shown.columns}
    widths["raw"] = min(widths["raw"], rest_px((w for c, w in widths.items() if c != "raw"), RAW_LEAST_PX))
    config = {heads[c]: st.column_config.Column(width=w) for c, w in widths.items() if c != "loaded_now"}
    config[heads["raw"]] = st.column_config.TextColumn(width=widths["raw"], help=t("loads.colhelp_raw"))
    config[heads["loaded_now"]] = st.column_config.CheckboxColumn(width=widths["loaded_now"])
    _table(shown, config=config)


def _requests(user: SessionUser) -> None:
    """The requests waiting for the schedule (a warning when none took them for `STALE`), then those a run could not
    carry out, with why, until asked again or dismissed (`cabinet.etl_requests`)."""
    for request in etl_requests.waiting(app_settings(), user.scope):
        said = t("loads.waiting", reason=reason_label(request.reason), by=request.by,
                 feed=_value(request.feed) if request.feed else t("loads.every_feed"),
                 at=f"{request.at:%Y-%m-%d %H:%M:%S}")  # fmt: skip
        if datetime.now(UTC) - request.at > STALE:  # the schedule takes one within seconds: none runs
            st.warning(f"{said} {t('loads.request_stale')}")
        else:
            st.caption(said)
    for request in etl_requests.not_carried_out(app_settings(), user.scope):
        st.warning(t("loads.refused", reason=reason_label(request.reason), by=request.by,
                     feed=_value(request.feed) if request.feed else t("loads.every_feed"),
                     at=f"{request.at:%Y-%m-%d %H:%M:%S}", why=request.refused))  # fmt: skip
        if st.button(t("loads.dismiss"), key=f"loads_dismiss_{request.path.stem}"):
            with reaching_store():
                etl_requests.dismiss(engine(), user.scope, request)
            st.rerun()


def _read_again(user: SessionUser, feed: str, reason: str) -> None:
    """A button asking the schedule to read again the files holding these rows (`cabinet.etl_requests`)."""
    if st.button(t("loads.read_again"), key="loads_read_again", icon=":material/refresh:"):
        with reaching_store():
            _, new = once(
                lambda: etl_requests.ask_reprocess(engine(), app_settings(), user.scope, reason=reason, feed=feed),
                "loads_read_again",
                feed,
                reason,
            )  # the same again at once: a replay, said asked, not "before"
        st.session_state["loads_asked"] = (feed, reason, new)
        st.rerun()
    asked = st.session_state.get("loads_asked")
    if asked and asked[:2] == (feed, reason):
        st.success(t("loads.asked" if asked[2] else "loads.asked_before", reason=reason_label(reason)))
        done = outcome()
        if done.going is None and (done.finished is None or datetime.now(UTC) - done.finished > STALE):
            # a schedule runs every minute by default, and at once for a request: none for this long, none runs
            # (`cabinet serve --etl-every off`), and nothing reads the files until someone does it on the server
            command = f"cabinet etl reprocess --reason {reason} --feed {feed}"
            if done.finished is None:
                st.warning(t("loads.asked_no_run", command=command))
            else:
                st.warning(t("loads.asked_no_schedule", at=f"{done.finished:%Y-%m-%d %H:%M:%S} UTC", command=command))
