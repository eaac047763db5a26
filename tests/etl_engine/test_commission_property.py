"""The engine prices the same facts the same, however they arrive: conversions spread over several runs, in any
order, with amounts corrected, rejections and feed commissions landing later, end with the commissions one run over
all of them computes (tiers counted progressively by event time, a rejection moving later ones down a tier, RevShare,
overrides per level, the feed suppressing the engine). No conversion here is ever approved, so nothing is settled at
the price of its day."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.commission import compute_commissions
from etl.schema import ensure_schema
from tests.etl_engine.builders import Warehouse

START = datetime(2026, 9, 25)
NOW = datetime(2026, 12, 1)
TYPES = ("registration", "ftd", "deposit", "revenue")

# (batch, partner, hour offset: spans two month boundaries, type, amount)
_conversion = st.tuples(
    st.integers(0, 2),
    st.integers(0, 3),
    st.integers(0, 24 * 45),
    st.sampled_from(TYPES),
    st.integers(-300, 300),
)
# a later batch corrects the amount of conversion #index, or pays it from the feed
_change = st.tuples(
    st.integers(1, 2), st.integers(0, 40), st.sampled_from(["amount", "feed", "rejected"]), st.integers(0, 300)
)


def _program(wh: Warehouse) -> None:
    wh.plan(1, "hybrid", cpa_amounts={"ftd": "100", "registration": "2"}, ftd_baseline="20", revshare_pct="30",
            volume_tiers=[{"min_count": 3, "cpa_ftd": "150", "revshare_pct": "40"}],
            subpartner_override_pct=["10", "5"])  # fmt: skip
    wh.plan(2, "cpa", cpa_amounts={"ftd": "60"}, volume_tiers=[{"min_count": 2, "cpa_ftd": "70"}])
    wh.partner(0, 1)
    wh.partner(1, 2, parent_id=0)
    wh.partner(2, 1, parent_id=1)
    wh.partner(3, None)


def _amount(type_: str, value: int) -> str:
    return str(value if type_ == "revenue" else abs(value))


def _commissions(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select commission_id, source, partner_id, conversion_id, kind, status, amount, amount_base, rule "
        "from commissions order by commission_id"
    ).fetchall()


@settings(max_examples=25, deadline=None)
@given(conversions=st.lists(_conversion, min_size=1, max_size=30), changes=st.lists(_change, max_size=6))
def test_commissions_do_not_depend_on_how_the_facts_arrived(
    conversions: list[tuple[int, int, int, str, int]], changes: list[tuple[int, int, str, int]]
) -> None:
    final: dict[str, tuple[int, int, str, str]] = {}  # conversion id -> its last values
    rejected: set[str] = set()
    feed: dict[str, int] = {}
    incremental = duckdb.connect()
    scratch = duckdb.connect()
    try:
        for con in (incremental, scratch):
            ensure_schema(con)
        wh = Warehouse(incremental)
        _program(wh)
        for batch in range(3):
            wh.run_id = batch + 1
            for i, (b, partner, hour, type_, value) in enumerate(conversions):
                if b == batch:
                    final[f"v{i}"] = (partner, hour, type_, _amount(type_, value))
                    wh.conversion(f"v{i}", partner, type_, ts=START + timedelta(hours=hour), amount=final[f"v{i}"][3])
            for b, index, kind, value in changes:
                cid = f"v{index}"
                if b != batch or cid not in final or cid in feed or cid in rejected:
                    continue
                partner, hour, type_, _ = final[cid]
                if kind == "amount":
                    final[cid] = (partner, hour, type_, _amount(type_, value))
                    wh.conversion(cid, partner, type_, ts=START + timedelta(hours=hour), amount=final[cid][3])
                elif kind == "rejected":
                    rejected.add(cid)
                    wh.set_status(cid, "rejected")
                else:
                    feed[cid] = value
                    wh.feed_commission(f"feed-{cid}", partner, str(value), conversion_id=cid)
            compute_commissions(incremental, wh.run_id, NOW)
        once = Warehouse(scratch)
        _program(once)
        for cid, (partner, hour, type_, amount) in final.items():
            status = "rejected" if cid in rejected else "pending"
            once.conversion(cid, partner, type_, ts=START + timedelta(hours=hour), amount=amount, status=status)
        for cid, value in feed.items():
            once.feed_commission(f"feed-{cid}", final[cid][0], str(value), conversion_id=cid)
        compute_commissions(scratch, once.run_id, NOW)
        assert _commissions(incremental) == _commissions(scratch)
    finally:
        incremental.close()
        scratch.close()
