"""Tables write their figures as the session's language does, as the cards beside them do: Streamlit's named formats
follow the browser's language, and a Russian session in an English browser read "8,254" in a table (8.254 to a
Russian reader) beside "1 735,01 $" on a card. The columns stay numbers, so they still sort as numbers."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import cabinet.ui.tables as tables
from cabinet.session import SESSION_KEY
from queries import commissions
from tests.reporting.conftest import NOW, Program
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_epc_decimals import FEED
from tests.reporting.test_pages import ROOT
from tests.reporting.test_subpartners import overrides  # noqa: F401 - the fixture, reused


def _open(page: str, user: object, browser: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": browser}
    at.session_state[SESSION_KEY] = user
    return at.switch_page(page).run()


def _shown(at: AppTest, n: int = 0) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """Each column's number format, and the texts the browser is given for the cells (none: it writes the numbers)."""
    proto = at.dataframe[n].proto
    columns = json.loads(proto.columns)
    formats = {k: v["type_config"].get("format") for k, v in columns.items() if "type_config" in v}
    raw = proto.arrow_data.styler.display_values
    texts = pa.ipc.open_stream(io.BytesIO(raw)).read_pandas().to_dict("list") if raw else {}
    return formats, texts


def test_a_russian_session_in_an_english_browser_reads_its_figures_in_russian(overrides: Program) -> None:  # noqa: F811
    at = _open("pages/04_subpartners.py", replace(overrides.users["p_parent"], locale="ru"), "en-US")
    assert not at.exception
    formats, texts = _shown(at)
    table = at.dataframe[0].value
    assert list(table["Доход с них"]) == [10.0] and list(table["Комиссия"]) == [100.0]  # numbers: they sort so
    assert formats["Доход с них"] is None and formats["Комиссия"] is None  # no format of the browser's over them
    assert (texts["Доход с них"], texts["Комиссия"], texts["Клики"]) == (["10,00\xa0$"], ["100,00\xa0$"], ["1"])


def test_an_english_session_in_a_russian_browser_reads_them_in_english(overrides: Program) -> None:  # noqa: F811
    at = _open("pages/01_dashboard.py", overrides.users["p_parent"], "ru-RU")
    assert not at.exception
    formats, texts = _shown(at)
    money = [x for x in texts["Commission"] if x != "—"]
    assert formats["Commission"] is None and money and all(x.startswith("$") for x in money)
    assert all("\xa0" not in x for x in texts["Clicks"])  # "1,234", not the browser's "1 234"


def test_a_browser_in_the_sessions_language_is_left_its_own_formats(overrides: Program) -> None:  # noqa: F811
    """Nothing to write here then: the named formats read as the cards do, at no cost to the page run."""
    at = _open("pages/01_dashboard.py", replace(overrides.users["p_parent"], locale="ru"), "ru-RU")
    formats, texts = _shown(at)
    assert formats["Комиссия"] == "dollar" and formats["Клики"] == "localized" and not texts


def test_a_table_too_large_to_write_reads_one_way_in_any_language(
    overrides: Program,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tables, "STYLED_CELLS", 1)
    at = _open("pages/01_dashboard.py", replace(overrides.users["p_parent"], locale="ru"), "en-US")
    formats, texts = _shown(at)
    assert not texts and (formats["Клики"], formats["Комиссия"]) == ("%d", "%.2f\xa0$")  # "8254", "1735.01 $"


def test_the_commissions_table_writes_its_base_amounts_beside_the_amounts_in_their_own_currency(
    program: Program,
) -> None:
    """Its "Amount" column is text written here ("1,20 €"); at 20,000 cells a full table (5,000 rows) fell back to
    the formats for any language, and "Сумма, USD" read "1.33 $" beside it."""
    at = _open("pages/03_commissions.py", replace(program.users["p_parent"], locale="ru"), "en-US")
    assert not at.exception
    formats, texts = _shown(at)
    assert formats["Сумма, USD"] is None and texts["Сумма, USD"] == texts["Сумма"]  # both "100,00 $"
    assert len(at.dataframe[0].value.columns) * commissions.LIMIT <= tables.STYLED_CELLS


def test_the_time_to_convert_counts_by_week_are_counts_as_on_its_card(late: Program) -> None:  # noqa: F811
    """The weekly counts had no format: "1234" in the table under "1,234" on the card (and "1 234" in Russian)."""
    at = _open("pages/15_time_to_convert.py", late.users["p_parent"], "en-US")
    formats, _ = _shown(at)
    assert formats["Registrations"] == "localized"
    at = _open("pages/15_time_to_convert.py", replace(late.users["p_parent"], locale="ru"), "en-US")
    formats, texts = _shown(at)
    assert formats["Регистраций"] is None and texts["Регистраций"] == ["2"]


def test_a_small_epc_reads_as_the_sessions_language_writes_it_in_a_browser_of_that_language(program: Program) -> None:
    """Its four decimals are a printf format's, which writes English in any browser: "$0.0042" in a Russian table
    beside "0,0042 $" on the card."""
    day = (NOW - timedelta(days=1)).date()
    program.tiny.write("commissions", "tiny.csv", FEED + f"b1,{program.outsider},{day}T09:00:00Z,0.0042,USD,bonus,"
                       "approved,\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": "ru-RU"}
    at.session_state[SESSION_KEY] = replace(program.users["p_bronze"], locale="ru")
    at.session_state["_choice_reports_metrics"] = ["clicks", "commission", "epc"]
    at.switch_page("pages/02_reports.py").run()
    assert not at.exception and not at.error
    formats, texts = _shown(at)
    assert formats["EPC"] is None and texts["EPC"][-1] == "0,0042\xa0$" and texts["Комиссия"][-1] == "0,00\xa0$"
