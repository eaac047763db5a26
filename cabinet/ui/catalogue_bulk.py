"""The Offer catalogue's change of several offers' status at once (`cabinet.offers_admin.set_status`)."""

from __future__ import annotations

import streamlit as st

from cabinet import offers_admin as _offers
from cabinet.access import Scope
from cabinet.errors import localised
from cabinet.offers_admin import CatalogueRow, OfferError
from cabinet.store.models import OFFER_STATUSES
from cabinet.ui.once import once
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t
from cabinet.ui.unreachable import session_scope

DONE_KEY = "catalogue_bulk_done"  # (status, ids changed), said once after the rerun
PICK_KEY = "catalogue_bulk_pick"


def _refusal(exc: OfferError) -> str:
    """A refusal in the session's language; one of a single offer names it and gives its own reason."""
    params, locale = dict(exc.params), current_locale()
    if exc.key == "catalogue.bulk_refused":  # its reason's bounds and names as the session's language says them
        reason = t(str(params.pop("reason_key")), **localised(params.pop("reason_params"), locale))  # type: ignore[arg-type]
        return t(exc.key, offer=params["offer"], reason=reason)
    return t(exc.key, **localised(params, locale))


def status_box(scope: Scope, shown: list[CatalogueRow]) -> None:
    """Pick offers among those shown and give them one status; what changed is said after the rerun."""
    if (done := st.session_state.pop(DONE_KEY, None)) is not None:
        status, ids = done
        if ids:
            st.success(t("catalogue.bulk_done", n=len(ids), status=t(f"catalogue.status_{status}"),
                         offers=", ".join(str(i) for i in ids)))  # fmt: skip
        else:
            st.info(t("catalogue.bulk_same"))
    names = {r.id: r.name for r in shown}
    with st.expander(t("catalogue.bulk_title"), icon=":material/checklist:"), st.form("catalogue_bulk"):
        picked = st.multiselect(t("catalogue.bulk_offers"), list(names), format_func=lambda i: f"{i} · {names[i]}",
                                key=PICK_KEY, placeholder=t("common.choose"))  # fmt: skip
        status = st.selectbox(t("catalogue.field_status"), OFFER_STATUSES, key="catalogue_bulk_status",
                              format_func=lambda s: t(f"catalogue.status_{s}"),
                              help=t("catalogue.status_help"))  # fmt: skip
        if not st.form_submit_button(t("catalogue.bulk_submit"), type="primary"):
            return

    def write() -> tuple[int, ...]:
        with session_scope(engine()) as s:
            return _offers.set_status(s, scope, picked, str(status))

    try:
        changed = once(write, "catalogue_bulk", picked, status)  # a replay says what the first one changed
    except OfferError as exc:
        st.error(_refusal(exc))  # nothing was written: the whole change is one transaction
        return
    st.session_state[DONE_KEY] = (status, changed)
    st.session_state.pop(PICK_KEY, None)
    st.rerun()
