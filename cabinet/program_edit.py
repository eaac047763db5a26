"""An admin changes the program: its name, colour, tracking domain, support email, defaults for new users, the
minimum payout, whether anyone may apply to join (`cabinet.invites`), whether managers and admins must use two-step
login (`cabinet.twofactor`), and what each tier's partners get (features, visible metrics, sub-partner depth).

Only admins change these (`ScopeError` for anyone else); a bad value raises `ProgramEditError` with a translation
key and nothing is written; every change is audit-logged with the fields it changed, old and new. The base currency
is not changeable here: every amount in the warehouse is kept in it. A tier's change reaches its partners within a
minute (their sessions read their scope and tier again); the tracking domain is where link URLs point from now on
(links already handed out keep theirs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.account import EMAIL, LINES_MAX, LINES_MAX_CHARS
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import clean_lines, in_digits, minor_unit, number_text
from cabinet.i18n import LOCALES
from cabinet.program import ALL_PARTNER_METRICS, FEATURES, program_currency
from cabinet.store.db import locked_row
from cabinet.store.models import Partner, ProgramSettings, Tier, User
from queries.reports import ReportError, check_zone

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DOMAIN_MAX = 255
MAX_PAYOUT_MINIMUM = Decimal("1000000")
MAX_DEPTH = 5  # sub-partner levels a tier may see
LEGAL_MAX, LEGAL_LINES = LINES_MAX_CHARS, LINES_MAX  # the legal details printed under "Paid by" on a statement


class ProgramEditError(RefusedRequest):
    """A change that cannot be saved; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class ProgramChange:
    """The program's settings as the admin sets them (text as typed; checked on save).

    `seen`: the settings as the form was drawn with. With it only the fields the form changed are written, so a form
    left open never puts back what someone else saved since; None: every field as given."""

    name: str
    primary_color: str
    tracking_domain: str
    support_email: str
    default_locale: str
    default_timezone: str
    min_payout: str | Decimal
    signup_open: bool = False
    staff_two_step: bool = False  # managers and admins must use two-step login
    legal_details: str = ""  # company, address, tax number: printed on payout statements
    seen: ProgramChange | None = None


@dataclass(frozen=True)
class TierChange:
    """What a tier's partners get."""

    features: tuple[str, ...]
    visible_metrics: tuple[str, ...]
    subpartner_depth: int


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not change the program", "program.admin_only")


def _domain(text: str) -> str:
    url = text.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range, or not a number, is no address
    except ValueError:  # also a bracket that opens an IPv6 address and never closes
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "?" in url  # a bare one too: "/c/<token>" after it would be no path, and after "#" never sent
        or "#" in url
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise ProgramEditError(f"{text!r} is not a tracking domain", "program.bad_domain")
    if len(url) > DOMAIN_MAX:  # the store's column; PostgreSQL would refuse it with an error, SQLite keep it
        raise ProgramEditError("the tracking domain is too long", "program.domain_too_long", n=DOMAIN_MAX)
    return url


def _minimum(value: str | Decimal, currency: str | None) -> Decimal:
    """The minimum payout typed as `value`, in `currency` (the base currency) to its minor unit: refused past it (a
    dinar minimum of 12.3456, a yen one of 5000.50), where it was rounded to the cent without a word; None: as typed,
    unchecked (the value a form was drawn with)."""
    try:
        text = number_text(str(value))
    except ValueError:  # "1,000": one thousand, or 1?
        raise ProgramEditError(f"{value!r} can be read two ways", "program.ambiguous_minimum",
                               value=str(value).strip()[:20]) from None  # fmt: skip
    try:
        if isinstance(value, str) and not in_digits(text):  # as typed: "5e1" is 50 to Decimal
            raise InvalidOperation
        amount = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ProgramEditError(f"{value!r} is not an amount", "program.bad_minimum") from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_PAYOUT_MINIMUM:
        raise ProgramEditError(f"{value!r} is not an amount", "program.bad_minimum")
    if currency is None:
        return amount
    unit = minor_unit(currency)
    if amount != amount.quantize(unit):
        shown, places = str(value).strip()[:20], -int(unit.as_tuple().exponent)
        if places == 0:
            raise ProgramEditError(f"{value!r} has decimals", "program.minimum_units", value=shown, currency=currency)
        raise ProgramEditError(f"{value!r} has digits past {unit}", "program.minimum_places", value=shown,
                               currency=currency, places=places)  # fmt: skip
    return amount.quantize(unit)


def minimum_text(amount: Decimal, currency: str) -> str:
    """A stored minimum payout as the form shows it, plain: to the minor unit of `currency` ("50.00", "5000",
    "12.345"), or with every digit it has past it (one saved before the unit was checked: the save then says so)."""
    exact = Decimal(amount)
    unit = minor_unit(currency)
    return f"{exact.quantize(unit) if exact == exact.quantize(unit) else exact.normalize():f}"


def checked(change: ProgramChange, currency: str = "USD") -> dict[str, object]:
    """The change's values as stored, or `ProgramEditError` for the first bad one; `currency`: the base currency, whose
    minor unit the minimum payout is in."""
    name = change.name.strip()
    if not 1 <= len(name) <= 120:
        raise ProgramEditError("the name must have 1 to 120 characters", "program.bad_name")
    if not COLOR.match(change.primary_color.strip()):
        raise ProgramEditError(f"{change.primary_color!r} is not a colour", "program.bad_color")
    email = change.support_email.strip()
    if email and (len(email) > 255 or not EMAIL.match(email)):
        raise ProgramEditError(f"{email!r} is not an email address", "program.bad_email")
    if change.default_locale not in LOCALES:
        raise ProgramEditError(f"{change.default_locale!r} is not a language", "program.bad_locale")
    try:  # one the warehouse knows too: new users' reports and promo code days are cut in it
        check_zone(change.default_timezone)
    except ReportError as exc:
        raise ProgramEditError(f"{change.default_timezone!r} is not a time zone", "program.bad_timezone") from exc
    legal = clean_lines(change.legal_details)
    if len(legal) > LEGAL_MAX or len(legal.splitlines()) > LEGAL_LINES:
        raise ProgramEditError(
            "the legal details are too long", "program.bad_legal", chars=LEGAL_MAX, lines=LEGAL_LINES
        )
    return {
        "name": name,
        "primary_color": change.primary_color.strip().lower(),
        "tracking_domain": _domain(change.tracking_domain),
        "support_email": email or None,
        "default_locale": change.default_locale,
        "default_timezone": change.default_timezone,
        "min_payout": _minimum(change.min_payout, currency),
        "signup_open": bool(change.signup_open),
        "staff_two_step": bool(change.staff_two_step),
        "legal_details": legal or None,
    }


def current(session: Session) -> ProgramChange:
    """The settings as they are, in the form's shape."""
    row = session.get(ProgramSettings, 1)
    if row is None:
        raise ProgramEditError("the store has no program settings: run `cabinet init`", "program.missing")
    return ProgramChange(row.name, row.primary_color, row.tracking_domain, row.support_email or "",
                         row.default_locale, row.default_timezone, Decimal(row.min_payout),
                         bool(row.signup_open), bool(row.staff_two_step), row.legal_details or "")  # fmt: skip


def update_program(session: Session, scope: Scope, change: ProgramChange) -> list[str]:
    """Save the program's settings; the names of the fields that changed (audit-logged old → new).

    A field the form changed (from `change.seen`) that someone else changed since the form was drawn is refused with
    nothing written: `program.changed_meanwhile`, its `fields` named for the form to say what they are now."""
    _admin(scope)
    values = checked(change, program_currency(session))
    row = session.get(ProgramSettings, 1) if change.seen is None else locked_row(session, ProgramSettings, 1)
    if row is None:
        raise ProgramEditError("the store has no program settings: run `cabinet init`", "program.missing")
    before = {f: getattr(row, f) for f in values}
    if change.seen is not None:
        typed, start = _as_stored(change), _as_stored(change.seen)
        values = {f: v for f, v in values.items() if _differs(start[f], typed[f])}  # the fields the form changed
        moved = tuple(f for f in values if _differs(before[f], start[f]))
        if moved:
            raise ProgramEditError(f"{', '.join(moved)} changed meanwhile", "program.changed_meanwhile", fields=moved)
    changed = [f for f in values if _differs(before[f], values[f])]
    admin = session.get(User, scope.user_id)
    if "staff_two_step" in changed and values["staff_two_step"] and (admin is None or admin.totp_secret is None):
        # as organisations that require it do: whoever requires it has it, and knows the set-up works
        raise ProgramEditError("turn two-step login on for yourself first", "program.two_step_first")
    for field in changed:
        setattr(row, field, values[field])
    if changed:
        audit(session, "program_changed", user=admin, username=scope.username,
              target="program", details={f: [str(before[f]), str(values[f])] for f in changed})  # fmt: skip
    session.flush()
    return changed


def _differs(old: object, new: object) -> bool:
    if isinstance(new, Decimal):
        return old is None or Decimal(str(old)) != new
    return old != new


def _as_stored(settings: ProgramChange) -> dict[str, object]:
    """Settings as typed, in the store's shape (an empty text is None, the minimum a number): what tells the fields
    a form changed from the ones it was drawn with."""
    values = {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "seen"}
    return values | {"support_email": settings.support_email or None, "legal_details": settings.legal_details or None,
                     "min_payout": _minimum(settings.min_payout, None)}  # fmt: skip


def tiers(session: Session) -> list[Tier]:
    """Every tier, lowest rank first."""
    return list(session.scalars(select(Tier).order_by(Tier.rank, Tier.code)).all())


def tier_partners(session: Session) -> dict[str, int]:
    """How many partners each tier has."""
    rows = session.execute(select(Partner.tier_code, func.count()).group_by(Partner.tier_code)).all()
    return {str(code): int(n) for code, n in rows}


def _tier_values(change: TierChange) -> dict[str, object]:
    """A tier's fields as stored: pages and metrics in the program's order, each once."""
    return {
        "features": [f for f in FEATURES if f in change.features],
        "visible_metrics": [m for m in ALL_PARTNER_METRICS if m in change.visible_metrics],
        "subpartner_depth": int(change.subpartner_depth),
    }


def update_tier(session: Session, scope: Scope, code: str, change: TierChange, seen: TierChange | None = None) -> (
    list[str]
):  # fmt: skip
    """Set what a tier's partners get; the names of the fields that changed (audit-logged).

    With `seen` (the tier as the form was drawn) only the fields the form changed are written, and one that someone
    else changed since is refused with nothing written: `program.tier_changed_meanwhile`, its `fields` named."""
    _admin(scope)
    tier = session.get(Tier, code) if seen is None else locked_row(session, Tier, code)
    if tier is None:
        raise ProgramEditError(f"no tier {code!r}", "program.no_tier", tier=code)
    unknown = [f for f in change.features if f not in FEATURES]
    if unknown:
        raise ProgramEditError(f"unknown features {unknown}", "program.bad_feature", feature=", ".join(unknown))
    bad_metrics = [m for m in change.visible_metrics if m not in ALL_PARTNER_METRICS]
    if bad_metrics or not change.visible_metrics:
        raise ProgramEditError(f"bad metrics {bad_metrics}", "program.bad_metrics")
    if not 0 <= int(change.subpartner_depth) <= MAX_DEPTH:
        raise ProgramEditError(f"depth {change.subpartner_depth}", "program.bad_depth", n=MAX_DEPTH)
    values = _tier_values(change)
    before = {f: getattr(tier, f) for f in values}
    if seen is not None:
        start, now = _tier_values(seen), _tier_values(TierChange(*(before[f] for f in values)))
        values = {f: v for f, v in values.items() if start[f] != v}  # the fields the form changed
        moved = tuple(f for f in values if now[f] != start[f])
        if moved:
            raise ProgramEditError(f"tier {code}: {', '.join(moved)} changed meanwhile",
                                   "program.tier_changed_meanwhile", fields=moved)  # fmt: skip
    changed = [f for f in values if before[f] != values[f]]
    for field in changed:
        setattr(tier, field, values[field])
    if changed:
        audit(session, "tier_changed", user=session.get(User, scope.user_id), username=scope.username,
              target=f"tier {code}", details={f: [before[f], values[f]] for f in changed})  # fmt: skip
    session.flush()
    return changed


def domain_is_placeholder(domain: str) -> bool:
    """True while the tracking domain is still the one a new program starts with (`example.com`, which no tracker
    answers): links made meanwhile send partners' traffic nowhere."""
    host = domain.strip().lower().removeprefix("https://").removeprefix("http://").split("/")[0]
    return host == "example.com" or host.endswith(".example.com")
