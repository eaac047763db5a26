"""Money in a partner's tables to the cent as its cards round it: left to the browser, a commission of $3.125 read
"$3.13" in the Commissions table's "Amount, USD" beside "$3.12" on its Approved card and in its "Amount" column."""

from __future__ import annotations

from datetime import timedelta

from tests.reporting.conftest import NOW, Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_promo_codes import codes  # noqa: F401 (the fixture: the child's code SPRING brought an FTD)

FEED = "commission_id,partner_id,ts,amount,currency,kind,status,conversion_id\n"


def _half_cents(program: Program) -> None:
    """The parent paid $0.005 for its link's FTD f1 (in place of the CPA), the child a bonus of $10.125: their
    commissions end in .xx5."""
    day = (NOW - timedelta(days=1)).date()
    program.tiny.write("commissions", "half.csv", FEED
                       + f"h1,{program.tiny.parent},{day}T09:00:00Z,0.005,USD,bonus,approved,f1\n"
                       + f"h2,{program.tiny.child},{day}T09:00:00Z,10.125,USD,bonus,approved,\n")  # fmt: skip
    program.tiny.run(NOW + timedelta(minutes=5))


def _money(at, header: str) -> list[float]:  # type: ignore[no-untyped-def]
    values = [float(v) for v in at.dataframe[0].value[header] if v == v]
    assert values, header
    return values


def _in_cents(values: list[float]) -> bool:
    return all(v == round(v, 2) for v in values)


def test_partner_tables_show_money_to_the_cent(program: Program) -> None:
    _half_cents(program)
    user = program.users["p_parent"]
    commissions = open_page("pages/03_commissions.py", user)
    assert not commissions.exception
    amounts = _money(commissions, "Amount, USD")
    assert _in_cents(amounts) and 0.0 in amounts  # the half cent as its card says it: $0.00
    links = open_page("pages/06_links.py", user)
    assert not links.exception and _in_cents(_money(links, "Commission"))
    tree = open_page("pages/04_subpartners.py", user)
    assert not tree.exception
    assert 10.12 in _money(tree, "Commission")  # $10.125: rounded half to even, as Reports and the cards round it
    assert _in_cents(_money(tree, "Override earned"))


def test_promo_code_figures_show_money_to_the_cent(codes: Program) -> None:  # noqa: F811
    day = (NOW - timedelta(days=1)).date()  # the FTD the child's code SPRING brought, paid $100.005 (not the CPA)
    codes.tiny.write(
        "commissions", "half.csv", FEED + f"h3,{codes.tiny.child},{day}T09:00:00Z,100.005,USD,cpa,approved,p2\n"
    )
    codes.tiny.run(NOW + timedelta(minutes=5))
    at = open_page("pages/08_promo_codes.py", codes.users["p_child"])
    assert not at.exception and _money(at, "Commission") == [100.0]
