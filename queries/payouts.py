"""A partner's payout ledger in the base currency: approved commission (warehouse) against its payout requests
(store, passed in: the store is fresher than the last snapshot), each converted at the FX rate of its request day.
The Payouts page, a manager's decision on a request (`cabinet.payouts.decide`) and the Dashboard's balance all work
it out here, so they say the same.

The ledger keeps the exact amounts (approved commission has four decimals; a payout in another currency is converted
at its rate, to four) and each page shows a figure of it rounded once by the money rule
(`cabinet.formatting.shown_amount`), as Commissions and Reports show approved commission: $16,625.3551 is "$16,625.36"
on every page. Only what a request may ask (`Ledger.available`) is rounded down to the base currency's minor unit
(`payable_amount`: whole cents of dollars or euros, whole yen, thousandths of a dinar), as payouts are asked and paid,
the fraction left waiting for a later payout; the pages say so where it reads less than the figures beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Context, Decimal

from babel.numbers import get_currency_precision

from cabinet.access import Scope
from cabinet.errors import RefusedRequest
from cabinet.formatting import floored_amount, shown_amount
from queries.scope_sql import scope_params, scope_where_one
from queries.warehouse import Warehouse


def payable_amount(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded down (towards less money, below zero too) to the minor unit of `currency`, the program's base
    currency: payouts are asked and paid in it (whole cents of dollars, whole yen, thousandths of a dinar), commission
    has four decimals."""
    return floored_amount(amount, currency)


# exact, as Commissions and Reports sum it
APPROVED_SQL = f"""
select coalesce(sum(amount_base), 0)::decimal(18, 4) from commissions
where {scope_where_one()} and status = 'approved'
"""
BASE_CURRENCY_SQL = "coalesce((select upper(value) from dim_settings where key = 'base_currency'), 'USD')"
BASE_CURRENCY_QUERY = f"select {BASE_CURRENCY_SQL}"  # the ledger names the currency its amounts are in


def base_rate_sql(currency: str) -> str:
    """The rate to the base currency of a payout in `currency` (a column, from code), joined as `fx` by the rate of
    its day or the last before it: 1 for the base currency, NULL when the warehouse has no rate for it."""
    return f"case when upper({currency}) = {BASE_CURRENCY_SQL} then 1::decimal(18, 8) else fx.rate end"


# payouts without a rate are listed, not counted at 1
TO_BASE_SQL = f"""
select coalesce(sum(r.amount * {base_rate_sql("r.currency")}), 0)::decimal(18, 4),
       string_agg(distinct r.currency, ', ' order by r.currency) filter (where {base_rate_sql("r.currency")} is null)
from (select unnest($amounts::decimal(18, 4)[]) as amount, unnest($currencies::varchar[]) as currency,
             unnest($days::date[]) as day) r
asof left join fx_rates fx on fx.currency = r.currency and r.day >= fx.date
"""


# the rate of each currency on `day`, or the most recent earlier one (METRICS: event date or most recent earlier rate)
RATES_SQL = f"""
select r.currency, {base_rate_sql("r.currency")} as rate, fx.date
from (select unnest($currencies::varchar[]) as currency, $day::date as day) r
asof left join fx_rates fx on fx.currency = r.currency and r.day >= fx.date
order by r.currency
"""
RATED_SQL = "select distinct upper(currency) from fx_rates order by 1"
CROSS = Context(prec=12)  # digits of a rate between two currencies, as a payment file says it


class MissingRate(RefusedRequest):
    """Payouts in a currency the warehouse has no FX rate for (on or before their day): a balance would be wrong."""

    def __init__(self, currencies: str) -> None:
        super().__init__(f"no FX rate for {currencies}", "payouts.no_rate", currencies=currencies)


@dataclass(frozen=True)
class Rate:
    """A currency's FX rate as the warehouse holds it: base currency units per 1 unit of `currency` (1 for the base
    currency itself), and the date of the rate (None for the base currency)."""

    currency: str
    rate: Decimal
    day: date | None


@dataclass(frozen=True)
class Conversion:
    """An amount in another currency: `amount` in `currency`, rounded down to the currency's minor unit (never more
    than the amount it comes from); `rate`: units of `currency` per 1 unit of the source currency, the figure the
    amount was worked out with; `day`: the date of the FX rates used (the older one), None when none was needed."""

    amount: Decimal
    currency: str
    rate: Decimal
    day: date | None


def rates(*, wh: Warehouse, currencies: Sequence[str], day: date) -> dict[str, Rate]:
    """The rates of `currencies` (ISO codes, any case) on `day`, or the most recent earlier ones; a currency the
    warehouse has no such rate for is left out (the caller says so, never guesses one)."""
    wanted = sorted({c.strip().upper() for c in currencies if c and c.strip()})
    if not wanted:
        return {}
    cur = wh.cursor()
    try:
        rows = cur.sql(RATES_SQL, params={"currencies": wanted, "day": day}).fetchall()
    finally:
        cur.close()
    return {str(c): Rate(str(c), Decimal(r), d) for c, r, d in rows if r is not None}


def rate(*, wh: Warehouse, currency: str, day: date) -> Rate:
    """The rate of `currency` on `day` or the most recent earlier one; `MissingRate` when the warehouse has none."""
    found = rates(wh=wh, currencies=[currency], day=day).get(currency.strip().upper())
    if found is None:
        raise MissingRate(currency.strip().upper())
    return found


def rated_currencies(*, wh: Warehouse) -> list[str]:
    """The currencies the warehouse has FX rates for (the base currency is not among them: it needs none)."""
    cur = wh.cursor()
    try:
        return [str(c) for (c,) in cur.sql(RATED_SQL).fetchall()]
    finally:
        cur.close()


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency` a payment is made in: 0.01 for EUR, 1 for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def convert(amount: Decimal, source: Rate, target: Rate) -> Conversion:
    """`amount` in `source.currency` as an amount in `target.currency`, through the base currency both rates are
    quoted in; rounded down to the target's minor unit, so a payment never sends more than the amount is worth."""
    if source.currency == target.currency:
        return Conversion(amount.quantize(minor_unit(target.currency), rounding=ROUND_DOWN), target.currency,
                          Decimal(1), None)  # fmt: skip
    cross = CROSS.divide(source.rate, target.rate).normalize()
    days = [d for d in (source.day, target.day) if d is not None]
    out = (amount * cross).quantize(minor_unit(target.currency), rounding=ROUND_DOWN)
    return Conversion(out, target.currency, cross, min(days) if days else None)


@dataclass(frozen=True)
class Ledger:
    """All in the base currency (`currency`): approved commission, payouts approved or paid, the open request, what is
    left."""

    approved: Decimal
    paid_out: Decimal
    requested: Decimal
    currency: str = "USD"

    @property
    def balance(self) -> Decimal:
        """Approved commission not yet paid out (the Dashboard's balance)."""
        return self.approved - self.paid_out

    @property
    def available(self) -> Decimal:
        """What a new request may ask for: the balance less what is already requested, rounded down to the currency's
        minor unit, as a request is (`payable_amount`). Rounded to the nearest cent, $1,924.9199 was "$1,924.92"
        available, a request of all of it was cut to $1,924.91, and a stray $0.01 stayed available; rounded down to
        the cent whatever the currency, ¥1,000.60 was "¥1,001" available and a request of ¥1,001 refused."""
        return max(Decimal(0), payable_amount(self.left, self.currency))

    @property
    def left(self) -> Decimal:
        """The balance less the open request, exact: what `available` is of, rounded down."""
        return self.balance - self.requested

    @property
    def rounded_down(self) -> bool:
        """Whether `available` reads less than `left` rounded as every figure is ("$50.00" of $50.0055, which reads
        "$50.01"; "¥1,000" of ¥1,000.60, which reads "¥1,001"): the page then says why, as the cards beside it do not
        subtract to it."""
        return self.left > 0 and shown_amount(self.left, self.currency) != self.available


def ledger_cards(metrics: tuple[str, ...] | list[str], payouts: bool, page: str) -> tuple[str, ...]:
    """The figures of the ledger (`Ledger` fields, `balance` included) a login is shown on `page` ("payouts" or
    "dashboard"), in order. Approved commission only for a tier that shows `commission`; a login that handles payouts
    (`payouts`: the tier's feature, kept from team members without payout access) gets its balance without it, the
    money it may ask for, on both pages alike: the Dashboard's Balance is the Payouts page's, and its Available
    while no request is open (less the open one's amount while one is). None without either."""
    approved = "commission" in metrics
    if page == "payouts":
        return ("approved" if approved else "balance", "paid_out", "requested", "available") if payouts else ()
    if page == "dashboard":
        return ("balance", *(("approved",) if approved else ()), "paid_out") if approved or payouts else ()
    raise ValueError(f"unknown page {page!r}")


def ledger(scope: Scope, *, wh: Warehouse, partner_id: int | None,
           requests: Sequence[tuple[Decimal, str, datetime, str]]) -> Ledger:  # fmt: skip
    """The ledger of `partner_id` from its requests (amount, currency, requested at, status); of every partner of the
    scope together when None (a manager's or admin's Dashboard), from all their requests. Exact amounts (four
    decimals) in the snapshot's base currency, which the ledger names: the pages round each figure once as they show
    it, to that currency's minor unit."""
    if partner_id is not None:
        scope.require([partner_id])
    cur = wh.cursor()
    try:
        approved = cur.sql(APPROVED_SQL, params=scope_params(scope, partner=partner_id)).fetchall()[0][0]

        def to_base(statuses: tuple[str, ...]) -> Decimal:
            rows = [r for r in requests if r[3] in statuses]
            params = {"amounts": [r[0] for r in rows], "currencies": [r[1] for r in rows],
                      "days": [r[2].date() for r in rows]}  # fmt: skip
            total, missing = cur.sql(TO_BASE_SQL, params=params).fetchall()[0]
            if missing:
                raise MissingRate(missing)
            return Decimal(total)

        base = str(cur.sql(BASE_CURRENCY_QUERY).fetchall()[0][0])
        return Ledger(Decimal(approved), to_base(("approved", "paid")), to_base(("requested",)), base)
    finally:
        cur.close()
