"""The partner picker of the Time to convert page: the partners with conversions a click brought, by how many.

Cohorts' picker lists the partners with customers; a partner whose feed has no `customer_id` has none, yet its
conversions after a click are what this page measures."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from cabinet.access import Scope
from cabinet.session import SessionUser
from cabinet.ui import data
from cabinet.ui.text import t
from cabinet.ui.widgets import fmt_count
from queries.conversion_lag import lag_partners


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def _partners(scope: Scope, snapshot_id: str, events: tuple[str, ...]) -> pl.DataFrame:
    return lag_partners(scope, wh=data.warehouse(), events=events)


def lag_partner_picker(user: SessionUser, snapshot_id: str, events: tuple[str, ...], key: str,
                       where: Any = st) -> int | None:  # fmt: skip
    """For a manager or admin, all their partners (None) or one of those with conversions of `events` after a click,
    the most first, with their number; a partner (or a view as one) gets None without a widget: its scope is its own."""
    if user.scope.own_partner_id is not None:
        return None
    names = {0: t("lag.all_partners")}  # partner ids start at 1
    names |= {
        pid: f"{pid} · {name} ({fmt_count(n)})"
        for pid, name, n in _partners(user.scope, snapshot_id, events).iter_rows()
    }
    picked = where.selectbox(t("lag.partner"), list(names), format_func=names.get, key=key,
                             help=t("lag.partner_help"))  # fmt: skip
    return int(picked) or None
