"""A new program's home page before its first data: staff read of snapshots and the ETL, a partner only that its
figures come once the program's data arrive (it read "Snapshot r0000004-… holds no events yet: the feeds' files
have not brought any")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cabinet.i18n import translate
from cabinet.ui import data
from queries.warehouse import SnapshotInfo
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

EMPTY = SnapshotInfo("r0000001-20261110080000000000", 1, Path("r0000001.duckdb"), None, datetime(2026, 11, 10, 8))


@pytest.mark.parametrize("published", [EMPTY, None], ids=["published_without_events", "nothing_published"])
def test_a_partner_is_told_its_figures_come_with_the_first_data(
    program: Program, monkeypatch: pytest.MonkeyPatch, published: SnapshotInfo | None
) -> None:
    monkeypatch.setattr(data, "published", lambda: published)
    partner = open_page("app.py", program.users["p_bronze"])
    infos = [i.value for i in partner.info]
    assert not partner.exception and translate("home.no_figures_yet", "en") in infos
    assert not any("napshot" in i or "etl" in i for i in infos)
    staff = [i.value for i in open_page("app.py", program.users["root"]).info]
    assert any(("Snapshot r0000001" in i) if published else ("cabinet etl run" in i) for i in staff)


def test_a_partner_reads_when_its_data_are_of_without_the_snapshot(program: Program) -> None:
    """A partner read "Data as of Nov 10, 2026, 08:00 UTC (snapshot r0000001-20261110…)": a snapshot is the staff's
    word, as on Data loads; staff still read it."""
    partner = [s.value for s in open_page("app.py", program.users["p_parent"]).success]
    assert [s for s in partner if s.startswith("Data as of")] and not any("snapshot" in s for s in partner), partner
    staff = [s.value for s in open_page("app.py", program.users["root"]).success]
    assert any(s.startswith("Data as of") and "(snapshot r" in s for s in staff), staff
