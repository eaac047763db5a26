"""An amount a new FX rate would put beyond what a money column holds keeps its earlier rate, and the run says so
once (`etl.fx`, `fx_kept`): each later rates file of the currency dated before that rate converted it again and said
the same amount again. A corrected rate converts it and is not said; another rate it cannot take is said again."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from cabinet.config import Settings
from tests.etl_ingest.conftest import Tiny, build_tiny

HEAD = "conversion_id,ts,updated_at,type,partner_id,offer_id,amount,currency,status\n"
START = datetime(2026, 11, 5)


@pytest.fixture
def tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """The tiny program of `tests.etl_ingest.conftest`."""
    return build_tiny(settings, store_engine)


def _kept(t: Tiny, n: int, rates: str) -> list[str]:
    """Load one rates file of IDR (`date,rate` lines) in run `n`: its warnings about amounts that keep their rate."""
    t.write("fx_rates", f"{n}.csv", "date,currency,rate\n" + "".join(f"{line.replace(',', ',IDR,')}\n"
                                                                       for line in rates.split()))  # fmt: skip
    return [w for w in t.run(START + timedelta(hours=n)).warnings if "earlier rate: the new FX rates" in w]


def test_an_amount_that_keeps_its_rate_is_said_once(tiny: Tiny) -> None:
    p, o = tiny.parent, tiny.offer
    tiny.write("conversions", "c.csv", HEAD + f"c1,2026-11-03T10:00:00Z,,sale,{p},{o},10000000000,IDR,pending\n")
    assert _kept(tiny, 0, "2026-11-01,0.0000627") == []
    said = _kept(tiny, 1, "2026-11-02,15937.5")  # sent in the wrong units: 1.6e14 base
    assert len(said) == 1 and said[0].startswith("1 amount keeps its earlier rate")
    assert _kept(tiny, 2, "2026-10-30,0.0000627") == []  # an earlier day's rate: c1 still keeps its own, said
    assert _kept(tiny, 3, "2026-10-29,0.0000627") == []
    amount = "select amount_base, fx_rate from conversions where conversion_id = 'c1'"
    assert tiny.rows(amount) == [(Decimal("627000"), Decimal("0.0000627"))]
    assert len(_kept(tiny, 4, "2026-11-02,16000")) == 1  # corrected to another rate it cannot take: said
    assert _kept(tiny, 5, "2026-11-02,0.0000628") == []  # corrected: converted
    assert tiny.rows(amount) == [(Decimal("628000"), Decimal("0.0000628"))]
    assert len(_kept(tiny, 6, "2026-10-28,0.0000627 2026-11-02,15937.5")) == 1  # the wrong rate again: said again
