"""Whether what was sent for a request paid in another currency, and so its rate, came from the payment file or was
typed by its manager paying it by hand (`sent_by_hand`) is said per row: in the CSV/XLSX downloads of the staff's
queue and of a partner's own requests ("Amount and rate from": "payment file" / "manual entry"), and in the tables'
Exchange rate column after the rate ("(file)" / "(by hand)"; the staff's queue only, a partner's own list says the
rate alone to fit the page), in English and Russian; empty for a request not paid or
paid in its own currency."""

from __future__ import annotations

import io
import json

import openpyxl
from sqlalchemy import Engine

from cabinet.payout_batch import mark_paid, payment_file
from cabinet.payout_hand import pay_by_hand
from cabinet.store.db import session_scope
from cabinet.ui.fit import column_px
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, _file, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payout_sent import PAGE, _approved, _wh

SOURCE = "Amount and rate from"


def _xlsx(made: Files, start: str) -> list[list[str]]:
    """The rows of an XLSX file, its header first, an empty cell as ""."""
    sheet = openpyxl.load_workbook(io.BytesIO(_file(made, start, "xlsx"))).active
    assert sheet is not None
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _paid(program: Program, engine: Engine) -> dict[str, int]:
    """The parent's requests (its balance $60): $20 paid with a bank file in euros (€18.18), $20 paid by hand (€18.50
    typed), $10 paid by hand in its own dollars (nothing converted), $5 approved and not paid yet."""
    mgr = program.users["mgr"].scope
    made = {name: _approved(engine, program.tiny.parent, amount)
            for name, amount in (("file", "20"), ("hand", "20"), ("own", "10"), ("approved", "5"))}  # fmt: skip
    with session_scope(engine) as s:
        payment_file(s, mgr, "wire", "EUR", [made["file"]], _wh(program))
    with session_scope(engine) as s:
        assert mark_paid(s, mgr, [made["file"]], "BANK-1", _wh(program)).paid == (made["file"],)
    with session_scope(engine) as s:
        pay_by_hand(s, mgr, made["hand"], "18.50", "EUR", "WIRE-9", seen="approved", wh=_wh(program))
    with session_scope(engine) as s:
        pay_by_hand(s, mgr, made["own"], "", "USD", seen="approved", wh=_wh(program))
    return made


def _source(rows: list[list[str]], made: dict[str, int], head: str) -> dict[str, str]:
    """Each request's cell under `head`, by its name in `made`."""
    header, *body = rows
    named = {str(i): name for name, i in made.items()}
    return {named[row[0]]: row[header.index(head)] for row in body if row[0] in named}


EXPECTED = {"file": "payment file", "hand": "manual entry", "own": "", "approved": ""}


def test_the_staffs_download_says_which_figures_were_typed_by_hand(
    program: Program,
    store_engine: Engine,
    files: Files,  # noqa: F811
) -> None:
    made = _paid(program, store_engine)
    at = open_page(PAGE, program.users["mgr"])
    at.multiselect(key="payouts_statuses").set_value(["approved", "paid"]).run()
    assert not at.exception, at.exception
    rows = _csv(files, "payout_queue")
    assert rows[0][-5:] == ["Amount sent", "Currency sent", "Exchange rate", "Rate of", SOURCE]
    assert _source(rows, made, SOURCE) == EXPECTED
    assert _xlsx(files, "payout_queue")[0] == rows[0]
    assert _source(_xlsx(files, "payout_queue"), made, SOURCE) == EXPECTED
    # the rate beside it: the file's as it wrote it, the typed one the amount against the request's
    assert _source(rows, made, "Exchange rate") == {"file": "0.909090909091", "hand": "0.925", "own": "",
                                                     "approved": ""}  # fmt: skip


def test_the_partners_own_download_says_it_too(program: Program, store_engine: Engine, files: Files) -> None:  # noqa: F811
    made = _paid(program, store_engine)
    at = open_page(PAGE, program.users["p_parent"])
    assert not at.exception, at.exception
    rows = _csv(files, "payout_requests")
    assert rows[0][-1] == SOURCE and "Partner" not in rows[0]
    assert _source(rows, made, SOURCE) == EXPECTED
    assert _source(_xlsx(files, "payout_requests"), made, SOURCE) == EXPECTED


def test_a_russian_download_says_it_in_russian(program: Program, store_engine: Engine, files: Files) -> None:  # noqa: F811
    made = _paid(program, store_engine)
    ru = _open_ru(program, "mgr", PAGE, payouts_statuses=["approved", "paid"])
    assert not ru.exception, ru.exception
    head = "Источник суммы и курса"
    expected = {"file": "файл платежей", "hand": "ввод вручную", "own": "", "approved": ""}
    assert _source(_csv(files, "payout_queue"), made, head) == expected
    assert _source(_xlsx(files, "payout_queue"), made, head) == expected
    mine = _open_ru(program, "p_parent", PAGE)
    assert not mine.exception, mine.exception
    assert _source(_csv(files, "payout_requests"), made, head) == expected


def test_the_tables_sent_column_says_it_and_reads_whole(program: Program, store_engine: Engine) -> None:
    made = _paid(program, store_engine)
    at = open_page(PAGE, program.users["mgr"])
    at.multiselect(key="payouts_statuses").set_value(["approved", "paid"]).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.set_index("#")
    sent, rate = table["Amount"], table["Exchange rate"]
    assert (sent[made["file"]], rate[made["file"]]) == ("$20.00 → €18.18", "1 EUR = 1.1 USD (file)")
    assert (sent[made["hand"]], rate[made["hand"]]) == ("$20.00 → €18.50", "1 EUR = 1.08108 USD (by hand)")
    assert sent[made["own"]] == "$10.00" and sent[made["approved"]] == "$5.00 → EUR"  # to be paid in euros
    assert rate[made["own"]] == rate[made["approved"]] == ""
    # the amounts whole, the rate in a column of its own (`tests/reporting/test_payout_fit.py`)
    assert json.loads(at.dataframe[0].proto.columns)["Amount"]["width"] >= column_px(["$20.00 → €18.50"], "Amount")
    partner = open_page(PAGE, program.users["p_parent"]).dataframe[0].value.set_index("#")
    assert partner.loc[made["hand"], "Exchange rate"] == "1 EUR = 1.08108 USD"  # its source in the download
    ru = _open_ru(program, "mgr", PAGE, payouts_statuses=["paid"])
    said = ru.dataframe[0].value.set_index("№")["Курс"]
    assert said[made["file"]] == "1 EUR = 1,1 USD (из файла)"
    assert said[made["hand"]] == "1 EUR = 1,08108 USD (вручную)"
