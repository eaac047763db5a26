"""Amounts spelled as the systems that write the inbox spell a decimal."""

from __future__ import annotations

from decimal import Decimal

from tests.etl_ingest.conftest import Tiny, conserved

T = "2026-11-01T12:30:05Z"


def test_a_decimal_without_its_leading_zero_or_its_decimals_is_an_amount(tiny: Tiny) -> None:
    """Oracle writes 0.5 as `.5` (`TO_CHAR`, SQL*Plus spools): every such amount of an operator's export was a
    `bad_amount`, as was `12.` with a decimal point and no decimals. A decimal comma, an exponent, a thousands
    separator, a 5th decimal and a lone point stay bad amounts, in conversions and feed commissions alike."""
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\nk1,{T},{tiny.token}\n")
    amounts = {".5": "0.5", "-.25": "-0.25", "+.5": "0.5", "12.": "12", ".10000": "0.1", "0012.5": "12.5",
               ".12345": None, ".": None, "1e2": None, "12,5": None, "1_000": None, "-.": None}  # fmt: skip
    rows = "".join(f'v{i},{T},revenue,k1,"{a}"\n' for i, a in enumerate(amounts))
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id,amount\n" + rows)
    rows = "".join(f'm{i},{tiny.parent},{T},"{a}",USD\n' for i, a in enumerate(amounts))
    tiny.write("commissions", "m.csv", "commission_id,partner_id,ts,amount,currency\n" + rows)
    tiny.run()
    want = {i: Decimal(v) for i, v in enumerate(amounts.values()) if v is not None}
    got = tiny.rows("select conversion_id, amount from conversions")
    assert {int(c[1:]): a for c, a in got} == want
    got = tiny.rows("select commission_id, amount from commissions where rule = 'feed'")
    assert {int(c[1:]): a for c, a in got} == want
    bad = sorted(i + 1 for i, v in enumerate(amounts.values()) if v is None)
    for path in ("conversions/v.csv", "commissions/m.csv"):
        quarantined = tiny.rows("select row_number, reason from quarantine where path = ? order by 1", [path])
        assert quarantined == [(n, "bad_amount") for n in bad], path
    conserved(tiny)


def test_iso_4217_codes_for_no_currency_are_bad_currencies_not_missing_rates(tiny: Tiny) -> None:
    """XXX is ISO 4217's "no currency" (what a system writes when it has none), XTS its code for tests: such a row
    was `no_fx_rate`, whose hint asks for a rate that cannot exist, and a rate for XXX loaded."""
    tiny.write("clicks", "c.csv", f"click_id,ts,link_token\nk1,{T},{tiny.token}\n")
    tiny.write("fx_rates", "r.csv", "date,currency,rate\n2026-10-01,XXX,1.5\n2026-10-01,EUR,1.1\n")
    tiny.write("conversions", "v.csv", "conversion_id,ts,type,click_id,amount,currency\n"
               f"v1,{T},deposit,k1,5,XXX\nv2,{T},deposit,k1,5,xts\nv3,{T},deposit,k1,5,eur\n")  # fmt: skip
    tiny.run()
    assert tiny.rows("select path, row_number, reason from quarantine order by 1, 2") == [
        ("conversions/v.csv", 1, "bad_currency"), ("conversions/v.csv", 2, "bad_currency"),
        ("fx_rates/r.csv", 1, "bad_currency")]  # fmt: skip
    assert tiny.rows("select conversion_id, amount_base from conversions") == [("v3", Decimal("5.5"))]
    conserved(tiny)
