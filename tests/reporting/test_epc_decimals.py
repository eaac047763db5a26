"""An EPC below one unit keeps up to four decimals in report tables, as on the Dashboard's card: a typical $0.0042
read "$0.0042" on the card and "$0.00" in the Reports table beside it."""

from __future__ import annotations

import json
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import ROOT

FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"


def test_a_small_epc_keeps_four_decimals_in_the_reports_table(program: Program) -> None:
    day = (NOW - timedelta(days=1)).date()  # a bonus of $0.0042 for the outsider, whose one click came on 1 Nov
    program.tiny.write("commissions", "tiny.csv", FEED + f"b1,{program.outsider},{day}T09:00:00Z,0.0042,USD,bonus,"
                       "approved,\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = program.users["p_bronze"]
    at.session_state["_choice_reports_metrics"] = ["clicks", "commission", "epc"]
    at.switch_page("pages/02_reports.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0]
    assert list(table.value["EPC"])[-1] == 0.0042  # the totals row: $0.0042 of commission over one click
    assert list(table.value["Commission"])[-1] == 0.0  # money itself still to the cent
    formats = {k: v["type_config"]["format"] for k, v in json.loads(table.proto.columns).items() if "type_config" in v}
    assert (formats["EPC"], formats["Commission"]) == ("$%.4f", "dollar")  # the browser shows them so: $0.0042, $0.00
