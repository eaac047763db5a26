"""The scope filter every query applies first, as SQL with bound parameters."""

from __future__ import annotations

from cabinet.access import Scope, ScopeError

SCOPE_PARAMS = ("all_partners", "partner_ids")


def scope_params(scope: Scope, **params: object) -> dict[str, object]:
    """Parameters of SCOPE_WHERE and `scope_where_one`: `$all_partners` (an admin's scope) and `$partner_ids` (the
    partners the scope may see), then the query's own `params` (`start=..., end=...`; `partner=` for
    `scope_where_one`). A parameter of the scope's names is refused (ValueError): it would replace the scope."""
    if scope is None:
        raise ScopeError("no query runs without a scope")
    taken = sorted(set(params) & set(SCOPE_PARAMS))
    if taken:
        raise ValueError(f"{taken[0]!r} is the scope's parameter: name the query's own otherwise")
    ids = [] if scope.partner_ids is None else list(scope.partner_ids)
    return {"all_partners": scope.partner_ids is None, "partner_ids": ids, **params}


# the scope filter on a table's `partner_id`, with `scope_params(scope)`: every row for an admin, the scope's partners'
# for a manager (their partners and those partners' sub-partners) and a partner (its own id)
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
