"""Reports grouped by two dimensions colour the chart's bars by the second: a colour none of whose rows has any of the
charted metric drew no bar, yet stood in the legend (15 offers listed over the bars of the 2 with clicks). Each colour
charted has some of the metric; the table keeps every row."""

from __future__ import annotations

import json

from tests.reporting.conftest import Program, loaded_once
from tests.reporting.test_pages import _open as open_page


@loaded_once
def direct(program: Program) -> Program:
    """The parent's direct FTD on the other offer (no click): a row of that offer with FTDs, commission, no clicks."""
    tiny = program.tiny
    tiny.write("conversions", "direct.csv", "conversion_id,ts,type,partner_id,offer_id,amount,currency,status\n"
               f"x1,2026-11-02T10:00:00Z,ftd,{tiny.parent},{tiny.other_offer},50,USD,approved\n")  # fmt: skip
    tiny.run()
    return program


def _legend(program: Program, metric: str) -> tuple[set[str], set[str]]:
    """The offers of the chart's colours, and those of the table's rows (totals left out)."""
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    at.session_state["reports_group_by_en"] = ["country", "offer_id"]
    at.session_state["reports_chart"] = metric
    at.run()
    assert not at.exception and not at.error
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    table = at.dataframe[0].value
    return {tr["name"] for tr in spec["data"]}, set(table["Offer"].iloc[:-1])


def test_the_chart_colours_only_what_has_the_metric(direct: Program) -> None:
    other, offer = direct.tiny.other_offer, direct.tiny.offer
    coloured, rows = _legend(direct, "clicks")
    [other_name] = [r for r in rows if r.startswith(f"{other} · ")]
    assert other_name not in coloured and any(c.startswith(f"{offer} · ") for c in coloured)  # no clicks: no colour
    coloured, rows = _legend(direct, "ftds")
    assert other_name in coloured and other_name in rows  # its FTD charted
