"""The demo's Partner review has a partner whose traffic fell by half or more against the same days a year before,
whatever day the demo ends on: the showcase child that shrank keeps 0.35 of its clicks of a year before. At 0.45 the
weekly rhythm and chance left it above half on some days: a demo ending on a Thursday (10 December 2026, 31 December,
6 May 2027 ...) had no partner that dropped, and the history's test failed on Fridays."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from queries.review import Thresholds, review
from queries.warehouse import Warehouse
from tests.demo.test_demo_payouts import pinned_demo

END = date(2026, 12, 10)  # a Thursday


def test_the_review_finds_traffic_that_stopped_dropped_spiked_and_new(tmp_path: Path) -> None:
    cfg, scope, _ = pinned_demo(tmp_path, END)
    wh = Warehouse(cfg.warehouse_dir)
    try:  # a small demo's partners are small: judged from 30 clicks, as the history's test does
        frame = review(scope, wh=wh, limits=Thresholds(min_clicks=30), date_from=END - timedelta(days=29), date_to=END,
                       tz="UTC", against="year")  # fmt: skip
    finally:
        wh.close()
    signals = Counter(s for row in frame["signals"].to_list() for s in row)
    assert all(signals[s] >= 1 for s in ("stopped", "dropped", "spiked", "new_traffic")), signals
