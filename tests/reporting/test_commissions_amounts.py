"""The Commissions page keeps to the amounts the tier shows, as the full export does: the explanation of an FTD's CPA
names its deposit only for a tier that shows deposit amounts (it still says that the baseline was reached)."""

from __future__ import annotations

from dataclasses import replace

from queries.commissions import explain, rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_commissions import _req
from tests.reporting.test_pages import _open

DEPOSIT = "$55.00"  # f1's 50 EUR at 1.10


def test_an_ftd_is_explained_without_its_deposit_where_the_tier_hides_deposit_amounts(program: Program) -> None:
    user = program.users["p_parent"]
    row = rows(user.scope, wh=Warehouse(program.tiny.settings.warehouse_dir), req=_req()).row(0, named=True)
    hidden = tuple(m for m in user.visible_metrics if m != "deposit_amount")
    assert explain(row, "en", hidden) == "CPA per FTD: $100.00, the deposit reached the FTD baseline of $20.00"
    assert explain(row, "ru", hidden).replace("\xa0", " ") == "CPA за FTD: 100,00 $, депозит не ниже порога FTD 20,00 $"
    assert DEPOSIT in explain(row, "en", user.visible_metrics) and DEPOSIT in explain(row, "en")  # staff: all

    at = _open("pages/03_commissions.py", replace(user, visible_metrics=hidden))
    assert not at.exception and not at.error
    how = [str(v) for v in at.dataframe[0].value.to_numpy().ravel()]
    assert any("baseline" in v for v in how) and not any(DEPOSIT in v for v in how)
    shown = _open("pages/03_commissions.py", user)
    assert any(DEPOSIT in str(v) for v in shown.dataframe[0].value.to_numpy().ravel())
