"""The Commissions page's "Monthly statement": a month picked, its PDF made (and audit-logged) when the button is
pressed (`cabinet.month_statement`)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cabinet import formatting
from cabinet.month_statement import months_back
from cabinet.session import SessionUser
from cabinet.ui import money
from cabinet.ui.store import program_timezone
from cabinet.ui.text import current_locale, t
from cabinet.ui.widgets import relabel


def month_statement_box(user: SessionUser, statuses: tuple[str, ...]) -> None:
    """For a partner (or staff viewing as one) that sees commission `statuses`; nothing for anyone else."""
    partner_id = user.scope.own_partner_id
    if partner_id is None or not statuses:
        return
    with st.expander(t("statements.month_section"), icon=":material/picture_as_pdf:"):
        st.caption(t("statements.month_intro"))
        months = months_back(formatting.today_in(program_timezone()))
        locale = current_locale()
        cols = st.columns([1, 2], vertical_alignment="bottom")
        relabel("month_statement_pick", months)  # the month as the language switched to writes it

        def label(m: date) -> str:  # the month under way said to be so: its statement is not the month's whole
            name = formatting.fmt_month(m, locale)
            return t("statements.month_so_far", month=name) if m == months[0] else name

        # the last whole month first, the one a partner files; the month under way is still there to pick
        month = cols[0].selectbox(t("statements.month_pick"), months, key="month_statement_pick", format_func=label,
                                  index=1 if len(months) > 1 else 0)  # fmt: skip

        def made() -> bytes:  # when the button is pressed
            return money.commission_statement(user.scope, month, user.visible_metrics, locale).pdf

        cols[1].download_button(t("statements.month_download"), data=made, mime="application/pdf",
                                file_name=f"commission-statement-{partner_id}-{month:%Y-%m}.pdf",
                                key="month_statement_download", icon=":material/download:")  # fmt: skip
