"""What a hand edit of the store can give the ETL's dimensions that the cabinet refuses, said as a run's warnings
while it lasts (`cabinet etl run` prints them, the schedule's log line carries them): a cycle in the sub-partner tree,
promo codes equal but for case."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from etl.dims import Dimensions

# A promo code as the warehouse keeps it and conversions match it (`etl.dims._insert`, `etl.validate`), and of the
# codes equal that way the one issued first (rows numbered `_n` in the store's id order)
CODE_KEY = "upper(nfc_normalize(code))"
FIRST_OF_CODE = f"qualify row_number() over (partition by {CODE_KEY} order by _n) = 1"


def tree_cycles(dims: Dimensions) -> list[list[int]]:
    """The cycles in the partners' `parent_id`s (a partner that is its own ancestor), each from its smallest id in
    parent order; none in a tree. Only a hand edit of the store makes one: moves in the app refuse them."""
    frame = dims.frames.get("dim_partners")
    if frame is None:
        return []
    parent = dict(frame.select("partner_id", "parent_id").drop_nulls().iter_rows())
    done: set[int] = set()
    cycles = []
    for start in parent:
        walk: dict[int, int] = {}  # partner → its place on this walk up
        node: int | None = start
        while node is not None and node not in done and node not in walk:
            walk[node] = len(walk)
            node = parent.get(node)
        if node is not None and node in walk:  # came back onto this walk: the part from `node` on is a cycle
            ring = list(walk)[walk[node] :]
            first = ring.index(min(ring))
            cycles.append(ring[first:] + ring[:first])
        done.update(walk)
    return sorted(cycles)


def _cycle_notes(dims: Dimensions) -> list[str]:
    """A warning for each cycle in the partners' parents: a run's warnings say it while it lasts (`cabinet etl run`
    prints them, the schedule's log line carries them)."""
    return [
        "the sub-partner tree has a cycle (each partner's parent is the next): "
        + " → ".join(str(p) for p in [*ring, ring[0]])
        + "; none of them earns an override on its own commission, but they earn overrides on each other's until one "
        "of them is moved under another parent or to the top (Partners page)"
        for ring in tree_cycles(dims)
    ]


def duplicate_code_notes(dims: Dimensions) -> list[str]:
    """A warning for each promo code the store holds more than once but for case ('spring' beside 'SPRING'): the
    warehouse keeps the one issued first (the store's id order), whose partner it attributes to."""
    frame = dims.frames.get("dim_promo_codes")
    if frame is None or frame.height < 2:  # nothing to be twice: no ~50 ms of starting a database to find that out
        return []
    con = duckdb.connect()
    try:
        con.register("_dim_rows", frame.with_row_index("_n"))
        groups = con.execute(
            f"select {CODE_KEY} as key, list(code order by _n), list(partner_id order by _n) from _dim_rows "
            "group by key having count(*) > 1 order by key"
        ).fetchall()
    finally:
        con.close()
    return [
        f"the store holds promo code {key} more than once ({', '.join(codes)}, of partners "
        f"{', '.join(map(str, partners))}); it attributes to partner {partners[0]} (the first issued) until the others "
        "are renamed or deleted in the store"
        for key, codes, partners in groups
    ]


def store_notes(dims: Dimensions) -> list[str]:
    """Every warning of the store's dimensions: cycles in the partners' parents, promo codes equal but for case."""
    return _cycle_notes(dims) + duplicate_code_notes(dims)
