"""Commission plans (admins): add a plan and change one — type, currency, CPA per conversion type, FTD baseline,
RevShare percent, volume tiers, sub-partner overrides per level, hold days — every change audit-logged old → new.

A plan is checked here with the cabinet's messages, then by `cabinet.plans.parse_plan`, the engine's own parser, so a
saved plan is always one the next ETL run can price with. A value the plan's type would ignore (a CPA amount on a
RevShare plan, a percent on a CPA plan) is refused rather than kept unused. A change reprices the pending and held
commissions of the plan's partners at the next ETL run; approved and paid ones keep their amounts (see README,
"Commission plans").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit_acted
from cabinet.errors import FieldsNow, Label, Number, RefusedRequest
from cabinet.formatting import in_digits, name_order, number_text
from cabinet.mail import tell_partner
from cabinet.plans import CPA_TYPES, PLAN_TYPES, PlanError, parse_plan
from cabinet.store.db import locked_row
from cabinet.store.models import CommissionPlan, Partner

NAME_MAX = 120
MAX_AMOUNT = Decimal("1000000")  # per conversion, in the plan currency
MAX_HOLD_DAYS = 365
MAX_LEVELS = 5  # override levels (as deep as a tier's sub-partner view goes)
MAX_TIERS = 20
CURRENCIES = frozenset(c for c in list_currencies() if len(c) == 3 and c.isalpha() and c.isupper())
FIELDS = ("name", "type", "currency", "cpa_amounts", "ftd_baseline", "revshare_pct", "volume_tiers",
          "subpartner_override_pct", "hold_days")  # fmt: skip
TIER_COLUMNS = ("min_count", *(f"cpa_{t}" for t in CPA_TYPES), "revshare_pct")


class PlanEditError(RefusedRequest):
    """A plan that cannot be saved; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class PlanChange:
    """A plan as the form sets it, amounts as typed ("" = none): CPA per conversion type, the tiers as rows of
    TIER_COLUMNS, the override percent of level 1, 2, ... (a blank level pays nothing)."""

    name: str
    type: str
    currency: str
    cpa_amounts: dict[str, str] = field(default_factory=dict)
    ftd_baseline: str = ""
    revshare_pct: str = ""
    volume_tiers: tuple[dict[str, str], ...] = ()
    overrides: tuple[str, ...] = ()
    hold_days: int = 0


@dataclass(frozen=True)
class PlanRow:
    """A plan as the list shows it."""

    id: int
    name: str
    type: str
    currency: str
    cpa_amounts: dict[str, str]
    revshare_pct: str
    tiers: int
    overrides: str
    hold_days: int
    partners: int
    ftd_baseline: str = "0"  # the least FTD amount that pays CPA, in the plan currency


@dataclass(frozen=True)
class PlanSaved:
    """What a save did: the plan's id and name, the fields that changed, the partners whose commissions it reprices."""

    plan_id: int
    name: str
    changed: tuple[str, ...]
    partners: int
    created: bool = False


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not change commission plans", "plans.admin_only")


def _text(value: object) -> str:
    """A stored decimal as the form shows it: 150, 12.5 (no trailing zeros)."""
    number = Decimal(str(value))
    return f"{number.normalize():f}" if number else "0"


def _amount(what: Label, raw: str, *, pct: bool = False) -> Decimal | None:
    try:
        text = number_text(raw)
    except ValueError:
        raise PlanEditError(f"{what}: {raw!r} can be read two ways", "plans.ambiguous_number", what=what,
                            value=raw[:20]) from None  # fmt: skip
    if not text:
        return None
    try:
        if not in_digits(text):  # "5e1" is 50 to Decimal
            raise InvalidOperation
        number = Decimal(text)
    except InvalidOperation:
        raise PlanEditError(f"{what}: {raw!r} is not a number", "plans.bad_number", what=what, value=raw[:20]) from None
    if not number.is_finite() or number < 0 or number > (Decimal(100) if pct else MAX_AMOUNT):
        key = "plans.bad_percent" if pct else "plans.bad_amount"
        raise PlanEditError(f"{what}: {raw!r} out of range", key, what=what, value=raw[:20], most=Number(MAX_AMOUNT))
    if -number.as_tuple().exponent > 4:  # type: ignore[operator]
        raise PlanEditError(f"{what}: more than 4 decimals", "plans.too_precise", what=what, value=raw[:20])
    return number


def _tiers(rows: tuple[dict[str, str], ...], pays_cpa: bool, pays_rs: bool) -> list[dict[str, str]]:
    tiers: list[dict[str, str]] = []
    for i, row in enumerate(r for r in rows if any(str(v or "").strip() for v in r.values())):  # blank rows: none
        what = f"#{i + 1}"
        count = str(row.get("min_count") or "").strip()
        if not count.isdecimal() or int(count) > 10_000_000:  # isdigit() takes "²", which int() refuses
            raise PlanEditError(f"{what}: min_count {count!r}", "plans.bad_min_count", tier=i + 1)
        if tiers and int(count) <= int(tiers[-1]["min_count"]):
            raise PlanEditError(f"{what}: not ascending", "plans.tiers_not_ascending", tier=i + 1)
        tier: dict[str, Any] = {"min_count": int(count)}
        for column in TIER_COLUMNS[1:]:
            label = Label(f"plans.tier_{column}", prefix=f"{what} · ")
            value = _amount(label, str(row.get(column) or ""), pct=column == "revshare_pct")
            if value is None:
                continue
            if column == "revshare_pct" and not pays_rs:
                raise PlanEditError(f"{what}: a percent on a CPA plan", "plans.unused_percent")
            if column != "revshare_pct" and not pays_cpa:
                raise PlanEditError(f"{what}: a CPA amount on a RevShare plan", "plans.unused_cpa")
            tier[column] = _text(value)
        if len(tier) == 1:
            raise PlanEditError(f"{what}: pays nothing", "plans.empty_tier", tier=i + 1)
        tiers.append(tier)
    if len(tiers) > MAX_TIERS:
        raise PlanEditError(f"{MAX_TIERS} tiers at most", "plans.too_many_tiers", n=MAX_TIERS)
    return tiers


def _overrides(typed: tuple[str, ...]) -> list[str]:
    if len(typed) > MAX_LEVELS:
        raise PlanEditError(f"{MAX_LEVELS} levels at most", "plans.too_many_levels", n=MAX_LEVELS)
    levels = [_amount(Label("plans.level", (("n", i + 1),)), p, pct=True) for i, p in enumerate(typed)]
    while levels and not levels[-1]:  # 5, 0, "": levels 2 and 3 pay nothing, as if they were not there
        levels.pop()
    return [_text(v or 0) for v in levels]


def checked(session: Session, change: PlanChange, plan_id: int | None = None) -> dict[str, Any]:
    """The plan's values as stored, or `PlanEditError` for the first bad one."""
    name = " ".join(change.name.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise PlanEditError("bad name", "plans.bad_name", n=NAME_MAX)
    folded = name.casefold()  # in Python: SQLite's lower() folds ASCII only, so "КАЗИНО" and "Казино" were two plans
    named = session.execute(select(CommissionPlan.id, CommissionPlan.name).order_by(CommissionPlan.id))
    if (other := next((i for i, n in named if i != plan_id and n.casefold() == folded), None)) is not None:
        raise PlanEditError(f"plan {other} has this name", "plans.name_taken", plan=other)
    if change.type not in PLAN_TYPES:
        raise PlanEditError(f"type {change.type!r}", "plans.bad_type")
    currency = change.currency.strip().upper()
    if currency not in CURRENCIES:
        raise PlanEditError(f"currency {currency!r}", "plans.bad_currency", currency=currency[:8])
    pays_cpa, pays_rs = change.type in ("cpa", "hybrid"), change.type in ("revshare", "hybrid")
    cpa = {t: _amount(Label(f"plans.cpa_{t}", prefix="CPA · "), change.cpa_amounts.get(t, "")) for t in CPA_TYPES}
    cpa_set = {t: _text(v) for t, v in cpa.items() if v is not None}
    baseline = _amount(Label("plans.field_ftd_baseline"), change.ftd_baseline)
    percent = _amount(Label("plans.field_revshare_pct"), change.revshare_pct, pct=True)
    if (cpa_set or baseline) and not pays_cpa:
        raise PlanEditError("a CPA amount on a RevShare plan", "plans.unused_cpa")
    if percent and not pays_rs:
        raise PlanEditError("a percent on a CPA plan", "plans.unused_percent")
    tiers = _tiers(change.volume_tiers, pays_cpa, pays_rs)
    tier_cpa = any(key.startswith("cpa_") for tier in tiers for key in tier)
    if pays_cpa and not any(Decimal(v) for v in cpa_set.values()) and not tier_cpa:
        raise PlanEditError("a CPA plan with no CPA amount", "plans.no_cpa")
    if pays_rs and not percent and not any("revshare_pct" in t for t in tiers):
        raise PlanEditError("a RevShare plan with no percent", "plans.no_revshare")
    if not 0 <= int(change.hold_days) <= MAX_HOLD_DAYS:
        raise PlanEditError("hold days", "plans.bad_hold", n=MAX_HOLD_DAYS)
    values = {
        "name": name,
        "type": change.type,
        "currency": currency,
        "cpa_amounts": cpa_set,
        "ftd_baseline": baseline or Decimal(0),
        "revshare_pct": percent or Decimal(0),
        "volume_tiers": tiers,
        "subpartner_override_pct": _overrides(change.overrides),
        "hold_days": int(change.hold_days),
    }
    try:  # the engine's own parser: a plan saved here is one the next run prices with
        parse_plan({"plan_id": plan_id or 0, **values})
    except PlanError as exc:
        raise PlanEditError(str(exc), "plans.engine_refused", reason=str(exc)) from exc
    return values


def _row_values(plan: CommissionPlan) -> dict[str, Any]:
    return {f: getattr(plan, f) for f in FIELDS}


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Values compared and logged as text: a stored Numeric reads back as Decimal('150.0000')."""
    out = dict(values)
    for key in ("ftd_baseline", "revshare_pct"):
        out[key] = _text(out[key] or 0)
    out["cpa_amounts"] = {k: _text(v) for k, v in (out["cpa_amounts"] or {}).items()}
    out["subpartner_override_pct"] = [_text(v) for v in out["subpartner_override_pct"] or []]
    out["volume_tiers"] = [{k: int(v) if k == "min_count" else _text(v) for k, v in tier.items()}
                           for tier in out["volume_tiers"] or []]  # fmt: skip
    return out


def plans(session: Session, scope: Scope) -> list[PlanRow]:
    """Every plan, by name in any case (sorted here: the store's collation put "Zeta" before "alpha" on SQLite, and
    "Банан" before "арбуз"), with the partners on it."""
    _admin(scope)
    on = dict(session.execute(select(Partner.plan_id, func.count()).group_by(Partner.plan_id)).all())
    return [
        PlanRow(p.id, p.name, p.type, p.currency, {k: _text(v) for k, v in (p.cpa_amounts or {}).items()},
                _text(p.revshare_pct or 0), len(p.volume_tiers or ()),
                ", ".join(_text(v) for v in p.subpartner_override_pct or ()), int(p.hold_days or 0), on.get(p.id, 0),
                _text(p.ftd_baseline or 0))
        for p in sorted(session.scalars(select(CommissionPlan)), key=lambda p: name_order(p.name, p.id))
    ]  # fmt: skip


def current(session: Session, scope: Scope, plan_id: int) -> PlanChange:
    """A plan as it is, in the form's shape."""
    _admin(scope)
    plan = session.get(CommissionPlan, plan_id)
    if plan is None:
        raise PlanEditError(f"no plan {plan_id}", "plans.no_such_plan", plan=plan_id)
    v = _comparable(_row_values(plan))
    tiers = tuple({c: str(t.get(c, "")) for c in TIER_COLUMNS} for t in v["volume_tiers"])
    return PlanChange(v["name"], v["type"], v["currency"], v["cpa_amounts"],
                      "" if v["ftd_baseline"] == "0" else v["ftd_baseline"],
                      "" if v["revshare_pct"] == "0" else v["revshare_pct"], tiers,
                      tuple(v["subpartner_override_pct"]), v["hold_days"])  # fmt: skip


class PlanChangedMeanwhile(PlanEditError):
    """Fields an admin edited that someone else changed since the form showed them; `now` is the plan as it is, `kept`
    the same with the admin's edits, for the form to show again (nothing typed is lost)."""

    def __init__(self, plan_id: int, stale: dict[str, Any], now: PlanChange, kept: PlanChange) -> None:
        said = FieldsNow("", fields=tuple((_label(f), _said(f, v)) for f, v in stale.items()))
        super().__init__(f"plan {plan_id} changed meanwhile: {said}", "plans.changed_meanwhile", plan=plan_id, now=said)
        self.now, self.kept = now, kept


def _spelled(typed: object) -> str:
    """An amount spelled as stored when it is one ("100,0" is "100"), else as typed: one value, one spelling."""
    text = str(typed or "").strip()
    try:
        number = Decimal(number_text(text))
    except (ValueError, InvalidOperation):  # "1,000" stays as typed, for the save to refuse
        return text
    return _text(number) if number.is_finite() else text


def _inputs(change: PlanChange) -> dict[str, Any]:
    """A plan as the form's inputs hold it, each CPA amount an input of its own, spelled alike: what tells the fields
    an admin edited from those changed meanwhile."""
    rows = (r for r in change.volume_tiers if any(str(v or "").strip() for v in r.values()))  # blank rows: none
    levels = [_spelled(v) for v in change.overrides]
    while levels and not levels[-1]:
        levels.pop()
    return {
        "name": " ".join(change.name.split()),
        "type": change.type,
        "currency": change.currency.strip().upper(),
        **{f"cpa_{t}": _spelled(change.cpa_amounts.get(t)) for t in CPA_TYPES},
        "ftd_baseline": _spelled(change.ftd_baseline),
        "revshare_pct": _spelled(change.revshare_pct),
        "volume_tiers": tuple(tuple(_spelled(r.get(c)) for c in TIER_COLUMNS) for r in rows),
        "subpartner_override_pct": tuple(levels),
        "hold_days": int(change.hold_days),
    }


def _from_inputs(inputs: dict[str, Any]) -> PlanChange:
    tiers = tuple(dict(zip(TIER_COLUMNS, row, strict=True)) for row in inputs["volume_tiers"])
    cpa = {t: inputs[f"cpa_{t}"] for t in CPA_TYPES if inputs[f"cpa_{t}"]}
    return PlanChange(inputs["name"], inputs["type"], inputs["currency"], cpa, inputs["ftd_baseline"],
                      inputs["revshare_pct"], tiers, inputs["subpartner_override_pct"],
                      inputs["hold_days"])  # fmt: skip


def _edited(plan_id: int, now: PlanChange, seen: PlanChange, typed: PlanChange) -> PlanChange:
    """The plan as it is `now` with the fields edited from `seen` to `typed`, or `PlanChangedMeanwhile`."""
    was, wants, is_ = _inputs(seen), _inputs(typed), _inputs(now)
    edited = {f: v for f, v in wants.items() if v != was[f]}
    kept = _from_inputs(is_ | edited)
    if stale := {f: is_[f] for f in edited if is_[f] not in (was[f], edited[f])}:  # both set one value: no quarrel
        raise PlanChangedMeanwhile(plan_id, stale, now, kept)
    return kept


def _label(name: str) -> Label:
    return Label(f"plans.{name}", prefix="CPA · ") if name.startswith("cpa_") else Label(f"plans.field_{name}")


def _said(name: str, value: Any) -> object:
    """A field's value in a refusal, as the form shows it."""
    if name == "type":
        return Label(f"plans.type_{value}")
    if name == "volume_tiers":  # "1: cpa_ftd 100 | 51: cpa_ftd 120.5, revshare_pct 35"
        paid = [", ".join(f"{c} {v}" for c, v in zip(TIER_COLUMNS[1:], row[1:], strict=True) if v) for row in value]
        value = " | ".join(f"{row[0]}: {cells}" for row, cells in zip(value, paid, strict=True))
    elif name == "subpartner_override_pct":
        value = ", ".join(v or "0" for v in value)
    return value if value not in ("", None) else "—"


def _name_taken(session: Session, name: str, plan_id: int = 0) -> PlanEditError:
    """The refusal of a name another admin gave a plan since `checked` found it free (`uq_commission_plans_name`: two
    saves at the same moment), as `checked` refuses it; the save's own writes are undone by its savepoint."""
    other = session.scalar(select(CommissionPlan.id).where(CommissionPlan.name == name, CommissionPlan.id != plan_id))
    return PlanEditError(f"plan {other} has this name", "plans.name_taken", plan=other)


def create_plan(session: Session, scope: Scope, change: PlanChange) -> PlanSaved:
    """Add a plan (audit-logged with its values)."""
    _admin(scope)
    values = checked(session, change)
    plan = CommissionPlan(**values)
    try:
        with session.begin_nested():
            session.add(plan)
    except IntegrityError as exc:
        raise _name_taken(session, values["name"]) from exc
    audit_acted(session, scope, "plan_created", f"plan {plan.id}", _comparable(values))
    return PlanSaved(plan.id, plan.name, FIELDS, 0, created=True)


def update_plan(session: Session, scope: Scope, plan_id: int, change: PlanChange,
                seen: PlanChange | None = None) -> PlanSaved:  # fmt: skip
    """Change a plan; what changed (audit-logged old → new) and how many partners it reprices.

    `seen`: the plan as the admin's form showed it (`current`). Then only the fields edited from it are written, the
    others keep what is stored now, and an edited field someone else changed since is refused (`PlanChangedMeanwhile`,
    nothing written): a form saved over another admin's change wrote the old amounts back."""
    _admin(scope)
    plan = session.get(CommissionPlan, plan_id) if seen is None else locked_row(session, CommissionPlan, plan_id)
    if plan is None:
        raise PlanEditError(f"no plan {plan_id}", "plans.no_such_plan", plan=plan_id)
    if seen is not None:
        change = _edited(plan_id, current(session, scope, plan_id), seen, change)
    values = checked(session, change, plan_id)
    before, after = _comparable(_row_values(plan)), _comparable(values)
    changed = tuple(f for f in FIELDS if before[f] != after[f])
    # a new name alone prices no one again (the engine's plan check leaves the name out)
    priced = set(changed) - {"name"}
    partners = (session.scalar(select(func.count()).where(Partner.plan_id == plan_id)) or 0) if priced else 0
    if changed:
        try:
            with session.begin_nested():
                for name in changed:
                    setattr(plan, name, values[name])
        except IntegrityError as exc:
            raise _name_taken(session, values["name"], plan_id) from exc
        audit_acted(session, scope, "plan_changed", f"plan {plan_id}", {f: [before[f], after[f]] for f in changed})
        if priced:  # its partners' payout logins are told: their pending commissions are priced again
            on_plan = select(Partner.id).where(Partner.plan_id == plan_id, Partner.status.in_(("active", "paused")))
            for partner_id in session.scalars(on_plan.order_by(Partner.id)):
                tell_partner(session, partner_id, None, "plan_changed", "plan_rates_changed", money=True,
                             plan=plan.name)  # fmt: skip
        session.flush()
    return PlanSaved(plan_id, plan.name, changed, partners)
