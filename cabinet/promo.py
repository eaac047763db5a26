"""Promo codes in the store: every user lists the codes of their scope; managers (for their partners) and admins
issue a code to a partner, pause or resume it and change its dates.

A customer who enters a code at the operator is attributed to the code's partner while the code is active and within
its dates (the ETL's rule, `etl.conversions`); a change counts from the next ETL run. Codes match without regard to
case, so they are kept upper-case and unique that way. Dates are whole days in the program's time zone: a code valid
to 31 December attributes until 23:59:59 of that day there. Every change is audit-logged; what a request gets wrong
raises `PromoCodeError` with a translation key, a partner outside the scope `ScopeError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cabinet.access import Scope, scoped_partner
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.formatting import name_order
from cabinet.offer_access import by_name, open_to
from cabinet.program import program_timezone
from cabinet.store.models import Offer, Partner, PromoCode, User
from cabinet.tracking import MARK

# 3–32 characters: letters of any script with their marks (vowel signs, accents), digits, - and _; a letter or
# digit first
CODE_PATTERN = re.compile(rf"^(?=.{{3,32}}$)[^\W_]{MARK}*(?:[^\W_]{MARK}*|[-_])*$")
DESCRIPTION_MAX = 500
STATES = ("active", "paused")


class PromoCodeError(RefusedRequest):
    """A promo code request that cannot be carried out; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class PromoItem:
    """A promo code as the Promo codes page lists it (times naive UTC)."""

    code: str
    partner_id: int
    partner: str
    offer: str | None
    description: str | None
    status: str
    valid_from: datetime | None
    valid_to: datetime | None

    def state(self, now: datetime) -> str:
        """active, paused, not_started or expired at `now` (naive UTC): what the ETL would do with a conversion."""
        if self.status != "active":
            return "paused"
        if self.valid_from is not None and now < self.valid_from:
            return "not_started"
        if self.valid_to is not None and now > self.valid_to:
            return "expired"
        return "active"

    def days(self, tz: str) -> tuple[date | None, date | None]:
        """The first and last day of its dates in `tz` (None: no limit on that side)."""
        zone = ZoneInfo(tz)
        return tuple(ts.replace(tzinfo=UTC).astimezone(zone).date() if ts else None  # type: ignore[return-value]
                     for ts in (self.valid_from, self.valid_to))  # fmt: skip


@dataclass(frozen=True)
class CodeChange:
    """What staff set on a code: state, first and last day (None: no limit), description."""

    status: str = "active"
    first_day: date | None = None
    last_day: date | None = None
    description: str = ""


def _naive(ts: datetime | None) -> datetime | None:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts is not None and ts.tzinfo else ts


def promo_codes(session: Session, scope: Scope) -> list[PromoItem]:
    """The promo codes of the scope's partners (every one for an admin), by partner (its name in any case) and code."""
    query = (
        select(PromoCode, Partner.name, Offer.name)
        .join(Partner, Partner.id == PromoCode.partner_id)
        .outerjoin(Offer, Offer.id == PromoCode.offer_id)
    )
    if scope.partner_ids is not None:
        query = query.where(PromoCode.partner_id.in_(scope.partner_ids))
    items = [
        PromoItem(p.code.upper(), p.partner_id, partner, offer, p.description, p.status, _naive(p.valid_from),
                  _naive(p.valid_to))
        for p, partner, offer in session.execute(query).all()
    ]  # fmt: skip
    # by name in any case, alike on every store (the store's collation put "Zeta" before "alpha" on SQLite)
    return sorted(items, key=lambda i: (*name_order(i.partner, i.partner_id), i.code))


def code_offers(session: Session, scope: Scope, partner_id: int) -> list[Offer]:
    """Active offers the partner's tier may run and, if one needs approval, it was approved for (a code may also be
    for any offer: None)."""
    partner = scoped_partner(session, scope, partner_id)
    offers = sorted(session.scalars(select(Offer).where(Offer.status == "active")), key=by_name)  # any case, any store
    return open_to(session, partner, offers)


def _staff(scope: Scope) -> None:
    if scope.role not in ("manager", "admin"):  # a partner, or staff viewing the cabinet as one
        raise PromoCodeError("only managers and admins issue and change promo codes", "promo.staff_only")


def _checked(session: Session, change: CodeChange) -> tuple[datetime | None, datetime | None, str | None]:
    """The change's dates as UTC bounds of whole days in the program's zone, and its description."""
    if change.status not in STATES:
        raise PromoCodeError(f"state must be one of {', '.join(STATES)}", "promo.bad_state")
    if change.first_day and change.last_day and change.last_day < change.first_day:
        raise PromoCodeError("the last day is before the first", "promo.bad_dates")
    description = change.description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise PromoCodeError(f"description longer than {DESCRIPTION_MAX}", "promo.description_too_long",
                             n=DESCRIPTION_MAX)  # fmt: skip
    zone = ZoneInfo(program_timezone(session))

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    first = start_of(change.first_day) if change.first_day else None
    last = start_of(change.last_day + timedelta(days=1)) - timedelta(microseconds=1) if change.last_day else None
    return first, last, description or None


def _log(session: Session, scope: Scope, action: str, code: PromoCode, changed: list[str] | None = None) -> None:
    details = {"partner_id": code.partner_id, "offer_id": code.offer_id, "status": code.status,
               "valid_from": str(code.valid_from) if code.valid_from else None,
               "valid_to": str(code.valid_to) if code.valid_to else None}  # fmt: skip
    if changed is not None:  # a change: which of the fields it changed
        details["changed"] = changed  # type: ignore[assignment]
    audit(session, action, user=session.get(User, scope.user_id), username=scope.username,
          target=f"promo code {code.code}", details=details)  # fmt: skip


def _nfc(text: str) -> str:
    """The composed form of `text`: an accent typed as a combining mark ('E' + U+0301) is the letter 'É', as the ETL
    reads customers' codes (`nfc_normalize`)."""
    return unicodedata.normalize("NFC", text)


def _find(session: Session, code: str) -> PromoCode | None:
    """The stored code equal to `code` without regard to case. Compared in Python: SQLite's `upper` knows only ASCII,
    and a code another tool stored as 'лето' is the same code as 'ЛЕТО' to the ETL."""
    wanted = _nfc(code.strip()).upper()
    return next((c for c in session.scalars(select(PromoCode)) if _nfc(c.code).upper() == wanted), None)


def issue_code(session: Session, scope: Scope, partner_id: int, code: str, offer_id: int | None,
               change: CodeChange) -> PromoCode:  # fmt: skip
    """Give `partner_id` a new code (upper-cased), for one offer or any (`offer_id` None)."""
    _staff(scope)
    partner = scoped_partner(session, scope, partner_id)
    if partner.status in ("blocked", "declined"):  # declined: an application turned down
        raise PromoCodeError(f"partner {partner_id} is {partner.status}", f"promo.partner_{partner.status}")
    if partner.status == "pending":
        raise PromoCodeError(f"partner {partner_id} is not approved yet", "promo.partner_pending")
    text = _nfc(code.strip()).upper()  # an accent typed as a mark is the same code as the accented letter
    if not text:  # nothing typed: asked for, not called "'' cannot be a promo code"
        raise PromoCodeError("no code given", "promo.code_missing")
    if not CODE_PATTERN.match(text) or any(len(c.upper()) != 1 for c in code.strip()):  # 'ß' → 'SS': the ETL's
        # upper case of such a letter is another ('ẞ'), and the code would match nothing customers type
        raise PromoCodeError(f"{code!r} is not a promo code", "promo.bad_code", code=code.strip())
    if _find(session, text) is not None:
        raise PromoCodeError(f"code {text} exists already", "promo.code_taken", code=text)
    if offer_id is not None and offer_id not in {o.id for o in code_offers(session, scope, partner_id)}:
        raise PromoCodeError(f"offer {offer_id} is not open to partner {partner_id}", "promo.offer_not_allowed")
    first, last, description = _checked(session, change)
    made = PromoCode(code=text, partner_id=partner_id, offer_id=offer_id, description=description,
                     status=change.status, valid_from=first, valid_to=last)  # fmt: skip
    session.add(made)
    try:
        session.flush()
    except IntegrityError as exc:  # issued at the same moment by another session (`uq_promo_codes_code`)
        raise PromoCodeError(f"code {text} exists already", "promo.code_taken", code=text) from exc
    _log(session, scope, "promo_code_issued", made)
    return made


CHANGED = ("status", "valid_from", "valid_to", "description")  # what a change may set, in the order it names them


def change_code(session: Session, scope: Scope, code: str, change: CodeChange) -> list[str]:
    """Pause or resume a code, set its days and description; the fields changed, audit-logged. A change that changes
    nothing (the same form sent again) writes nothing and returns none."""
    _staff(scope)
    found = _find(session, code)
    if found is None:
        raise PromoCodeError(f"no code {code!r}", "promo.no_such_code", code=code)
    scoped_partner(session, scope, found.partner_id)
    first, last, description = _checked(session, change)
    wanted = {"status": change.status, "valid_from": first, "valid_to": last, "description": description}
    changed = [f for f in CHANGED if _stored(getattr(found, f)) != _stored(wanted[f])]
    if not changed:
        return []
    for field in changed:
        setattr(found, field, wanted[field])
    _log(session, scope, "promo_code_changed", found, changed)
    session.flush()
    return changed


def _stored(value: object) -> object:
    """A value as compared with the stored one: a time as naive UTC (a store may give it back without its zone)."""
    return _naive(value) if isinstance(value, datetime) else value
