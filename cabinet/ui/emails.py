"""The Emails page's parts (admins): where mail goes, the counts with a test message and a retry of the failed, and
the list; `cabinet.mail_admin` checks and stores."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import streamlit as st

from cabinet import mail_admin
from cabinet.access import Scope
from cabinet.config import ConfigError
from cabinet.mail import transport_for
from cabinet.mail_admin import SHOWN, MailRow
from cabinet.ui.branding import brand
from cabinet.ui.cards import card_columns
from cabinet.ui.fit import column_px, rest_px
from cabinet.ui.resources import app_settings, engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import fmt_count, save_then_rerun

__all__ = ["SHOWN", "MailRow", "counts_and_actions", "mail_table", "rows", "show_done", "where_mail_goes"]
DONE_KEY = "emails_done"
SUBJECT_LEAST_PX = 160  # a subject's first words, however wide the rest


def show_done() -> None:
    """The notice of the action before the rerun."""
    if (done := st.session_state.pop(DONE_KEY, None)) is not None:
        key, params = done
        st.success(t(key, **params))


def where_mail_goes() -> None:
    """The transport, and what is not set up."""
    cfg = app_settings()
    if not cfg.smtp_url:  # files in the outbox: said in the interface's language
        st.info(t("emails.no_smtp", path=str(cfg.outbox_dir)))
    else:
        try:
            st.caption(t("emails.goes_to", where=transport_for(cfg).describe()))
        except ConfigError as exc:
            st.error(t("emails.bad_setting", error=str(exc)))
    if not cfg.public_url:
        st.warning(t("emails.no_public_url_demo" if cfg.demo_mode else "emails.no_public_url"))


def counts_and_actions(scope: Scope) -> dict[str, int]:
    """The counts by status, a test message to oneself, and "send the failed again" when some failed."""
    with session_scope(engine()) as s:
        counts = mail_admin.outbox_counts(s, scope)
    for col, status in zip(card_columns(3, "emails"), ("queued", "sent", "failed"), strict=True):
        col.metric(t(f"emails.status_{status}"), fmt_count(counts.get(status, 0)))
    buttons = st.container(horizontal=True)
    if buttons.button(t("emails.test"), icon=":material/outgoing_mail:", key="emails_test", help=t("emails.test_help")):
        save_then_rerun(
            lambda s: ("emails.test_queued", {"to": mail_admin.send_test(s, scope)}), DONE_KEY, once=("emails_test",)
        )
    if counts.get("failed") and buttons.button(t("emails.retry"), icon=":material/replay:", key="emails_retry",
                                               help=t("emails.retry_help")):  # fmt: skip
        save_then_rerun(lambda s: _retried(mail_admin.retry_failed(s, scope)), DONE_KEY)
    return counts


def _retried(done: mail_admin.Retried) -> tuple[str, dict[str, object]]:
    """The notice of "send the given-up again": how many went back to the queue, and how many stayed and why."""
    if not done.refused:
        return "emails.retried", {"n": fmt_count(done.queued)}
    return "emails.retried_refused", {"n": fmt_count(done.queued), "refused": fmt_count(done.refused)}


def rows(scope: Scope, status: str | None) -> list[MailRow]:
    with session_scope(engine()) as s:
        return mail_admin.outbox(s, scope, status)


def mail_table(rows: list[MailRow], zone: ZoneInfo) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The messages as the table shows them, times in `zone`, and its column settings. Whether a message went, and
    when, is one column right after its time, then to whom and its subject, the kind, and the attempts with the error
    of a message not sent. A subject is shown without the program's name that begins each one ("Demo Affiliate
    Program: "), and times to the minute: in an 818-px column at 1280 px the subject (380 px) kept the kind, the
    attempts and the error out of sight (1027 px of table, 1077 in Russian).

    The time, the status, the address and the kind read whole, however far down; the subject takes the width they
    leave, and the error after the attempts what the subject leaves, each cut at its end when longer (whole on a
    double-click): "Сводка для сотрудников" and a long error took the Russian table to 902 px. A message sent the
    minute it was queued says "Sent" alone."""
    prefix = f"{brand(app_settings().store_url).name}: "

    def at(value: Any) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def status(r: MailRow) -> str:  # one message's: "Отправлено", not the filter's "Отправлены"
        said = t(f"emails.row_status_{r.status}")
        if r.sent_at is None or (sent := at(r.sent_at)) == (queued := at(r.created_at)):
            return said
        return f"{said} · {sent[11:] if sent[:10] == queued[:10] else sent}"  # the day said once when the same

    def attempts(r: MailRow) -> str:  # the last attempt's error, for a message not sent
        return f"{r.attempts} · {r.last_error}" if r.last_error and r.sent_at is None else str(r.attempts)

    table = pl.DataFrame(
        {
            "created": [at(r.created_at) for r in rows],
            "status": [status(r) for r in rows],
            "to": [r.to_address for r in rows],
            "subject": [r.subject.removeprefix(prefix) for r in rows],
            "kind": [t(f"emails.kind_{r.kind}") for r in rows],
            "attempts": [attempts(r) for r in rows],
        }
    )
    heads = {c: t(f"emails.col_{c}") for c in table.columns}
    widths = {c: column_px(table[c], heads[c]) for c in table.columns}  # whole, however far down
    whole = [widths[c] for c in ("created", "status", "to", "kind")]
    least = column_px([], heads["attempts"])  # the attempts' count at least, the error after it as far as it goes
    widths["subject"] = min(widths["subject"], rest_px([*whole, least], SUBJECT_LEAST_PX))
    widths["attempts"] = min(widths["attempts"], rest_px([*whole, widths["subject"]], least))
    helps = {c: t(f"emails.colhelp_{c}") for c in ("status", "subject", "attempts")}
    helps["subject"] = t("emails.colhelp_subject", program=prefix.removesuffix(": "))
    config = {heads[c]: st.column_config.Column(help=helps.get(c), width=widths[c]) for c in table.columns}
    return table.rename(heads), config
