"""A filter pasted over its limit is kept and refused with the limit: the browser-side limit dropped such a paste
whole, and Reports or Commissions then showed every row with no word of a filter (`pages/02_reports.py`,
`pages/03_commissions.py`)."""

from __future__ import annotations

from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_a_report_filter_over_its_limit_is_kept_and_refused(program: Program) -> None:
    at = open_page("pages/02_reports.py", program.users["p_parent"])
    pasted = ",".join(f"campaign-{i:04d}" for i in range(50))  # 649 characters of sub1 values
    at.text_input(key="reports_f_sub1").input(pasted).run()
    assert not at.exception and [e.value for e in at.error] == ["The sub1 filter is longer than 500 characters."]
    assert at.text_input(key="reports_f_sub1").value == pasted and not at.dataframe  # kept; no unfiltered report
    at.text_input(key="reports_f_sub1").input(pasted[:120]).run()  # within the limit: the report, filtered
    assert not at.exception and not at.error and any("sub1" in c.value and "0000" in c.value for c in at.caption)


def test_a_conversion_id_over_its_limit_is_kept_and_refused(program: Program) -> None:
    at = open_page("pages/03_commissions.py", program.users["p_parent"])
    pasted = "c" * 300
    at.text_input(key="commissions_conversion").input(pasted).run()
    assert not at.exception and [e.value for e in at.error] == ["A conversion id is at most 255 characters."]
    assert at.text_input(key="commissions_conversion").value == pasted and not at.dataframe
