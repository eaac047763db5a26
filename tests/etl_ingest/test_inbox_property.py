"""Random inboxes of all four feeds, in every format of the contract, with odd values: a run never fails, every row
is accounted for, raw IPs are never kept, and a second run of the same inbox changes nothing."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.contract import FEED_COLUMNS
from tests.etl_ingest.conftest import CLICK_HEADER, NOW, Tiny, conserved

FORMATS = ("csv", "csv.gz", "jsonl", "jsonl.gz", "parquet", "typed.parquet")
# a Parquet writer's own types: ids as integers, times as UTC timestamps, amounts as floats (what does not convert is
# null, as a writer that validated nothing would leave it)
TYPED = {
    "partner_id": pl.Int64,
    "offer_id": pl.Int32,
    "ts": pl.Datetime("ms", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
    "amount": pl.Float64,
    "rate": pl.Float64,
    "date": pl.Date,
}
IP = "203.0.113."  # every ip written is in this documentation range; none may be stored as written
_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
) | st.sampled_from(
    ['a "quoted" value', "comma, inside", "line\nbreak", "cr\rinside", "  padded  ", "x" * 300, "ünï©ødé", ""]
)
_times = st.sampled_from(
    [
        "2026-11-01T10:00:00Z",
        "2026-11-01 11:30:00",
        "2026-11-02T09:15:00+03:00",
        "1762000000000",  # epoch ms
        "1762000000",  # epoch seconds: in 1970 read as ms, out of range
        "2026-13-01T00:00:00Z",
        "yesterday",
        "2099-01-01T00:00:00Z",
        "",
    ]
)
_ids = st.sampled_from(["a1", "a2", "a3", "b1", " a1 ", "", "z" * 300])
_money = st.sampled_from(["10", "0.5", "-3", "1.23456", "59.97000000000001", "abc", "", "1e3", "100000000000000"])
_currency = st.sampled_from(["", "EUR", "eur", "USD", "CHF", "XYZ", "E$", "EURO"])


def _row(feed: str, tiny: Tiny, draw: st.DrawFn) -> dict[str, str]:
    partner = draw(st.sampled_from([str(tiny.parent), str(tiny.child), "999", "12.5", "x", ""]))
    offer = draw(st.sampled_from([str(tiny.offer), str(tiny.other_offer), "999", ""]))
    if feed == "clicks":
        token = draw(st.sampled_from([tiny.token, tiny.token[:-2] + "AA", "", "garbage"]))
        return {
            "click_id": draw(_ids), "ts": draw(_times), "link_token": token, "partner_id": partner,
            "offer_id": offer, "sub1": draw(_text), "sub2": draw(_text),
            "country": draw(st.sampled_from(["DE", "de", "XX", "", "ZZ", "GBR"])),
            "device": draw(st.sampled_from(["mobile", "Desktop", "toaster", ""])),
            "ip": draw(st.sampled_from([f"{IP}7", f"{IP}8", "", "not-an-ip"])),
            "user_agent": draw(st.sampled_from(["Mozilla/5.0", "Googlebot/2.1", "", "curl/8.0"])),
        }  # fmt: skip
    if feed == "conversions":
        return {
            "conversion_id": draw(_ids), "ts": draw(_times), "type": draw(st.sampled_from(
                ["ftd", "registration", "deposit", "revenue", "refund", ""])), "click_id": draw(_ids),
            "promo_code": draw(st.sampled_from(["", "spring", "NOPE"])), "partner_id": partner, "offer_id": offer,
            "customer_id": draw(_text), "amount": draw(_money), "currency": draw(_currency),
            "status": draw(st.sampled_from(["", "pending", "approved", "reversed", "lost"])),
            "updated_at": draw(_times),
        }  # fmt: skip
    if feed == "commissions":
        return {
            "commission_id": draw(_ids), "partner_id": partner, "ts": draw(_times), "amount": draw(_money),
            "currency": draw(_currency), "kind": draw(st.sampled_from(["", "bonus", "cpa", "gift"])),
            "conversion_id": draw(_ids), "status": draw(st.sampled_from(["", "approved", "paid", "void"])),
            "note": draw(_text),
        }  # fmt: skip
    return {
        "date": draw(st.sampled_from(["2026-10-01", "2026-11-01", "01.11.2026", ""])),
        "currency": draw(_currency),
        "rate": draw(st.sampled_from(["1.1", "0", "-1", "abc", "0.9"])),
    }


def _write(path: Path, fmt: str, columns: list[str], rows: list[dict[str, str]]) -> None:
    if fmt.endswith("parquet"):
        frame = pl.DataFrame(
            {c: [r.get(c, "") for r in rows] for c in columns}, schema=dict.fromkeys(columns, pl.String)
        )
        if fmt == "typed.parquet":
            frame = frame.with_columns(_typed(c) for c in columns if c in TYPED)
        frame.write_parquet(path)
        return
    buf = io.StringIO(newline="")
    if fmt.startswith("csv"):
        # RFC 4180 as writers write it: CRLF lines, a value with a CR or LF quoted; or LF lines and every value quoted
        # (Python's writer quotes only the characters of its line terminator: a CR in an LF file would go unquoted)
        crlf = fmt == "csv"
        out = csv.writer(
            buf, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL if crlf else csv.QUOTE_ALL
        )
        out.writerow(columns)
        out.writerows([r.get(c, "") for c in columns] for r in rows)
    else:
        buf.writelines(json.dumps({c: r[c] for c in columns if r.get(c, "") != ""}) + "\n" for r in rows)
    data = buf.getvalue().encode()
    path.write_bytes(gzip.compress(data, mtime=0) if fmt.endswith(".gz") else data)


def _typed(column: str) -> pl.Expr:
    kind = TYPED[column]
    if isinstance(kind, pl.Datetime):
        return pl.col(column).str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", strict=False).dt.cast_time_unit(kind.time_unit)
    if kind == pl.Date:
        return pl.col(column).str.to_date("%Y-%m-%d", strict=False)
    return pl.col(column).cast(kind, strict=False)


@st.composite
def _inbox(draw: st.DrawFn, tiny: Tiny) -> list[tuple[str, str, list[str], list[dict[str, str]]]]:
    files = []
    for feed in ("clicks", "conversions", "commissions", "fx_rates"):
        for _ in range(draw(st.integers(0, 2))):
            fmt = draw(st.sampled_from(FORMATS))
            optional = [c for c in FEED_COLUMNS[feed] if draw(st.booleans())]
            rows = [_row(feed, tiny, draw) for _ in range(draw(st.integers(1, 8)))]
            columns = list(dict.fromkeys([*list(rows[0])[:3], *[c for c in optional if c in rows[0]]]))
            files.append((feed, fmt, columns, rows))
    return files


def _state(t: Tiny) -> list[object]:
    """Checksums of what a run writes (a waiting conversion's attempts go up each run: its other columns do not)."""
    tables = ("clicks", "conversions", "commissions", "quarantine", "rollup_hourly")
    pending = "(select * exclude (attempts) from pending_conversions)"
    return [t.rows(f"select count(*), sum(hash(x)) from {name} x") for name in (*tables, pending, "pending_updates")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_inbox_loads_with_every_row_accounted_for_and_reloads_as_a_noop(tiny: Tiny, data: st.DataObject) -> None:
    files = data.draw(_inbox(tiny))
    with tempfile.TemporaryDirectory() as tmp:
        t = _copy(tiny, Path(tmp), "data")
        for i, (feed, fmt, columns, rows) in enumerate(files):
            (t.inbox / feed).mkdir(parents=True, exist_ok=True)
            _write(t.inbox / feed / f"f{i}.{fmt}", fmt, columns, rows)
        first = t.run()
        assert first.files_failed == 0, first.files
        assert len(first.files) == len(files)
        written = sum(len(rows) for *_, rows in files)
        assert first.totals["rows_read"] == written
        # every file is well-formed (odd values quoted or escaped as their format says): no row is malformed
        assert t.rows("select count(*) from quarantine where reason = 'bad_row'") == [(0,)]
        conserved(t)
        assert t.rows("select count(*) from quarantine") == t.rows(
            "select coalesce(sum(quarantined), 0) from etl_files"
        )
        # every good click is in the rollups once; no ip is kept as written, not even in the quarantine
        assert t.rows("select coalesce(sum(clicks + bot_clicks), 0) from rollup_hourly") == t.rows(
            "select count(*) from clicks"
        )
        assert t.rows(f"select count(*) from quarantine where raw::varchar like '%{IP}%'") == [(0,)]
        for table in ("clicks", "conversions", "commissions"):  # what loads belongs to a partner of the store
            assert t.rows(f"select count(*) from {table} anti join dim_partners using (partner_id)") == [(0,)]
        before = _state(t)
        second = t.run()
        assert second.files == [] and second.files_failed == 0
        assert _state(t) == before


def _copy(tiny: Tiny, root: Path, name: str) -> Tiny:
    """The tiny program in a data directory of its own under `root` (a copy of its store, no warehouse yet)."""
    data_dir = root / name
    data_dir.mkdir()
    shutil.copy(tiny.settings.data_dir / "cabinet.db", data_dir / "cabinet.db")
    own = dataclasses.replace(tiny.settings, data_dir=data_dir, store_url=f"sqlite:///{data_dir / 'cabinet.db'}")
    return dataclasses.replace(tiny, settings=own)


ATTRIBUTION = (
    "select conversion_id, partner_id, offer_id, link_id, click_id, click_ts, country, device, sub1, attributed_by, "
    "status, amount from conversions order by conversion_id"
)
CLICK_AT = datetime(2026, 11, 9, 8, 0)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # (arrival run, minutes after CLICK_AT, country, sub1) per click
    clicks=st.lists(
        st.tuples(
            st.integers(0, 2), st.integers(0, 600), st.sampled_from(["DE", "GB", ""]), st.sampled_from(["", "s"])
        ),
        max_size=6,
    ),
    # (arrival run, index of its click: past the list is a click that never comes, status, amount) per conversion
    conversions=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 7), st.sampled_from(["pending", "approved"]), st.integers(1, 90)),
        min_size=1,
        max_size=8,
    ),
)
def test_a_conversion_ends_attributed_the_same_whether_its_click_came_first_or_later(
    tiny: Tiny, clicks: list[tuple[int, int, str, str]], conversions: list[tuple[int, int, str, int]]
) -> None:
    def click_rows(run: int | None) -> str:
        return "".join(
            f"k{i},{(CLICK_AT + timedelta(minutes=m)).isoformat()}Z,{tiny.token},,,{sub1},{country},mobile,,\n"
            for i, (r, m, country, sub1) in enumerate(clicks)
            if run is None or r == run
        )

    def conversion_rows(run: int | None) -> str:
        return "".join(
            f"v{j},{(CLICK_AT + timedelta(hours=12)).isoformat()}Z,ftd,k{k},{amount},{status}\n"
            for j, (r, k, status, amount) in enumerate(conversions)
            if run is None or r == run
        )

    header = "conversion_id,ts,type,click_id,amount,status\n"
    with tempfile.TemporaryDirectory() as tmp:
        late, once = _copy(tiny, Path(tmp), "late"), _copy(tiny, Path(tmp), "once")
        for run in range(3):  # an hour apart: every conversion still waits for its click
            late.write("clicks", f"c{run}.csv", CLICK_HEADER + click_rows(run))
            late.write("conversions", f"v{run}.csv", header + conversion_rows(run))
            late.run(now=NOW + timedelta(hours=run))
        once.write("clicks", "c.csv", CLICK_HEADER + click_rows(None))
        once.write("conversions", "v.csv", header + conversion_rows(None))
        once.run(now=NOW + timedelta(hours=2))
        assert late.rows(ATTRIBUTION) == once.rows(ATTRIBUTION)
        waiting = "select conversion_id from pending_conversions order by 1"
        assert late.rows(waiting) == once.rows(waiting)
        assert late.rows(waiting) == [(f"v{j}",) for j, (_, k, _, _) in enumerate(conversions) if k >= len(clicks)]
        for t in (late, once):  # what waited is accounted for in its file: inserted while it waits
            conserved(t)
