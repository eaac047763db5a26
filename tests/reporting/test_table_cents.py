"""Tables round money as the cards, emails and statements do, by the one money rule (`formatting.shown_amount`: half
to even, once): Polars rounded the double nearest $8.425 up, so a table said "$8.43" where a card said "$8.42"."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from cabinet.formatting import shown_amount
from cabinet.ui.widgets import to_cents

HALVES = ["8.425", "314981.585", "2.675", "-8.425", "0.005", "-0.004", "1827.055", "16384.005", "0", "-0.0050"]


@pytest.mark.parametrize("dtype", [pl.Float64, pl.Decimal(18, 4)])
def test_tables_round_money_as_every_figure_is_rounded(dtype: pl.DataType) -> None:
    values = [Decimal(v) for v in HALVES]
    frame = pl.DataFrame({"commission": [float(v) if dtype == pl.Float64 else v for v in values]},
                         schema={"commission": dtype})  # fmt: skip
    shown = to_cents(frame)["commission"].to_list()
    assert shown == [float(shown_amount(v)) for v in values]
    assert all(str(v) != "-0.0" for v in shown)


def test_many_amounts_of_four_decimals_round_as_the_cards_do() -> None:
    values = [Decimal(n).scaleb(-4) for n in range(-2_000_050, 2_000_050, 37)]
    shown = to_cents(pl.DataFrame({"revenue": [float(v) for v in values]}))["revenue"].to_list()
    assert shown == [float(shown_amount(v)) for v in values]
