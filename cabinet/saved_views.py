"""Saved views: a login names the settings of a report page (period, grouping, metrics, filters) and opens them again
later with one pick. Views are each login's own (staff viewing as a partner save their own); values are checked
against the page's allow-lists when saved, and again by the page when opened. A view can also be emailed to its
login every day, week or month (`cabinet.report_mail`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import Scope
from cabinet.errors import RefusedRequest
from cabinet.formatting import PERIODS, name_order
from cabinet.store.models import SavedView

PAGES = ("reports",)
NAME_MAX = 80
PER_LOGIN = 30  # views of one page
KEYS = ("period", "dates", "group_by", "metrics", "offers", "filters", "compare", "compare_with")
AGAINST = ("previous", "year")  # `queries.compare.AGAINST`: the store does not import the read side


class ViewError(RefusedRequest):
    """A view that cannot be saved or opened; `key`/`params` say why in the interface's language."""


def _check(params: dict[str, Any], dims: tuple[str, ...], metrics: tuple[str, ...], filters: tuple[str, ...]) -> (
    dict[str, Any]
):  # fmt: skip
    """The params as stored, each value from the page's allow-lists; ViewError for anything else."""
    unknown = sorted(set(params) - set(KEYS))
    if unknown or params.get("period") not in PERIODS:
        raise ViewError(f"not a view: {unknown or params.get('period')!r}", "views.bad")
    out: dict[str, Any] = {"period": params["period"]}
    if params["period"] == "custom":
        first, last = (date.fromisoformat(str(d)) for d in params.get("dates") or ("", ""))
        out["dates"] = [first.isoformat(), last.isoformat()]
    for name, allowed in (("group_by", dims), ("metrics", metrics)):
        values = [str(v) for v in params.get(name) or []]
        if any(v not in allowed for v in values):
            raise ViewError(f"{name} {values!r} is not allowed", "views.bad")
        out[name] = values
    out["offers"] = [int(o) for o in params.get("offers") or []]
    typed = {str(k): str(v) for k, v in (params.get("filters") or {}).items() if str(v).strip()}
    if any(k not in filters for k in typed) or any(len(v) > 500 for v in typed.values()):
        raise ViewError(f"filters {sorted(typed)!r} are not allowed", "views.bad")
    out["filters"] = typed
    if not isinstance(params.get("compare", False), bool):
        raise ViewError(f"compare {params.get('compare')!r}", "views.bad")
    out["compare"] = params.get("compare", False)  # each row beside another period (`queries.compare`)
    if params.get("compare_with", "previous") not in AGAINST:  # views saved before it: the period before
        raise ViewError(f"compare_with {params.get('compare_with')!r}", "views.bad")
    out["compare_with"] = params.get("compare_with", "previous")
    return out


def views(session: Session, scope: Scope, page: str) -> list[SavedView]:
    """The login's views of `page`, by name."""
    query = select(SavedView).where(SavedView.user_id == scope.user_id, SavedView.page == page)
    # sorted here, by name in any case: the store's lower() folds only ASCII on SQLite ("Банан" came before
    # "арбуз"), and a PostgreSQL orders by its collation
    return sorted(session.scalars(query), key=lambda v: name_order(v.name, v.id))


def save_view(session: Session, scope: Scope, page: str, name: str, params: dict[str, Any], *,
              dims: tuple[str, ...], metrics: tuple[str, ...], filters: tuple[str, ...]) -> SavedView:  # fmt: skip
    """Save the page's settings under `name` (the same name again replaces them)."""
    name = " ".join(name.split())
    if page not in PAGES:
        raise ViewError(f"unknown page {page!r}", "views.bad")
    if not 1 <= len(name) <= NAME_MAX:
        raise ViewError("a view needs a name", "views.bad_name", limit=NAME_MAX)
    try:
        stored = _check(params, dims, metrics, filters)
    except (TypeError, ValueError) as exc:  # a date or an offer id that is not one
        raise ViewError(f"not a view: {exc}", "views.bad") from exc
    view = session.scalar(select(SavedView).where(SavedView.user_id == scope.user_id, SavedView.page == page,
                                                  SavedView.name == name))  # fmt: skip
    if view is None:
        if len(views(session, scope, page)) >= PER_LOGIN:
            raise ViewError("too many views", "views.too_many", limit=PER_LOGIN)
        view = SavedView(user_id=scope.user_id, page=page, name=name)
        session.add(view)
    view.params = stored
    try:
        session.flush()
    except IntegrityError as exc:  # another tab saved the name since it was looked up: saving again replaces that
        raise ViewError(f"view {name!r} saved meanwhile", "views.saved_meanwhile") from exc
    return view


def delete_view(session: Session, scope: Scope, view_id: int, name: str | None = None) -> None:
    """Delete one of the login's views (another login's is not found); with `name`, only while the view has that
    name: a tab that showed a view deleted since must not delete one saved later under another name."""
    query = delete(SavedView).where(SavedView.id == view_id, SavedView.user_id == scope.user_id)
    gone = session.execute(query if name is None else query.where(SavedView.name == name))
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise ViewError(f"no view {view_id}", "views.no_view")
