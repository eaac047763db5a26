"""Payouts: both tables of requests. With a request paid by hand in another currency the staff's queue took 1095 px
of columns here (1322 in Russian; 1122 and 1369 in the demo), a partner's own list 846 (993): the amount sent and its
rate in a Sent column of their own, the partner's currency in another ('Paid in', 'Валюта выплат'), 'Банковский
перевод', 'Доступно к выплате'. What was sent follows the amount asked ('$20.00 → €18.50', '$5.00 → EUR' for one still
to pay in euros), its rate in a column of its own, last ('1 EUR = 1.08108 USD (by hand)'); a bank transfer is 'Bank'
('Банк'), USDT on TRC-20 'USDT', the balance 'Balance before' ('Баланс до'), full names on hover. Texts read whole;
what a request is stays in sight at 1280 px. The downloads keep every column as before."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, update

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, PayoutRequest
from cabinet.ui.fit import TABLE_PX, column_px
from tests.reporting.conftest import Program
from tests.reporting.table_width import columns_px
from tests.reporting.test_download_headers import Files, _csv, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru as open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payout_sent_source import _paid

PAGE = "pages/09_payouts.py"
SHOWN = ["requested", "approved", "paid"]
LONG_NAME = "Alpha Media Performance Group"
LONG_REFERENCE = "SEPA-2026-12-06-000417-ALPHA"


def _made(program: Program, engine: Engine) -> dict[str, int]:
    """`_paid`'s requests, the one paid by hand with a long bank reference, their partner with a long name."""
    made = _paid(program, engine)
    with session_scope(engine) as s:
        s.execute(update(Partner).where(Partner.id == program.tiny.parent).values(name=LONG_NAME))
        s.execute(update(PayoutRequest).where(PayoutRequest.id == made["hand"]).values(reference=LONG_REFERENCE))
    return made


def _open(program: Program, user: str, locale: str):  # type: ignore[no-untyped-def]
    if locale == "ru":
        return open_ru(program, user, PAGE, payouts_statuses=SHOWN)
    at = open_page(PAGE, program.users[user])
    if user == "mgr":
        at.multiselect(key="payouts_statuses").set_value(SHOWN).run()
    return at


@pytest.mark.parametrize("user", ["mgr", "p_parent"])
@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_text_reads_whole_what_a_request_is_in_sight(
    program: Program, store_engine: Engine, user: str, locale: str
) -> None:
    """The rate, the partner's name and a long reference were cut at their end to fit 818 px (whole only on a
    double-click; "2 · Nordic Media" of "2 · Nordic Media 2" in the demo's Russian queue). Each column is now as wide
    as its texts, the rate in a column of its own, last; the request, its partner, when, the amount, the balance and
    the status stay in sight at 1280 px."""
    made = _made(program, store_engine)
    at = _open(program, user, locale)
    assert not at.exception, at.exception
    [grid] = at.dataframe
    widths = columns_px(grid)

    def said(key: str, **values: object) -> str:
        return translate(key, locale, **values)

    table = grid.value.set_index(said("payouts.head_id"))
    heads = list(grid.value.columns)
    for head in heads:  # every text whole, however far down
        assert widths[head] >= column_px(grid.value[head].dropna(), head), head
    amount, rate = said("payouts.col_amount"), said("payouts.col_fx_rate")
    assert heads[-1] == rate  # rarely needed: last
    assert not {"Sent", "Paid in", "Отправлено", "Валюта выплат"} & set(table.columns)  # said with the amount
    asked, sent = ("$20.00", "€18.50") if locale == "en" else ("20,00\xa0$", "18,50\xa0€")
    assert table.loc[made["hand"], amount] == said("payouts.amount_sent", asked=asked, sent=sent)
    one = "1,08108" if locale == "ru" else "1.08108"
    marked = said("payouts.sent_marked_hand", sent=f"1 EUR = {one} USD") if user == "mgr" else f"1 EUR = {one} USD"
    assert table.loc[made["hand"], rate] == marked  # a partner's own list: the rate alone (its source downloaded)
    first = [said("payouts.head_id"), said("payouts.col_requested", zone="UTC"), amount, said("payouts.col_status")]
    method = said("payouts.col_method")
    assert set(table[method]) == {said("payouts.method_wire_short")}
    hover = json.loads(grid.proto.columns)
    assert hover[method]["help"] == said("payouts.col_method_help")
    assert hover[amount]["help"] == said("payouts.col_amount_help")
    assert hover[rate]["help"] == said("payouts.col_rate_help" if user == "mgr" else "payouts.col_rate_help_own")
    if locale == "ru":  # "№" over ids of a few digits, "Запрос" on hover
        assert said("payouts.head_id") == "№" and hover["№"]["help"] == "Запрос"
    reference = said("payouts.col_reference_short")
    assert table.loc[made["hand"], reference] == LONG_REFERENCE
    if user == "mgr":
        partner = said("payouts.col_partner")
        assert table.loc[made["hand"], partner] == f"{program.tiny.parent} · {LONG_NAME}"
        assert table.loc[made["approved"], amount] == said("payouts.amount_sent", asked=asked.replace("20", "5"),
                                                           sent="EUR")  # fmt: skip
        available = said("payouts.col_available_short")
        assert hover[available]["help"] == said("payouts.col_available_help")
        first += [partner, available]
    assert sum(widths[h] for h in first) <= TABLE_PX, widths


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_partners_own_list_with_a_rate_fits_the_page(program: Program, store_engine: Engine, locale: str) -> None:
    """A partner's own list went past the page's edge once a request had a rate, the rate said with where it came
    from ("1 EUR = 1.087 USD (by hand)": 837 px of 818 in the demo, 851 in Russian). It says the rate alone now, whole,
    every column within the page; where the rate came from is in the download ("Amount and rate from")."""
    made = _paid(program, store_engine)
    at = _open(program, "p_parent", locale)
    assert not at.exception, at.exception
    [grid] = at.dataframe
    widths = columns_px(grid)
    rate = translate("payouts.col_fx_rate", locale)
    assert list(grid.value.columns)[-1] == rate
    said = grid.value.set_index(translate("payouts.head_id", locale))[rate]
    assert said[made["file"]] == ("1 EUR = 1.1 USD" if locale == "en" else "1 EUR = 1,1 USD")
    assert widths[rate] >= column_px(said.dropna(), rate)  # whole
    assert sum(widths.values()) <= TABLE_PX, widths


def test_the_downloads_keep_every_column(program: Program, store_engine: Engine, files: Files) -> None:  # noqa: F811
    _made(program, store_engine)
    at = _open(program, "mgr", "en")
    assert not at.exception, at.exception
    header, *rows = _csv(files, "payout_queue")
    assert header[-5:] == ["Amount sent", "Currency sent", "Exchange rate", "Rate of", "Amount and rate from"]
    assert {"Method", "Decided", "Reference", "Amount", "Currency"} <= set(header)
    assert LONG_REFERENCE in {r[header.index("Reference")] for r in rows}
    assert "wire" in {r[header.index("Method")] for r in rows}  # the method's code, as before
