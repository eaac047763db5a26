"""The demo generator writes a realistic program and contract-conforming feeds, deterministically."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from sqlalchemy import select

from cabinet.access import derive_scope
from cabinet.account import clean_details
from cabinet.demo.generate import DEFAULT_END, DemoResult, generate
from cabinet.links import verify_link
from cabinet.partners_admin import PartnerChange, update_partner
from cabinet.passwords import check_password
from cabinet.store.db import make_engine, migrate, session_scope
from cabinet.store.models import (
    CommissionPlan,
    Creative,
    Offer,
    OfferAccess,
    OutboxMail,
    Partner,
    PayoutRequest,
    TrackingLink,
    User,
)
from tests.demo.contract_check import check_file

KEY = b"demo-test-link-key-0123456789abcdef"
FEEDS = ("clicks", "conversions", "commissions", "fx_rates")


def _generate(root: Path, seed: int = 3, clicks: int = 20_000, days: int = 30) -> tuple[DemoResult, str]:
    url = f"sqlite:///{root / 'cabinet.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        res = generate(
            session,
            inbox=root / "inbox",
            data_dir=root,
            creatives_dir=root / "creatives",
            link_key=KEY,
            clicks=clicks,
            days=days,
            seed=seed,
        )
    engine.dispose()
    return res, url


def _hashes(inbox: Path) -> dict[str, str]:
    return {p.relative_to(inbox).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*.*")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult, str]:
    root = tmp_path_factory.mktemp("demo")
    res, url = _generate(root)
    return root, res, url


def test_every_feed_is_written_in_several_formats(demo: tuple[Path, DemoResult, str]) -> None:
    root, _, _ = demo
    names = [p.name for p in (root / "inbox").rglob("*.*")]
    for feed in FEEDS:
        assert any((root / "inbox" / feed).iterdir()), feed
    for ext in (".parquet", ".csv", ".csv.gz", ".jsonl"):
        assert any(n.endswith(ext) for n in names), ext


def test_feed_commissions_of_each_kind_come_in_several_statuses(demo: tuple[Path, DemoResult, str]) -> None:
    """Bonuses and adjustments are not tied to one status each (paid commissions that are all negative adjustments
    made the cabinet's "Commission paid" negative for every partner)."""
    root, _, _ = demo
    rows = pl.read_csv(root / "inbox" / "commissions" / "history.csv", infer_schema=False)
    by_kind = rows.group_by("kind").agg(pl.col("status").n_unique().alias("statuses"))
    assert dict(by_kind.iter_rows()) == {"bonus": 3, "adjustment": 3, "cpa": 1}
    paid = rows.filter(pl.col("status") == "paid")["amount"].cast(pl.Float64)
    assert paid.sum() > 0


def test_only_the_documented_rows_break_the_contract(demo: tuple[Path, DemoResult, str]) -> None:
    root, res, url = demo
    engine = make_engine(url)
    with session_scope(engine) as s:
        partners = set(s.scalars(select(Partner.id)))
        offers = set(s.scalars(select(Offer.id)))
    con = duckdb.connect()
    fx = {r[0] for r in con.sql(f"select distinct currency from read_csv('{root}/inbox/fx_rates/*.csv')").fetchall()}
    found = []
    for feed in FEEDS:
        for path in sorted((root / "inbox" / feed).iterdir()):
            violations, unknown = check_file(
                con, feed, path, partners=partners, offers=offers, link_key=KEY, fx_currencies=fx, base="USD"
            )
            assert not unknown, f"{path.name} has columns outside the contract: {unknown}"
            found += [(v.feed, f"{feed}/{v.file}", v.row_number, v.reason) for v in violations]
    documented = json.loads((root / "demo_bad_rows.json").read_text())
    expected = {(b["feed"], b["file"], b["row_number"], b["reason"]) for b in documented}
    cross_file = {"duplicate", "unattributed"}
    assert set(found) == {e for e in expected if e[3] not in cross_file}
    reasons = sorted(b["reason"] for b in documented)
    assert reasons == sorted(
        [
            "missing_field:click_id",
            "bad_timestamp",
            "unknown_partner",
            "unknown_offer",
            "unknown_link_token",
            "duplicate",
            "bad_amount",
            "bad_currency",
            "no_fx_rate",
            "unattributed",
        ]
    )
    assert [b for b in documented] == [b.as_dict() for b in res.bad_rows]


def test_a_short_demo_keeps_every_event_inside_its_days(tmp_path: Path) -> None:
    """Offline registrations came every 4th day from the start: past the end (and the clock) of a 7-day demo, so
    the ETL quarantined rows that demo_bad_rows.json does not list."""
    _generate(tmp_path, clicks=2_000, days=7)
    latest = (
        duckdb.connect()
        .sql(
            f"select max(try_cast(ts as timestamptz)) from read_json('{tmp_path}/inbox/conversions/*.jsonl', "
            "columns = {'ts': 'VARCHAR'})"
        )
        .fetchall()[0][0]
    )
    assert latest.date() <= DEFAULT_END


def test_cross_file_bad_rows_are_really_bad(demo: tuple[Path, DemoResult, str]) -> None:
    root, _, _ = demo
    inbox = root / "inbox" / "clicks"
    con = duckdb.connect()
    ids = pl.concat(
        [
            con.sql(f"select click_id::varchar as click_id from read_parquet('{inbox}/*.parquet')").pl(),
            con.sql(f"select click_id from read_csv('{inbox}/*.csv', all_varchar=true)").pl(),
            con.sql(f"select click_id::varchar as click_id from read_json('{inbox}/*.jsonl')").pl(),
        ]
    )["click_id"]
    documented = {b["reason"]: b for b in json.loads((root / "demo_bad_rows.json").read_text())}
    assert ids.drop_nulls().is_duplicated().sum() == 2, "exactly one click id appears twice"
    assert documented["duplicate"]["id"] in set(ids.filter(ids.is_duplicated()).to_list())
    conv = con.sql(f"select * from read_json('{root}/inbox/conversions/*.jsonl')").pl()
    orphan = conv.filter(pl.col("conversion_id") == documented["unattributed"]["id"]).row(0, named=True)
    assert orphan["click_id"] not in set(ids.to_list())
    assert str(orphan["ts"])[:10] < "2026-11-15", "older than the 7-day wait before the data's end"


def test_same_seed_gives_identical_files_and_another_seed_does_not(
    tmp_path: Path, demo: tuple[Path, DemoResult, str]
) -> None:
    root, _, _ = demo
    _generate(tmp_path / "a")
    assert _hashes(tmp_path / "a" / "inbox") == _hashes(root / "inbox")
    _generate(tmp_path / "b", seed=4)
    assert _hashes(tmp_path / "b" / "inbox") != _hashes(root / "inbox")


def test_store_program_is_realistic(demo: tuple[Path, DemoResult, str]) -> None:
    _, res, url = demo
    engine = make_engine(url)
    with session_scope(engine) as s:
        partners = list(s.scalars(select(Partner)))
        parent = {p.id: p.parent_id for p in partners}

        def depth(pid: int) -> int:
            return 0 if parent[pid] is None else 1 + depth(parent[pid])

        assert len(partners) >= 50 and res.partners == len(partners)
        assert max(depth(p.id) for p in partners) == 3
        assert {p.tier_code for p in partners} == {"bronze", "silver", "gold"}
        assert sum(1 for p in partners if p.parent_id == partners[0].id) >= 4
        pending = [p for p in partners if p.status == "pending"]  # one application for a manager to decide
        assert [(p.parent_id, p.manager_user_id) for p in pending] == [(partners[0].id, partners[0].manager_user_id)]
        plans = {pl_.id: pl_.type for pl_ in s.scalars(select(CommissionPlan))}
        assert {plans[p.plan_id] for p in partners} == {"cpa", "revshare", "hybrid"}
        managers = list(s.scalars(select(User).where(User.role == "manager")))
        assert len(managers) == 2 and all(any(p.manager_user_id == m.id for p in partners) for m in managers)
        offers = list(s.scalars(select(Offer)))
        assert len(offers) >= 20 and {o.vertical for o in offers} == {"igaming", "forex", "ecommerce"}
        for link in s.scalars(select(TrackingLink)):
            assert verify_link(link.token, KEY) == link.id
        creatives = list(s.scalars(select(Creative)))
        assert {(c.width, c.height) for c in creatives} >= {(300, 250), (728, 90)}
        paying = [p for p in partners if p.payout_method]  # details as the Account page would take them
        assert len(paying) >= 50 and all(clean_details(p.payout_method, p.payout_details) for p in paying)
        payouts = list(s.scalars(select(PayoutRequest)))
        assert {p.status for p in payouts} == {"requested", "approved", "paid"}
        assert {p.currency for p in payouts} == {"USD"}  # the balance's, as the cabinet makes them, whatever paid in
        assert all(bool(p.paid_at and p.reference) == (p.status == "paid") for p in payouts)
        assert all((p.approved_at is not None) == (p.status != "requested") for p in payouts)


def test_banners_are_real_images(demo: tuple[Path, DemoResult, str]) -> None:
    from PIL import Image

    root, _, _ = demo
    files = sorted((root / "creatives").glob("*.png"))
    assert files
    with Image.open(files[0]) as img:
        assert img.format == "PNG" and img.size[0] > 0 and len(img.getcolors(1 << 16) or []) > 2


def test_demo_logins_are_private_and_match_the_store(demo: tuple[Path, DemoResult, str]) -> None:
    root, _, url = demo
    path = root / "demo_logins.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logins = json.loads(path.read_text())
    assert {r["role"] for r in logins} == {"admin", "manager", "partner"}
    engine = make_engine(url)
    with session_scope(engine) as s:
        for row in logins:
            user = s.scalar(select(User).where(User.username == row["username"]))
            assert user is not None and check_password(row["password"], user.password_hash)


def test_the_cli_demo_ends_yesterday_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run` on any day shows data in the pages' default period ('Last 30 days'), not only in late 2026."""
    from typer.testing import CliRunner

    from cabinet.cli import app as cli_app

    for name, value in {"CABINET_DATA_DIR": str(tmp_path), "CABINET_STORE_URL": f"sqlite:///{tmp_path / 's.db'}",
                        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
                        "CABINET_LINK_SIGNING_KEY": KEY.decode()}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    before = datetime.now(UTC).date()  # the day may turn while the demo is made: its yesterday is either day's
    out = CliRunner().invoke(cli_app, ["demo", "--clicks", "1000", "--days", "7"], env={"COLUMNS": "300"})
    after = datetime.now(UTC).date()
    assert out.exit_code == 0, out.output
    assert f"demo logins and their passwords in {tmp_path / 'demo_logins.json'}; next: `cabinet etl run` loads" in (
        out.output
    )  # what to do next, and where the logins are (`make run` prints them; `cabinet demo` alone did not say)
    sql = f"select epoch_ms(max(ts))::date from read_parquet('{tmp_path}/inbox/clicks/*.parquet')"
    newest = duckdb.connect().execute(sql).fetchone()
    assert newest is not None and newest[0] + timedelta(days=1) in {before, after}
    assert "of them in the last 7 days" in out.output  # --clicks counts the history's too
    out = CliRunner().invoke(cli_app, ["demo", "--end", "11/22/2026"])
    assert out.exit_code == 1 and "is not a date like" in str(out.exception)
    out = CliRunner().invoke(cli_app, ["demo", "--end", "2001-01-20", "--days", "7"])  # its history would start in 1999
    assert out.exit_code == 1 and "give a day from 2001-01-21" in str(out.exception)


def test_one_small_partner_buys_traffic_for_the_review_to_find(demo: tuple[Path, DemoResult, str]) -> None:
    root, _res, url = demo
    [path] = (root / "inbox" / "clicks").glob("network_x_*.csv")
    frame = pl.read_csv(path)
    assert frame.height == 300 and frame["link_token"].n_unique() == 1
    assert frame["ip"].n_unique() <= 40  # a few dozen visitors, over and over
    bots = frame["user_agent"].str.contains("bot|python-requests|Headless|curl").mean()
    assert 0.3 < bots < 0.5
    first = datetime.fromisoformat(frame["ts"].min().replace("Z", "+00:00"))
    assert first.date() >= DEFAULT_END - timedelta(days=9)  # the window's last 10 days
    engine = make_engine(url)
    with session_scope(engine) as s:
        token = frame["link_token"][0]
        link = s.get(TrackingLink, verify_link(token, KEY))
        showcase = [p.id for p in s.scalars(select(Partner).order_by(Partner.id).limit(9))]
    engine.dispose()
    assert link is not None and link.partner_id not in showcase


def test_one_offer_needs_approval_and_one_partner_waits_for_it(demo: tuple[Path, DemoResult, str]) -> None:
    _root, _res, url = demo
    engine = make_engine(url)
    with session_scope(engine) as s:
        [vip] = s.scalars(select(Offer).where(Offer.access == "approval")).all()
        rows = s.scalars(select(OfferAccess).where(OfferAccess.offer_id == vip.id)).all()
        on_it = set(s.scalars(select(TrackingLink.partner_id).where(TrackingLink.offer_id == vip.id)))
        [asking] = [r for r in rows if r.status == "requested"]
        first_nine = [p.id for p in s.scalars(select(Partner).order_by(Partner.id).limit(9))]
    engine.dispose()
    assert {r.partner_id for r in rows if r.status == "approved"} == on_it  # every partner with links on it
    assert asking.partner_id in first_nine and asking.partner_id not in on_it and asking.message


def test_the_waiting_application_was_sent_the_day_before_the_data_ends(demo: tuple[Path, DemoResult, str]) -> None:
    """A manager's queue in the demo is fresh: an application dated when the program was made read as years old."""
    _root, _res, url = demo
    engine = make_engine(url)
    with session_scope(engine) as s:
        [waiting] = s.scalars(select(Partner).where(Partner.status == "pending")).all()
        sent = waiting.created_at.replace(tzinfo=UTC)
    engine.dispose()
    assert sent.date() == DEFAULT_END - timedelta(days=1)


def test_approving_the_waiting_application_emails_the_applicant(
    demo: tuple[Path, DemoResult, str], tmp_path: Path
) -> None:
    """It has its applicant's login, as an application made through an invitation link has: approving it tells them
    (it had none, and the approval went unsaid)."""
    _root, _res, url = demo
    copy = tmp_path / "store.db"
    shutil.copy(url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with session_scope(engine) as s:
            [waiting] = s.scalars(select(Partner).where(Partner.status == "pending")).all()
            [login] = s.scalars(select(User).where(User.partner_id == waiting.id)).all()
            assert (login.role, login.email, login.is_active) == ("partner", "hello@nova-media.example", True)
            manager = s.get(User, waiting.manager_user_id)
            change = PartnerChange("active", waiting.tier_code, waiting.manager_user_id, waiting.plan_id)
            update_partner(s, derive_scope(s, manager), waiting.id, change)  # type: ignore[arg-type]
        with session_scope(engine) as s:
            told = s.scalars(select(OutboxMail.to_address).where(OutboxMail.to_address == login.email)).all()
        assert told == ["hello@nova-media.example"]
    finally:
        engine.dispose()


def test_the_news_is_in_english_and_russian(demo: tuple[Path, DemoResult, str]) -> None:
    """A Russian partner of the demo reads its news in Russian (it read English news on a Russian page)."""
    from cabinet.news import for_scope

    _root, _res, url = demo
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            gold = derive_scope(s, s.scalars(select(User).where(User.username == "gold_parent")).one())
            russian = [n.title for n in for_scope(s, gold, locale="ru")]
            english = [n.title for n in for_scope(s, gold, locale="en")]
    finally:
        engine.dispose()
    assert russian == ["Для золотых партнёров: когортные отчёты", "Новый оффер: Beauty Box"]
    assert english == ["Gold partners: cohort reports", "New offer: Beauty Box"]
