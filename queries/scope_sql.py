"""The scope filter every query applies first, as SQL with bound parameters."""

from __future__ import annotations

from cabinet.access import Scope, ScopeError


def scope_params(scope: Scope) -> dict[str, object]:
    """Parameters of SCOPE_WHERE: `$all_partners` (admin) and `$partner_ids`."""
    if scope is None:
        raise ScopeError("no query runs without a scope")
    ids = [] if scope.partner_ids is None else list(scope.partner_ids)
    return {"all_partners": scope.partner_ids is None, "partner_ids": ids}


SCOPE_WHERE = "($all_partners or list_contains($partner_ids::integer[], partner_id))"


def scope_where_one(column: str = "partner_id") -> str:
    """SCOPE_WHERE on `column`, narrowed to `$partner` when a manager or admin picks one partner (null: all)."""
    return (
        f"($all_partners or list_contains($partner_ids::integer[], {column}))"
        f" and ($partner::integer is null or {column} = $partner)"
    )


def check_filter_partners(scope: Scope, values: list[str]) -> list[int]:
    """Partner ids of a filter, refused when one is outside the scope (an error, not an empty result)."""
    ids = []
    for value in values:
        try:
            pid = int(value)
        except (TypeError, ValueError) as exc:
            raise ScopeError(
                f"partner filter {value!r} is not a partner id", "scope.partner_not_id", value=value
            ) from exc
        ids.append(pid)
    scope.require(ids)
    return ids
