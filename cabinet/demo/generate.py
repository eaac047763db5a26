"""`cabinet demo`: a realistic demo program in the store and inbox files that follow the inbox contract.

The program has run for more than a year and grows (`cabinet.demo.timeline`): its clicks fill the `days` asked for
and, thinner, the `HISTORY_DAYS` before them; `clicks` counts both. The window's clicks come in a file a day, the
history's in a file a month (a tracker's export of its past), the conversions in a file a month.

Deterministic for a seed (and a link-signing key, which the link tokens depend on): the same seed writes
byte-identical inbox files. Big feeds are Parquet (timestamps as epoch milliseconds), some are CSV, CSV.gz and
JSON Lines (ISO 8601 timestamps with `Z` or an offset), as operators' trackers would send them.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.demo import journeys
from cabinet.demo.bad_rows import BadRow, bad_clicks, bad_conversions
from cabinet.demo.creatives import make_creatives
from cabinet.demo.feeds import Window, bought_traffic, click_frame, fx_frame
from cabinet.demo.logins import create_demo_users
from cabinet.demo.payouts import earned, seed_payouts, taken_back
from cabinet.demo.program import DemoProgram, seed_program
from cabinet.demo.timeline import HISTORY_DAYS
from cabinet.store.models import Offer

DEFAULT_END = date(2026, 11, 22)
CLICK_COLUMNS = [
    "click_id",
    "ts",
    "link_token",
    "partner_id",
    "offer_id",
    "sub1",
    "country",
    "device",
    "os",
    "browser",
    "referrer",
    "ip",
    "user_agent",
]
Progress = Callable[[str], None]


@dataclass
class DemoResult:
    """What the generator wrote."""

    partners: int = 0
    clicks: int = 0
    recent_clicks: int = 0  # of `clicks`, those in the `days` asked for (the rest are the history before them)
    conversions: int = 0
    status_updates: int = 0
    commissions: int = 0
    creatives: int = 0
    files: list[Path] = field(default_factory=list)
    earned: pl.DataFrame | None = None  # per partner and month, what it earns (`payouts.earned`, `taken_back`)
    payouts: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    logins: list[dict[str, str]] = field(default_factory=list)


def _iso(ms: pl.Expr, offset_hours: int = 0) -> pl.Expr:
    """Epoch ms → ISO 8601 text with `Z` (offset 0) or `+HH:00`."""
    local = pl.from_epoch(ms + offset_hours * 3_600_000, time_unit="ms")
    suffix = "Z" if offset_hours == 0 else f"+{offset_hours:02d}:00"
    return local.dt.strftime("%Y-%m-%dT%H:%M:%S%.3f") + pl.lit(suffix)


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="lz4", statistics=True)


def _write_csv(frame: pl.DataFrame, path: Path, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.write_csv(quote_style="necessary")
    if gz:
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=3) as fh:
            fh.write(text.encode())
    else:
        path.write_text(text, encoding="utf-8")


def _write_jsonl(rows: list[dict[str, object]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: v for k, v in row.items() if v is not None}, sort_keys=True) + "\n")


def _money_str(col: str) -> pl.Expr:
    return pl.col(col).round(2).cast(pl.Decimal(18, 2)).cast(pl.String)


def write_feeds(
    prog: DemoProgram, inbox: Path, *, clicks: int, days: int, seed: int, end: date, progress: Progress
) -> DemoResult:
    """Generate every feed into `inbox` and return what was written (bad rows included)."""
    rng = np.random.default_rng(np.random.PCG64(seed + 1))
    win = Window(end=end, days=days)
    span = Window(end=end, days=days + HISTORY_DAYS)
    res = DemoResult(clicks=clicks)
    progress(f"clicks: {clicks:,} from {span.start} to {end}, the busiest days the last {days}")
    cf = click_frame(rng, prog, clicks, span)
    res.recent_clicks = int((cf["ts"] >= win.start_ms).sum())
    seq = pl.col("click_id").str.slice(1).cast(pl.Int64)
    side = cf.filter(seq % 1000 == 1)
    post = cf.filter(seq % 1000 == 2)
    day = pl.from_epoch("ts", time_unit="ms").dt.date()  # a day of the window, a month of the history (its first day)
    main = cf.filter(~(seq % 1000).is_in([1, 2])).with_columns(
        part=pl.when(pl.col("ts") >= win.start_ms).then(day).otherwise(day.dt.month_start())
    )
    for (first,), part in main.partition_by("part", as_dict=True, maintain_order=True).items():
        name = f"{first:%Y-%m}" if first < win.start else f"{first:%Y-%m-%d}"  # a month starts before the window
        path = inbox / "clicks" / f"clicks_{name}.parquet"
        _write_parquet(part.select(CLICK_COLUMNS), path)
        res.files.append(path)
    csv_rows = side.select(CLICK_COLUMNS).with_columns(ts=_iso(pl.col("ts"))).to_dicts()
    ts_bad = csv_rows[0]["ts"] if csv_rows else f"{end}T12:00:00Z"
    bad = bad_clicks(prog, csv_rows[0] if csv_rows else {}, str(ts_bad))
    csv_path = inbox / "clicks" / f"tracker2_{end:%Y-%m-%d}.csv"
    for row, reason in bad:
        csv_rows.append(row)
        res.bad_rows.append(BadRow("clicks", _rel(csv_path, inbox), len(csv_rows), reason, str(row.get("click_id"))))
    _write_csv(pl.DataFrame(csv_rows, schema=_click_csv_schema(), strict=False), csv_path)
    res.files.append(csv_path)
    post_path = inbox / "clicks" / f"postback_{end:%Y-%m-%d}.jsonl"
    _write_jsonl(post.select(CLICK_COLUMNS).with_columns(ts=_iso(pl.col("ts"), 3)).to_dicts(), post_path)
    res.files.append(post_path)

    progress("conversions: customer journeys and later status updates")
    conv = journeys.journeys(rng, prog, cf, win)
    updates = journeys.status_updates(rng, conv, win)
    promo = journeys.promo_conversions(rng, prog, max(10, clicks // 2000), win)
    offline = journeys.partner_conversions(prog, win)
    conv_out = conv.with_columns(amount=_money_str("amount"))
    # a file a month of the window, one of the history before it (the ETL loads conversions file by file)
    month = pl.from_epoch("ts", time_unit="ms").dt.date().dt.month_start()
    part = pl.when(pl.col("ts") >= win.start_ms).then(month).otherwise(pl.lit(None, pl.Date))
    for (first,), rows in conv_out.with_columns(m=part).partition_by("m", as_dict=True, maintain_order=True).items():
        name = f"before_{win.start}" if first is None else f"{first:%Y-%m}"
        path = inbox / "conversions" / f"conversions_{name}.parquet"
        _write_parquet(rows.select(journeys.CONV_COLUMNS), path)
        res.files.append(path)
    upd_path = inbox / "conversions" / f"status_updates_{end:%Y-%m-%d}.csv.gz"
    _write_csv(
        updates.select(journeys.CONV_COLUMNS).with_columns(
            ts=_iso(pl.col("ts")), updated_at=_iso(pl.col("updated_at")), amount=_money_str("amount")
        ),
        upd_path,
        gz=True,
    )
    res.files.append(upd_path)
    extra = pl.concat([promo, offline], how="diagonal_relaxed").with_columns(
        ts=_iso(pl.col("ts"), 3), updated_at=_iso(pl.col("updated_at"), 3), amount=_money_str("amount")
    )
    jrows = extra.to_dicts()
    jpath = inbox / "conversions" / f"promo_and_offline_{end:%Y-%m-%d}.jsonl"
    old_ts = f"{win.start + timedelta(days=1)}T10:00:00Z"
    refs = (side if side.height >= 3 else cf)["click_id"].to_numpy()  # a demo of under 3,000 clicks has 1-2 side ones
    for row, reason in bad_conversions(refs, f"{end - timedelta(days=1)}T10:00:00Z", old_ts):
        jrows.append(row)
        res.bad_rows.append(BadRow("conversions", _rel(jpath, inbox), len(jrows), reason, str(row["conversion_id"])))
    _write_jsonl(jrows, jpath)
    res.files.append(jpath)
    res.conversions = conv.height + promo.height + offline.height
    res.status_updates = updates.height

    progress("commissions history and FX rates")
    comm = _commission_history(rng, prog, conv, cf, win, span)
    cpath = inbox / "commissions" / "history.csv"
    _write_csv(comm, cpath)
    res.files.append(cpath)
    res.commissions = comm.height
    fx = fx_frame(rng, span)
    fpath = inbox / "fx_rates" / "rates.csv"
    _write_csv(fx, fpath)
    res.files.append(fpath)
    res.earned = pl.concat([earned(prog, conv, updates, cf, fx, comm), taken_back(comm, fx)], how="vertical_relaxed")
    bought = bought_traffic(np.random.default_rng(np.random.PCG64(seed + 2)), prog, max(300, clicks // 200), win)
    if bought.height:  # its own generator: the feeds above are the same with or without it
        bpath = inbox / "clicks" / f"network_x_{end:%Y-%m-%d}.csv"
        _write_csv(bought, bpath)
        res.files.append(bpath)
    return res


def _click_csv_schema() -> dict[str, pl.DataType]:
    types: dict[str, pl.DataType] = {c: pl.String() for c in CLICK_COLUMNS}
    types["partner_id"] = pl.Int64()
    types["offer_id"] = pl.Int64()
    return types


def _rel(path: Path, inbox: Path) -> str:
    return path.relative_to(inbox).as_posix()


def _commission_history(
    rng: np.random.Generator, prog: DemoProgram, conv: pl.DataFrame, clicks: pl.DataFrame, win: Window, span: Window
) -> pl.DataFrame:
    """Bonuses, adjustments (some negative) and a few feed commissions for real FTDs (not recomputed by the engine):
    half of the bonuses and adjustments in the window, in several statuses, half in the history before it, settled
    (the bonuses paid, the corrections approved); the FTDs' are the first of the history, paid by the previous
    system."""
    n, old = 24, np.arange(24) >= 12
    pick = rng.integers(0, min(len(prog.partner_ids), 20), size=n)
    ts = np.where(
        old,
        span.start_ms + rng.integers(0, (span.days - win.days) * 86_400_000, size=n),
        win.start_ms + rng.integers(0, win.days * 86_400_000, size=n),
    )
    ts = np.maximum(ts, (prog.line.since[pick] + 1) * 86_400_000)  # none before its partner's first click
    kinds = np.array(["bonus", "adjustment"])[np.arange(n) % 2]
    amount = np.where(kinds == "bonus", rng.integers(50, 500, size=n), -rng.integers(5, 80, size=n)).astype(float)
    recent_status = np.where(
        kinds == "bonus",
        np.array(["approved", "paid", "pending"])[(np.arange(n) // 2) % 3],
        np.array(["approved", "pending", "approved", "paid"])[(np.arange(n) // 2) % 4],
    )
    rows = pl.DataFrame(
        {
            "commission_id": [f"hist-{i:03d}" for i in range(n)],
            "partner_id": prog.partner_ids[pick],
            "ts": ts,
            "amount": amount,
            "currency": np.where(np.arange(n) % 4 == 0, "EUR", "USD"),
            "kind": kinds,
            "conversion_id": pl.Series([None] * n, dtype=pl.String),
            # both kinds in several statuses; more bonuses than deductions are paid out already
            "status": np.where(old, np.where(kinds == "bonus", "paid", "approved"), recent_status),
            "note": np.where(kinds == "bonus", "monthly performance bonus", "traffic quality correction"),
        }
    )
    ftds = conv.filter(pl.col("type") == "ftd").head(5).join(clicks.select("click_id", "_partner"), on="click_id")
    feed = ftds.select(
        (pl.lit("feed-") + pl.col("conversion_id")).alias("commission_id"),
        pl.col("_partner").alias("partner_id"),
        pl.col("ts"),
        pl.lit(120.0).alias("amount"),
        pl.lit("USD").alias("currency"),
        pl.lit("cpa").alias("kind"),
        "conversion_id",
        pl.lit("paid").alias("status"),
        pl.lit("CPA paid by the previous system").alias("note"),
    )
    return (
        pl.concat([rows, feed], how="diagonal_relaxed")
        .with_columns(ts=_iso(pl.col("ts")), amount=_money_str("amount"))
        .select("commission_id", "partner_id", "ts", "amount", "currency", "kind", "conversion_id", "status", "note")
    )


def generate(
    session: Session,
    *,
    inbox: Path,
    data_dir: Path,
    creatives_dir: Path,
    link_key: bytes,
    clicks: int,
    days: int,
    seed: int,
    end: date = DEFAULT_END,
    progress: Progress = lambda _m: None,
) -> DemoResult:
    """Seed the store's demo program, demo users and creatives, then write the inbox feeds."""
    n_partners = max(50, clicks // 5000)
    progress(f"store: demo program with {n_partners} partners")
    prog = seed_program(session, seed=seed, n_partners=n_partners, link_key=link_key, end=end, days=days)
    offers = list(session.scalars(select(Offer).order_by(Offer.id)))
    res = write_feeds(prog, inbox, clicks=clicks, days=days, seed=seed, end=end, progress=progress)
    res.partners = n_partners + 1  # and one application waiting for a manager (`program._application`)
    progress("payouts: a request a month of what each partner earned")
    if res.earned is not None:
        res.payouts = seed_payouts(session, prog, res.earned, end, "USD")
    progress("creatives: PNG banners")
    res.creatives = make_creatives(session, offers[::4], creatives_dir)
    res.logins = create_demo_users(session, prog.partner_ids, data_dir / "demo_logins.json", prog.opened)
    (data_dir / "demo_bad_rows.json").write_text(json.dumps([b.as_dict() for b in res.bad_rows], indent=2))
    return res
