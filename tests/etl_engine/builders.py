"""Builders of tiny hand-built warehouses for the commission engine, rollup and compaction tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

T0 = datetime(2026, 10, 5, 12, 0, 0)


class Warehouse:
    """A DuckDB warehouse with helpers to insert dimensions and facts directly."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.run_id = 1
        con.execute("insert into dim_settings values ('base_currency', 'USD')")

    def plan(self, plan_id: int, type_: str = "cpa", currency: str = "USD", **fields: Any) -> None:
        """Insert a plan; JSON fields are given as Python values."""
        self.con.execute(
            "insert into dim_plans values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                plan_id,
                f"plan {plan_id}",
                type_,
                currency,
                json.dumps(fields.get("cpa_amounts", {})),
                Decimal(str(fields.get("ftd_baseline", "0"))),
                Decimal(str(fields.get("revshare_pct", "0"))),
                json.dumps(fields.get("volume_tiers", [])),
                json.dumps(fields.get("subpartner_override_pct", [])),
                fields.get("hold_days", 0),
            ],
        )

    def partner(self, partner_id: int, plan_id: int | None, parent_id: int | None = None) -> None:
        """Insert a partner and its closure rows (parents must exist first)."""
        self.con.execute(
            "insert into dim_partners (partner_id, name, status, tier_code, parent_id, plan_id, currency) "
            "values (?, ?, 'active', 'basic', ?, ?, 'USD')",
            [partner_id, f"p{partner_id}", parent_id, plan_id],
        )
        if parent_id is not None:
            self.con.execute(
                "insert into dim_partner_tree select ancestor_id, ?, level + 1 from dim_partner_tree "
                "where descendant_id = ? union all select ?, ?, 1",
                [partner_id, parent_id, parent_id, partner_id],
            )

    def fx(self, date: str, currency: str, rate: str) -> None:
        """Insert an FX rate (base units per one unit of currency)."""
        self.con.execute("insert into fx_rates values (?, ?, ?)", [date, currency, Decimal(rate)])

    def conversion(
        self,
        conversion_id: str,
        partner_id: int,
        type_: str,
        ts: datetime = T0,
        amount: str | None = None,
        currency: str = "USD",
        status: str = "pending",
        offer_id: int = 1,
        country: str = "DE",
        device: str = "mobile",
        sub1: str | None = None,
        link_id: int | None = None,
        customer_id: str | None = None,
    ) -> None:
        """Insert or update a conversion, marked as changed by the current run."""
        amount_dec = None if amount is None else Decimal(amount)
        rate = Decimal(1)
        if currency != "USD" and amount is not None:
            row = self.con.execute(
                "select rate from fx_rates where currency = ? and date <= ?::date order by date desc limit 1",
                [currency, ts],
            ).fetchall()
            rate = row[0][0]
        base = None if amount_dec is None else (amount_dec * rate).quantize(Decimal("0.0001"))
        self.con.execute(
            "insert or replace into conversions (conversion_id, ts, updated_at, type, status, partner_id, offer_id,"
            " link_id, attributed_by, amount, currency, amount_base, fx_rate, country, device, sub1, run_id,"
            " updated_run_id, customer_id) values (?, ?, ?, ?, ?, ?, ?, ?, 'partner_id', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [conversion_id, ts, ts + timedelta(minutes=self.run_id), type_, status, partner_id, offer_id, link_id,
             amount_dec, currency, base, rate, country, device, sub1, self.run_id, self.run_id, customer_id],
        )  # fmt: skip

    def set_status(self, conversion_id: str, status: str, at: datetime | None = None) -> None:
        """Apply a status update to a conversion in the current run."""
        self.con.execute(
            "update conversions set status = ?, updated_at = coalesce(?, updated_at), updated_run_id = ? "
            "where conversion_id = ?",
            [status, at, self.run_id, conversion_id],
        )

    def feed_commission(self, commission_id: str, partner_id: int, amount: str, conversion_id: str | None = None,
                        kind: str = "cpa", status: str = "approved", ts: datetime = T0) -> None:  # fmt: skip
        """Insert a commission from the feed."""
        self.con.execute(
            "insert into commissions (commission_id, source, partner_id, conversion_id, ts, kind, status, amount,"
            " currency, amount_base, fx_rate, offer_id, run_id, updated_run_id)"
            " values (?, 'feed', ?, ?, ?, ?, ?, ?, 'USD', ?, 1, 1, ?, ?)",
            [commission_id, partner_id, conversion_id, ts, kind, status, Decimal(amount), Decimal(amount),
             self.run_id, self.run_id],
        )  # fmt: skip

    def commissions(self, where: str = "true", params: list[Any] | None = None) -> dict[str, dict[str, Any]]:
        """Commission rows by id, as dicts."""
        rel = self.con.sql(f"select * from commissions where {where} order by commission_id", params=params or [])
        return {row[0]: dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()}

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every commission row, for idempotency checks."""
        return self.con.execute("select * from commissions order by commission_id").fetchall()
