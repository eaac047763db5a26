"""The Reports and Commissions pickers show every pick: placed in a column, Streamlit kept a multiselect's chips on
one row, and the last ones ("Commission" of the metrics, "Approved" of the statuses) sat behind a fade, at 1280 px
and more so on a phone."""

from __future__ import annotations

from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_the_report_and_commission_pickers_wrap_their_chips(program: Program) -> None:
    reports = open_page("pages/02_reports.py", program.users["p_parent"])
    commissions = open_page("pages/03_commissions.py", program.users["p_parent"])
    assert not reports.exception and not commissions.exception
    pickers = [reports.multiselect(key=k) for k in ("reports_group_by_en", "reports_metrics_en")]
    pickers += [commissions.multiselect(key=k) for k in ("commissions_statuses_en", "commissions_kinds_en")]
    assert all(p.proto.wrap for p in pickers)
