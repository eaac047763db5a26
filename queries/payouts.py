"""A partner's payout ledger in the base currency: approved commission (warehouse) against its payout requests
(store, passed in: the store is fresher than the last snapshot), each converted at the FX rate of its request day.
The Payouts page, a manager's decision on a request (`cabinet.payouts.decide`) and the Dashboard's balance all work
it out here, so they say the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from cabinet.access import Scope
from cabinet.errors import RefusedRequest
from queries.scope_sql import scope_params, scope_where_one
from queries.warehouse import Warehouse

CENT = Decimal("0.01")


def whole_cents(amount: Decimal) -> Decimal:
    """`amount` to the cent, rounded down: payouts are asked and paid in whole cents, commission has four decimals."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


APPROVED_SQL = f"""
select coalesce(sum(amount_base), 0) from commissions
where {scope_where_one()} and status = 'approved'
"""
BASE_CURRENCY_SQL = "coalesce((select upper(value) from dim_settings where key = 'base_currency'), 'USD')"


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


class MissingRate(RefusedRequest):
    """Payouts in a currency the warehouse has no FX rate for (on or before their day): a balance would be wrong."""

    def __init__(self, currencies: str) -> None:
        super().__init__(f"no FX rate for {currencies}", "payouts.no_rate", currencies=currencies)


@dataclass(frozen=True)
class Ledger:
    """All in the base currency: approved commission, payouts approved or paid, the open request, what is left."""

    approved: Decimal
    paid_out: Decimal
    requested: Decimal

    @property
    def balance(self) -> Decimal:
        """Approved commission not yet paid out (the Dashboard's balance)."""
        return self.approved - self.paid_out

    @property
    def available(self) -> Decimal:
        """What a new request may ask for: the balance less what is already requested, in whole cents (rounded down, as
        a request is). Commission has four decimals: shown rounded to the nearest cent, $1,924.9199 was "$1,924.92"
        available, a request of all of it was cut to $1,924.91, and a stray $0.01 stayed available."""
        return max(Decimal(0), whole_cents(self.balance - self.requested))


def ledger_cards(metrics: tuple[str, ...] | list[str], payouts: bool, page: str) -> tuple[str, ...]:
    """The figures of the ledger (`Ledger` fields, `balance` included) a login is shown on `page` ("payouts" or
    "dashboard"), in order. Approved commission only for a tier that shows `commission`; a login that handles payouts
    (`payouts`: the tier's feature, kept from team members without payout access) gets its balance without it, the
    money it may ask for, on both pages alike: the Dashboard's Balance is the Payouts page's. None without either."""
    approved = "commission" in metrics
    if page == "payouts":
        return ("approved" if approved else "balance", "paid_out", "requested", "available") if payouts else ()
    if page == "dashboard":
        return ("balance", *(("approved",) if approved else ()), "paid_out") if approved or payouts else ()
    raise ValueError(f"unknown page {page!r}")


def ledger(scope: Scope, *, wh: Warehouse, partner_id: int | None,
           requests: Sequence[tuple[Decimal, str, datetime, str]]) -> Ledger:  # fmt: skip
    """The ledger of `partner_id` from its requests (amount, currency, requested at, status); of every partner of the
    scope together when None (a manager's or admin's Dashboard), from all their requests."""
    if partner_id is not None:
        scope.require([partner_id])
    cur = wh.cursor()
    try:
        approved = cur.sql(APPROVED_SQL, params=scope_params(scope) | {"partner": partner_id}).fetchall()[0][0]

        def to_base(statuses: tuple[str, ...]) -> Decimal:
            rows = [r for r in requests if r[3] in statuses]
            params = {"amounts": [r[0] for r in rows], "currencies": [r[1] for r in rows],
                      "days": [r[2].date() for r in rows]}  # fmt: skip
            total, missing = cur.sql(TO_BASE_SQL, params=params).fetchall()[0]
            if missing:
                raise MissingRate(missing)
            return Decimal(total)

        return Ledger(Decimal(approved), to_base(("approved", "paid")), to_base(("requested",)))
    finally:
        cur.close()
