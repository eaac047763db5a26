"""After every run of a random sequence (conversion updates moving status, hour, month and customer, late FX rates,
feed commissions, tree and plan changes, late, duplicate, bot and repeated clicks, reprocess runs, the history
split), each rollup equals the raw facts key by key and column by column (`rollup_check`)."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import CommissionPlan, Partner
from etl import compact, history
from etl.reprocess import Reprocess, ReprocessError
from etl.runner import run_etl
from tests.etl_ingest.conftest import Tiny
from tests.etl_ingest.rollup_check import click_problems, differences

CLICKS = "click_id,ts,link_token,partner_id,offer_id,sub1,country,device,ip,user_agent\n"
CONV = "conversion_id,ts,updated_at,type,click_id,promo_code,partner_id,offer_id,customer_id,amount,currency,status\n"
FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"
START = datetime(2026, 10, 30, 20)
UAS = ("Mozilla/5.0 A", "Mozilla/5.0 B", "Googlebot/2.1", "")
TYPES = ("registration", "ftd", "ftd", "deposit", "sale", "lead", "revenue")
STATUSES = ("pending", "pending", "approved", "rejected", "reversed")


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


class Scenario:
    """A random program history: each `step` writes some inbox files, maybe changes the store, runs the ETL."""

    def __init__(self, tiny: Tiny, engine: Engine, seed: int) -> None:
        self.t, self.engine, self.rnd = tiny, engine, random.Random(seed)
        self.n = 0
        self.clicks: list[str] = []
        self.click_ts: dict[str, str] = {}
        self.convs: dict[str, datetime] = {}  # id -> last updated_at written
        self.types: dict[str, str] = {}
        self.feed: list[str] = []
        self.now = datetime(2026, 11, 3, 12)
        with session_scope(engine) as s:
            plan = s.get(CommissionPlan, s.get(Partner, tiny.parent).plan_id)
            plan.type, plan.revshare_pct, plan.hold_days = "hybrid", Decimal("30"), 1
            plan.cpa_amounts = {"ftd": "100", "registration": "2", "sale": "5"}
            plan.subpartner_override_pct = ["10"]
            plan.volume_tiers = [{"min_count": 1, "cpa_ftd": "100"}, {"min_count": 2, "cpa_ftd": "150"}]
            other = Partner(name="Other", tier_code="silver", plan_id=plan.id)
            s.add(other)
            s.flush()
            self.other = other.id
        self.partners = (tiny.parent, tiny.child, self.other)

    def _ts(self) -> datetime:
        return START + timedelta(minutes=self.rnd.randrange(0, 60 * 24 * 4))

    def _name(self) -> str:
        self.n += 1
        return f"f{self.n:03d}"

    def _clicks(self) -> None:
        r, rows = self.rnd, []
        for _ in range(r.randrange(1, 8)):
            cid = r.choice(self.clicks) if self.clicks and r.random() < 0.15 else f"k{len(self.clicks)}"
            self.clicks.append(cid)
            ip, ua = f"192.0.2.{r.randrange(3)}", r.choice(UAS)
            ts = self.click_ts.setdefault(cid, _iso(self._ts()))  # a repeated id: the click sent again
            if r.random() < 0.5:
                rows.append(f"{cid},{ts},{self.t.token},,,,DE,mobile,{ip},{ua}")
            else:
                p, o = r.choice(self.partners), r.choice((self.t.offer, self.t.other_offer))
                rows.append(f"{cid},{ts},,{p},{o},s{r.randrange(2)},{r.choice(('FR', 'DE'))},desktop,{ip},{ua}")
        self.t.write("clicks", self._name() + ".csv", CLICKS + "\n".join(rows) + "\n")

    def _conversions(self) -> None:
        r, rows = self.rnd, []
        for _ in range(r.randrange(1, 6)):
            cid = r.choice(sorted(self.convs)) if self.convs and r.random() < 0.5 else f"v{len(self.convs)}"
            updated = max(self.convs.get(cid, START), START) + timedelta(minutes=r.randrange(1, 600))
            self.convs[cid] = updated
            type_ = self.types.setdefault(cid, r.choice(TYPES))
            amount = str(r.randrange(-50, 200) if type_ == "revenue" else r.randrange(0, 200))
            how = r.random()
            click = (
                (r.choice(self.clicks) if self.clicks and r.random() < 0.8 else f"k{len(self.clicks) + 2}")
                if how < 0.4
                else ""
            )
            promo = "SPRING" if not click and how < 0.55 else ""
            partner = "" if click or promo else str(r.choice(self.partners))
            # the code SPRING is for the other offer: most of its rows name that one, a few the link's (quarantined)
            offer = "" if click else str(self.t.other_offer if promo and how < 0.52 else self.t.offer)
            cur = r.choice(("", "", "EUR"))
            cust = f"u{r.randrange(4)}"
            rows.append(f"{cid},{_iso(self._ts())},{_iso(updated)},{type_},{click},{promo},{partner},{offer},"
                        f"{cust},{amount},{cur},{r.choice(STATUSES)}")  # fmt: skip
        self.t.write("conversions", self._name() + ".csv", CONV + "\n".join(rows) + "\n")

    def _feed(self) -> None:
        r, rows = self.rnd, []
        for _ in range(r.randrange(1, 3)):
            fid = r.choice(self.feed) if self.feed and r.random() < 0.4 else f"F{len(self.feed)}"
            self.feed.append(fid)
            conv = r.choice([*sorted(self.convs), f"v{len(self.convs)}"]) if r.random() < 0.6 else ""
            status = r.choice(("pending", "approved", "rejected", "paid"))
            rows.append(f"{fid},{r.choice(self.partners)},{_iso(self._ts())},{r.randrange(-20, 300)},"
                        f"{r.choice(('USD', 'EUR'))},cpa,{status},{conv}")  # fmt: skip
        self.t.write("commissions", self._name() + ".csv", FEED + "\n".join(rows) + "\n")

    def _fx(self) -> None:
        day = (START + timedelta(days=self.rnd.randrange(-1, 4))).date()
        rate = f"1.{self.rnd.randrange(0, 50):02d}"
        self.t.write("fx_rates", self._name() + ".csv", f"date,currency,rate\n{day},EUR,{rate}\n")

    def _store(self) -> None:
        r = self.rnd
        with session_scope(self.engine) as s:
            what = r.randrange(4)
            if what == 0:
                child = s.get(Partner, self.t.child)
                child.parent_id = r.choice((self.t.parent, self.other, None))
            elif what == 1:
                plan = s.get(CommissionPlan, s.get(Partner, self.t.parent).plan_id)
                plan.subpartner_override_pct = [r.choice(("10", "20"))]
            elif what == 2:
                s.get(Partner, r.choice(self.partners)).tier_code = r.choice(("bronze", "silver", "gold"))
            else:
                plan = s.get(CommissionPlan, s.get(Partner, self.t.parent).plan_id)
                plan.hold_days = r.choice((0, 1, 3))

    def step(self) -> str:
        r = self.rnd
        done = []
        acts = (("clicks", self._clicks, 0.7), ("clicks", self._clicks, 0.3), ("conversions", self._conversions, 0.7),
                ("feed", self._feed, 0.25), ("fx", self._fx, 0.25), ("store", self._store, 0.25))  # fmt: skip
        for name, act, p in acts:
            if r.random() < p:
                act()
                done.append(name)
        self.now += timedelta(hours=r.randrange(1, 30))
        reprocess = None
        if r.random() < 0.1 and self.n:
            reprocess = Reprocess(
                files=tuple(str(p.relative_to(self.t.inbox)) for p in self.t.inbox.glob("*/*.csv") if r.random() < 0.3)
            )
            done.append("reprocess")
        elif r.random() < 0.1:
            reprocess = Reprocess(reason=r.choice(("no_fx_rate", "unattributed")))
            done.append("reprocess-reason")
        try:
            run_etl(self.t.settings, now=self.now, grace_s=0, reprocess=reprocess)
        except ReprocessError:  # it selected no file
            done.append("(nothing to read again)")
            run_etl(self.t.settings, now=self.now, grace_s=0)
        return " ".join(done)


def _check(t: Tiny, label: str) -> None:
    hist = t.settings.warehouse_dir / history.HISTORY_DB
    with t.warehouse() as con:
        problems = differences(con, hist) + click_problems(con, hist)
    assert not problems, f"{label}:\n" + "\n".join(problems[:20])


# (seed, history split, each click file its own chunk); more by hand: ROLLUP_SEEDS=3,4,5 ROLLUP_STEPS=20
CASES = [(1, False, True), (2, True, False)]
if os.environ.get("ROLLUP_SEEDS"):
    CASES = [(int(s), split, bool(int(s) % 2)) for s in os.environ["ROLLUP_SEEDS"].split(",") for split in (0, 1)]


@pytest.mark.parametrize(("seed", "split", "chunks"), CASES)
def test_rollups_equal_the_facts_after_every_run_of_a_random_sequence(
    tiny: Tiny, store_engine: Engine, monkeypatch: pytest.MonkeyPatch, seed: int, split: bool, chunks: bool
) -> None:
    if chunks:
        monkeypatch.setenv("CABINET_ETL_CHUNK_MB", "0.0001")
    if split:  # the first run starts the history; clicks over a day older than the newest move at each run
        monkeypatch.setenv(history.HOT_DAYS_ENV, "1")
        monkeypatch.setenv(history.MIN_ROWS_ENV, "2")
        monkeypatch.setenv(history.START_ROWS_ENV, "1")
    sc = Scenario(tiny, store_engine, seed)
    log = []
    for i in range(int(os.environ.get("ROLLUP_STEPS", "8"))):
        # clicks and rollups compacted after about every other run
        every = {"min_tail_rows": 1, "tail_fraction": 0.0} if sc.rnd.random() < 0.5 else None
        for stage in (compact.compact_rollups, compact.compact_clicks):
            monkeypatch.setattr(stage, "__kwdefaults__", every or stage.__kwdefaults__)
        log.append(f"run {i + 1}: {sc.step()}{' compact' if every else ''}")
        _check(tiny, "\n".join(log))
