"""A new view's scope test in a few lines (README "Adding a view"): its counts under each scope add up as the scopes'
partners do, on the tiny program with conversions outside the manager's partners too.

    def test_my_view_keeps_to_the_scope(program: Program) -> None:
        program = with_outsider_conversions(program)
        wh = Warehouse(program.tiny.settings.warehouse_dir)
        assert_keeps_to_scope(program, lambda scope: my_view(scope, wh=wh, ...), counts=("ftds",))

A view that forgets its scope filter counts every partner under each scope; one that mixes a partner's
sub-partners into its own figures counts more for the partner's login than for its id alone; either fails here,
naming the scope whose counts are wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
from sqlalchemy import select

from cabinet.access import Scope
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import Partner
from tests.reporting.conftest import Program

# on the outsider's click kx (2026-11-01 12:00 UTC), the bronze partner no manager has: the tiny program's only
# conversions are the manager's partners', where a view without its scope filter counts the same as with it
OUTSIDER_CONVERSIONS = """conversion_id,ts,type,click_id,amount,currency,status,customer_id
xr1,2026-11-01T12:10:00Z,registration,kx,,,approved,ux1
xf1,2026-11-01T12:20:00Z,ftd,kx,30,EUR,approved,ux1
"""


def with_outsider_conversions(program: Program) -> Program:
    """The program with a registration and an FTD of the outsider loaded (a run of the ETL on the test's copy)."""
    program.tiny.write("conversions", "outsider.csv", OUTSIDER_CONVERSIONS)
    program.tiny.run()
    return program


def _partner_ids(program: Program) -> list[int]:
    engine = make_engine(program.tiny.settings.store_url)
    try:
        with session_scope(engine) as s:
            return sorted(s.scalars(select(Partner.id)))
    finally:
        engine.dispose()


def _only(partner_ids: tuple[int, ...]) -> Scope:
    return Scope(user_id=0, username="scope-probe", role="manager", partner_ids=partner_ids)


def _totals(frame: pl.DataFrame, counts: Sequence[str]) -> dict[str, float]:
    missing = [c for c in counts if c not in frame.columns]
    if missing:
        raise AssertionError(f"the view's frame has no column {missing}: it has {frame.columns}")
    return {c: float(frame[c].cast(pl.Float64).sum() or 0) if frame.height else 0.0 for c in counts}


def assert_keeps_to_scope(
    program: Program, view: Callable[[Scope], pl.DataFrame], *, counts: Sequence[str], manager: str = "mgr"
) -> None:
    """Fail unless `view` (the query under a scope) keeps to it, judged by its columns `counts` (numbers that add
    up across partners: clicks, FTDs, amounts): nothing under a scope of no partner; the program's totals under the
    admin's the sum of each partner's alone; `manager`'s the sum of its partners' alone, and less than the
    program's; a partner's login's its own id's alone (its sub-partners kept apart)."""
    if not counts:
        raise ValueError("name the columns to add up")
    users = program.users
    every = _totals(view(users["root"].scope), counts)
    if not any(every.values()):
        raise AssertionError(f"the view counts nothing in the whole program ({every}): no scope can be judged")
    nobody = _totals(view(_only(())), counts)
    assert not any(nobody.values()), f"a scope of no partner counts {nobody}: the view reads outside its scope"
    alone = {pid: _totals(view(_only((pid,))), counts) for pid in _partner_ids(program)}

    def added(ids: Sequence[int]) -> dict[str, float]:
        return {c: sum(alone[pid][c] for pid in ids) for c in counts}

    assert _close(added(list(alone)), every), (
        f"each partner's counts add up to {added(list(alone))}, the program's are {every}: the view does not filter "
        "by its scope"
    )
    mine = users[manager].scope.partner_ids or ()
    got = _totals(view(users[manager].scope), counts)
    assert _close(got, added(mine)), f"{manager} counts {got}, their partners {mine} alone add up to {added(mine)}"
    assert got != every, (
        f"{manager} counts what the whole program does ({every}): a partner outside is counted, or the program has no "
        "figure outside the manager's partners to tell (`with_outsider_conversions` loads some)"
    )
    for name, user in users.items():
        own = user.scope.own_partner_id
        if user.scope.role == "partner" and own is not None:
            seen = _totals(view(user.scope), counts)
            assert _close(seen, alone[own]), f"{name} counts {seen}, its own partner {own} alone {alone[own]}"


def _close(a: dict[str, float], b: dict[str, float]) -> bool:
    return all(abs(a[c] - b[c]) <= 1e-6 * max(1.0, abs(b[c])) for c in b)
