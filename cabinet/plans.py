"""Commission plans: parse and validate a plan (a store row or its `dim_plans` snapshot) into exact terms.

The engine prices with them (`etl.commission_plans` stages them as temp tables); the cabinet shows a partner its
plan with them (`queries.plan`).

Plan JSON shapes (see `cabinet.store.models.CommissionPlan`):
- `cpa_amounts`: {"registration": "2", "ftd": "150", ...} — CPA amount per conversion type, in the plan currency.
- `ftd_baseline`: an FTD qualifies for CPA only when its amount, in the plan currency, is >= this.
- `revshare_pct`: percent of revenue lines (30 = 30%).
- `volume_tiers`: [{"min_count": 1, "cpa_ftd": "100", "revshare_pct": "25"}, {"min_count": 51, ...}], strictly
  ascending by `min_count`. Keys a tier may carry:
    * `min_count` (required, integer >= 0): the tier applies from the N-th counted conversion of a calendar month on;
    * `cpa_<type>` for type in registration, ftd, deposit, sale, lead: the CPA amount of that type in this tier;
    * `revshare_pct`: the RevShare percent in this tier.
  A value a tier does not carry falls back to the plan's base value. For CPA of type t, N is the progressive count of
  the partner's qualifying conversions of type t in the month; for RevShare, N is the count of qualifying FTDs of the
  month up to the revenue line. When no tier's `min_count` <= N, the base values apply.
- `subpartner_override_pct`: ["5", "2", "1"] — percent of each level-k descendant's commission (k = 1, 2, 3).
- `hold_days`: days after the conversion before an approved conversion's commission is approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CPA_TYPES = ("registration", "ftd", "deposit", "sale", "lead")
PLAN_TYPES = ("cpa", "revshare", "hybrid")
TIER_KEYS = ("min_count", "revshare_pct", *(f"cpa_{t}" for t in CPA_TYPES))


class PlanError(ValueError):
    """A commission plan in the store is malformed; the message names the plan, the field and the fix."""


@dataclass(frozen=True)
class Tier:
    """One volume tier: from `min_count` on, these CPA amounts / RevShare percent apply."""

    number: int
    min_count: int
    max_count: int | None
    cpa: dict[str, Decimal]
    revshare_pct: Decimal | None


@dataclass(frozen=True)
class Plan:
    """A validated commission plan."""

    plan_id: int
    name: str
    type: str
    currency: str
    cpa: dict[str, Decimal]
    ftd_baseline: Decimal
    revshare_pct: Decimal
    tiers: tuple[Tier, ...]
    override_pct: tuple[Decimal, ...]
    hold_days: int


def _load_json(value: Any, default: Any) -> Any:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return json.loads(value)
    return value


def _decimal(where: str, value: Any, *, pct: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PlanError(f'{where}: {value!r} is not a number; write a decimal such as "12.50"') from None
    if not number.is_finite() or number < 0:
        raise PlanError(f"{where}: {value!r} must be a number >= 0")
    if pct and number > 100:
        raise PlanError(f"{where}: {value!r} is a percent and must be <= 100")
    return number


def _parse_tiers(where: str, raw: Any) -> tuple[Tier, ...]:
    if not isinstance(raw, list):
        raise PlanError(f"{where}: volume_tiers must be a list of objects, got {type(raw).__name__}")
    parsed: list[tuple[int, dict[str, Decimal], Decimal | None]] = []
    for i, item in enumerate(raw):
        here = f"{where}: volume_tiers[{i}]"
        if not isinstance(item, dict):
            raise PlanError(f'{here}: must be an object such as {{"min_count": 51, "cpa_ftd": "120"}}')
        unknown = sorted(set(item) - set(TIER_KEYS))
        if unknown:
            raise PlanError(f"{here}: unknown key {unknown[0]!r}; allowed keys: {', '.join(TIER_KEYS)}")
        if "min_count" not in item:
            raise PlanError(f"{here}: min_count is required")
        min_count = item["min_count"]
        if isinstance(min_count, bool) or not isinstance(min_count, int | str) or not str(min_count).isdecimal():
            raise PlanError(f"{here}: min_count must be an integer >= 0, got {min_count!r}")
        count = int(min_count)
        if parsed and count <= parsed[-1][0]:
            raise PlanError(f"{here}: min_count {count} must be greater than the previous tier's {parsed[-1][0]}")
        cpa = {key[4:]: _decimal(f"{here}.{key}", v) for key, v in item.items() if key.startswith("cpa_")}
        pct = item.get("revshare_pct")
        parsed.append((count, cpa, None if pct is None else _decimal(f"{here}.revshare_pct", pct, pct=True)))
    tiers = []
    for i, (count, cpa, pct) in enumerate(parsed):
        upper = parsed[i + 1][0] - 1 if i + 1 < len(parsed) else None
        tiers.append(Tier(number=i + 1, min_count=count, max_count=upper, cpa=cpa, revshare_pct=pct))
    return tuple(tiers)


def parse_plan(row: dict[str, Any]) -> Plan:
    """Validate one `dim_plans` row (or a store plan as a dict) into a Plan; raises PlanError with a clear message."""
    plan_id = int(row["plan_id"])
    name = str(row.get("name") or "")
    where = f"commission plan {plan_id} {name!r}"
    plan_type = str(row.get("type") or "")
    if plan_type not in PLAN_TYPES:
        raise PlanError(f"{where}: type {plan_type!r} is not one of {', '.join(PLAN_TYPES)}")
    currency = str(row.get("currency") or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise PlanError(f"{where}: currency {currency!r} is not an ISO 4217 code")
    try:
        cpa_raw = _load_json(row.get("cpa_amounts"), {})
        tiers_raw = _load_json(row.get("volume_tiers"), [])
        override_raw = _load_json(row.get("subpartner_override_pct"), [])
    except json.JSONDecodeError as exc:
        raise PlanError(f"{where}: a JSON field is not valid JSON ({exc})") from None
    if not isinstance(cpa_raw, dict):
        raise PlanError(f'{where}: cpa_amounts must be an object such as {{"ftd": "150"}}')
    unknown = sorted(set(cpa_raw) - set(CPA_TYPES))
    if unknown:
        raise PlanError(f"{where}: cpa_amounts has unknown type {unknown[0]!r}; allowed: {', '.join(CPA_TYPES)}")
    cpa = {k: _decimal(f"{where}: cpa_amounts.{k}", v) for k, v in cpa_raw.items()}
    if not isinstance(override_raw, list):
        raise PlanError(f'{where}: subpartner_override_pct must be a list such as ["5", "2", "1"]')
    overrides = tuple(
        _decimal(f"{where}: subpartner_override_pct[{i}]", v, pct=True) for i, v in enumerate(override_raw)
    )
    hold_days = int(row.get("hold_days") or 0)
    if hold_days < 0:
        raise PlanError(f"{where}: hold_days must be >= 0, got {hold_days}")
    return Plan(
        plan_id=plan_id,
        name=name,
        type=plan_type,
        currency=currency,
        cpa=cpa,
        ftd_baseline=_decimal(f"{where}: ftd_baseline", row.get("ftd_baseline") or 0),
        revshare_pct=_decimal(f"{where}: revshare_pct", row.get("revshare_pct") or 0, pct=True),
        tiers=_parse_tiers(where, tiers_raw),
        override_pct=overrides,
        hold_days=hold_days,
    )
