"""The saved-views bar of a report page: open one of the login's views, save the page's settings as one, delete one.

A page's settings live in the session under its widgets' keys (`cabinet.ui.widgets.remember`, `per_language`): the
period (and custom dates), grouping, metrics and offers as remembered choices, the text filters as their inputs'
values. Opening a view writes them there, values outside the page's lists left out, and has the remembered-choice
widgets drawn anew under new keys (`renew_widgets`: the browser keeps showing a widget's old value under its old
key). Every action runs as a widget callback, before the page's widgets exist in that run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from cabinet import report_mail as _mail
from cabinet import saved_views as _views
from cabinet.session import SessionUser
from cabinet.ui.next_run import FORGET, told_next
from cabinet.ui.resources import engine
from cabinet.ui.text import t
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import plain, renew_widgets, show_refusal

_DONE = "_views_done"  # what the last action did, said in the next run
_LEFT = "_views_left"  # what the view last opened had that the page no longer takes


@dataclass(frozen=True)
class ViewPage:
    """A page's view settings: its name, what it may group by and show, its text filters."""

    page: str
    dims: tuple[str, ...]
    metrics: tuple[str, ...]
    filters: tuple[str, ...]
    offers: tuple[int, ...] = ()  # the offers the page lists now

    def key(self, name: str) -> str:
        return f"{self.page}_{name}"


def _current(spec: ViewPage) -> dict[str, Any]:
    """The page's settings as shown now."""
    state = st.session_state
    period = state.get(f"_choice_{spec.key('period')}", "last_30_days")
    dates = state.get(f"_choice_{spec.key('dates')}") if period == "custom" else None
    params: dict[str, Any] = {
        "period": period,
        "group_by": list(state.get(f"_choice_{spec.key('group_by')}", [])),
        "metrics": list(state.get(f"_choice_{spec.key('metrics')}", [])),
        "offers": list(state.get(f"_choice_{spec.key('f_offer')}", [])),
        "filters": {d: state.get(spec.key(f"f_{d}"), "") for d in spec.filters},
        "compare": bool(state.get(spec.key("compare"), False)),
        "compare_with": state.get(spec.key("compare_with")) or "previous",
    }
    if isinstance(dates, tuple | list) and len(dates) == 2:
        params["dates"] = [d.isoformat() for d in dates]
    return params


def _apply(spec: ViewPage, params: dict[str, Any]) -> list[str]:
    """Write a view's settings where the page's widgets read them, and have the widgets drawn anew from them; what
    the page no longer takes (a metric the tier hides now, an offer no longer listed) is left out and named."""
    state = st.session_state
    chosen = {"period": params["period"], "group_by": [d for d in params["group_by"] if d in spec.dims],
              "metrics": [m for m in params["metrics"] if m in spec.metrics],
              "f_offer": [o for o in params["offers"] if o in spec.offers]}  # fmt: skip
    left = [t(f"dim.{d}") for d in params["group_by"] if d not in spec.dims]
    left += [t(f"metric.{m}").split(" (")[0] for m in params["metrics"] if m not in spec.metrics]
    left += [f"{t('dim.offer_id')} {o}" for o in params["offers"] if o not in spec.offers]
    if params.get("dates"):
        chosen["dates"] = tuple(date.fromisoformat(d) for d in params["dates"])
    for name, value in chosen.items():
        state[f"_choice_{spec.key(name)}"] = value
    for dim in spec.filters:  # text inputs without a default: their own keys take the values
        state[spec.key(f"f_{dim}")] = params["filters"].get(dim, "")
    state[spec.key("compare")] = bool(params.get("compare", False))
    state[spec.key("compare_with")] = params.get("compare_with", "previous")
    renew_widgets()
    return left


def _gone() -> _views.ViewError:
    """The refusal of an action on a view deleted since the bar was drawn (its id may name another view by now)."""
    return _views.ViewError("the view is gone", "views.no_view")


def _open(user: SessionUser, spec: ViewPage, view_id: int, name: str) -> None:
    with session_scope(engine()) as s:
        view = next((v for v in _views.views(s, user.scope, spec.page) if v.id == view_id), None)
        if view is None or view.name != name:
            st.session_state[_DONE] = _gone()
            return
        params = dict(view.params)
    st.session_state[_LEFT] = _apply(spec, params)
    st.session_state[_DONE] = ("views.opened", name)


def _save(user: SessionUser, spec: ViewPage) -> None:
    name, params, kept = st.session_state.get(spec.key("view_name"), ""), _current(spec), told_next()
    try:
        with session_scope(engine()) as s:
            saved = _views.save_view(s, user.scope, spec.page, name, params, dims=spec.dims, metrics=spec.metrics,
                                     filters=spec.filters).name  # fmt: skip
    except _views.ViewError as exc:
        kept[_DONE] = exc
        return
    kept.update({_DONE: ("views.saved", saved), spec.key("view_name"): "", spec.key("view_pick"): None})


def _delete(user: SessionUser, spec: ViewPage, view_id: int, name: str) -> None:
    kept = told_next()
    try:
        with session_scope(engine()) as s:
            _views.delete_view(s, user.scope, view_id, name)
    except _views.ViewError as exc:
        kept[_DONE] = exc
        return
    kept.update({_DONE: ("views.deleted", name), spec.key("view_pick"): FORGET})


def _schedule(user: SessionUser, spec: ViewPage, view_id: int, name: str) -> None:
    every, kept = st.session_state.get(spec.key(f"view_email_{view_id}")), told_next()
    try:
        with session_scope(engine()) as s:
            _mail.set_schedule(s, user.user_id, view_id, every, name=name)
    except _mail.ScheduleError as exc:  # the choice drawn again as it is stored
        kept.update({_DONE: exc, spec.key(f"view_email_{view_id}"): FORGET})
        return
    kept[_DONE] = ("views.email_on", name, every) if every else ("views.email_off", name, None)


def views_bar(user: SessionUser, spec: ViewPage) -> None:
    """The bar: pick a saved view and open or delete it; save the page's settings under a name. What its callbacks
    did is said from `told_next` (set in the session by the page's setup): a callback Streamlit stops at its first
    Streamlit call after the store change kept it there before."""
    done = st.session_state.pop(_DONE, None)
    if isinstance(done, _views.ViewError | _mail.ScheduleError):
        show_refusal(done)
    elif done is not None:
        every = t(f"views.every_{done[2]}") if len(done) > 2 and done[2] else ""
        st.toast(t(done[0], name=plain(done[1]), every=every), icon=":material/bookmark:")  # a name as typed
    left = st.session_state.pop(_LEFT, None)
    if left:
        st.warning(t("views.left_out", what=plain(", ".join(left))))
    with session_scope(engine()) as s:
        stored = _views.views(s, user.scope, spec.page)
        mine = {v.id: v.name for v in stored}
        emailed = {v.id: v.email_every for v in stored}
    cols = st.columns([4, 1, 1, 2], vertical_alignment="bottom")
    pick = cols[0].selectbox(t("views.pick"), list(mine), format_func=mine.get, index=None, key=spec.key("view_pick"),
                             placeholder=t("views.none") if not mine else t("views.choose"))  # fmt: skip
    cols[1].button(t("views.open"), key=spec.key("view_open"), disabled=pick is None, width="stretch",
                   on_click=_open, args=(user, spec, pick, mine.get(pick, "")))  # fmt: skip
    cols[2].button(t("views.delete"), key=spec.key("view_delete"), disabled=pick is None, width="stretch",
                   on_click=_delete, args=(user, spec, pick, mine.get(pick, "")))  # fmt: skip
    with cols[3].popover(t("views.save"), icon=":material/bookmark_add:", width="stretch"):
        st.text_input(t("views.name"), key=spec.key("view_name"),  # no max_chars: a longer paste went whole
                      help=t("views.name_help"))  # fmt: skip
        st.button(t("views.save_button"), key=spec.key("view_save"), type="primary",
                  on_click=_save, args=(user, spec))  # fmt: skip
    if pick is not None and user.impersonator is None:  # staff viewing as a partner get no partner's mail
        options = [None, *_mail.EVERY]
        st.columns([4, 4])[0].selectbox(t("views.email"), options, index=options.index(emailed.get(pick)),
                     key=spec.key(f"view_email_{pick}"), help=t("views.email_help"),
                     format_func=lambda e: t(f"views.every_{e}") if e else t("views.email_never"),
                     on_change=_schedule, args=(user, spec, pick, mine.get(pick, "")))  # fmt: skip
