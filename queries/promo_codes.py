"""What each promo code brought in a period: conversions attributed through the code (not those a click attributed
that also carried it), and the commission on them, in the viewer's time zone and scope."""

from __future__ import annotations

from datetime import date

import polars as pl

from cabinet.access import Scope
from queries.commissions import LIVE
from queries.reports import check_period, utc_bounds
from queries.scope_sql import SCOPE_WHERE, scope_params
from queries.warehouse import Warehouse

COUNTED = ("pending", "approved")
FIGURES_SQL = f"""
with conv as (
    select conversion_id, partner_id, upper(promo_code) as code, ts, type, status, amount_base
    from conversions where {SCOPE_WHERE} and attributed_by = 'promo_code'
),
counts as (
    select code,
           count(*) filter (where type = 'registration' and status in {COUNTED}) as registrations,
           count(*) filter (where type = 'ftd' and status in {COUNTED}) as ftds,
           count(*) filter (where type = 'sale' and status in {COUNTED}) as sales,
           coalesce(sum(amount_base) filter (where type in ('revenue', 'sale') and status in {COUNTED}), 0) as revenue
    from conv where ts >= $start and ts < $end group by code
),
money as (
    select c.code, sum(cm.amount_base) as commission
    from commissions cm join conv c on c.conversion_id = cm.conversion_id and c.partner_id = cm.partner_id
    where cm.ts >= $start and cm.ts < $end and cm.status in {LIVE}
    group by c.code
)
select code, coalesce(registrations, 0) as registrations, coalesce(ftds, 0) as ftds, coalesce(sales, 0) as sales,
       coalesce(revenue, 0)::double as revenue, coalesce(commission, 0)::double as commission
from counts full join money using (code)
order by code
"""


class PromoError(ValueError):
    """A request that cannot be answered (bad dates or time zone)."""


def code_figures(scope: Scope, *, wh: Warehouse, date_from: date, date_to: date, tz: str) -> pl.DataFrame:
    """One row per promo code that brought anything in the local days `date_from`..`date_to` (codes upper-case):
    registrations, FTDs, sales, revenue and commission (every status but rejected and reversed), base currency."""
    check_period(date_from, date_to, tz, PromoError)
    start, end = utc_bounds(date_from, date_to, tz)
    cur = wh.cursor()
    try:
        return cur.sql(FIGURES_SQL, params=scope_params(scope, start=start, end=end)).pl()
    finally:
        cur.close()
