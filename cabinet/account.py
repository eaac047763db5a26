"""A partner's own account: where its payouts go, which emails it gets, and a user's password and login email.

Changing the payout method or details redirects money, so it takes the password of the user who does it (a manager
viewing as the partner gives their own) and is audit-logged without the values; a new password ends every other
session of the user (`cabinet.auth.session_revoked`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from cabinet import email_change
from cabinet.access import Scope, handles_payouts, scoped_partner
from cabinet.auth import audit, recheck_password, set_password
from cabinet.errors import RefusedRequest
from cabinet.formatting import UNSEEN, clean_lines
from cabinet.i18n import translate
from cabinet.mail import PREFS, partner_prefs, tell_partner
from cabinet.store.models import User

LINES_MAX_CHARS, LINES_MAX = 500, 6  # company details printed on payout statements (the partner's, the program's)
# An address mail can be sent to: no two dots in a row; a local part not starting or ending with a dot, without the
# specials no unquoted address has (RFC 5322: ()<>[]:;,\" and controls; pages show an address inside Markdown, where
# `![x](https://...)@evil.com` was a picture fetched from the applicant's server); a domain of labels of ASCII letters
# and digits with hyphens only inside (an international domain in its punycode form), ending in a top-level domain of
# letters
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SPECIALS = r"@\s()<>\[\]:;,\\\"\x00-\x1f\x7f"  # no character of a local part
EMAIL = re.compile(
    rf"^(?!.*\.\.)[^{_SPECIALS}.](?:[^{_SPECIALS}]{{0,62}}[^{_SPECIALS}.])?@(?=[^@]{{4,190}}$)(?:{_LABEL}\.)+"
    r"(?:[A-Za-z]{2,24}|xn--[a-z0-9-]{1,59})$"
)

HOLDER_MAX = 120  # characters of an account holder's name
# each method's fields and what a value must look like
METHODS: dict[str, dict[str, re.Pattern[str]]] = {
    "wire": {
        "holder": re.compile(rf"^[^\x00-\x1f{UNSEEN}]{{2,{HOLDER_MAX}}}$"),  # a payee's name that reads as typed
        "iban": re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$"),
    },
    "paypal": {"email": EMAIL},
    "usdt": {"wallet": re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$")},  # TRC-20: base58, 34 characters
}

# an IBAN's length in each country of the IBAN registry (ISO 13616, SWIFT); another country's is checked by its
# check digits only
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}  # fmt: skip


class AccountError(RefusedRequest):
    """An account change that cannot be made; `key`/`params` say why in the interface's language."""


def _actor(session: Session, scope: Scope, password: str) -> User:
    """The user who acts (the manager when one views as the partner), once their password checks out; a wrong one
    counts toward the lockout as at login (`cabinet.auth.recheck_password`), so these forms cannot be used to guess
    it."""
    user = session.get(User, scope.user_id)
    if user is None:
        raise AccountError("the password is wrong", "account.wrong_password")
    if not password:  # left empty: nothing typed wrong, and no attempt counted toward the lockout
        raise AccountError("no password given", "account.password_missing")
    checked = recheck_password(session, user, password)
    if checked.reason == "locked":
        raise AccountError("the account is locked", "auth.locked", minutes=checked.minutes_left())
    if not checked.ok:
        raise AccountError("the password is wrong", "account.wrong_password")
    return user


def clean_details(method: str, details: dict[str, str]) -> dict[str, str]:
    """The method's fields, trimmed (IBAN without spaces of any kind, upper case: bank pages and PDFs print it with
    non-breaking ones), each checked."""
    fields = METHODS.get(method)
    if fields is None:
        raise AccountError(f"unknown payout method {method!r}", "account.bad_method")
    out = {}
    for name, pattern in fields.items():
        value = (details.get(name) or "").strip()
        if name == "iban":
            value = "".join(value.split()).upper()
        if name == "holder" and len(value) > HOLDER_MAX:  # a name, only too long: not "enter the name"
            raise AccountError(f"holder longer than {HOLDER_MAX} characters", "account.holder_too_long", n=HOLDER_MAX)
        if not pattern.match(value):
            raise AccountError(f"{name} {value!r} is not valid", f"account.bad_{name}")
        if name == "iban":
            _check_iban(value)
        out[name] = value
    return out


def _check_iban(iban: str) -> None:
    """Refuse an IBAN (of the right shape) whose length is not its country's or whose check digits do not match
    (ISO 13616: the number read with its first four characters moved to the end, letters as 10-35, is 1 modulo
    97), so a mistyped character is caught before money is sent to it."""
    country, length = iban[:2], IBAN_LENGTHS.get(iban[:2])
    if length is not None and len(iban) != length:
        raise AccountError(f"an IBAN of {country} has {length} characters, not {len(iban)}", "account.bad_iban_length",
                           country=country, length=length, count=len(iban))  # fmt: skip
    if int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 != 1:
        raise AccountError(f"the check digits of IBAN {iban!r} do not match", "account.bad_iban_check")


def set_payout_details(session: Session, scope: Scope, partner_id: int, method: str, details: dict[str, str],
                       password: str) -> None:  # fmt: skip
    """Store the partner's payout method and details (checked), after the acting user's password."""
    partner = scoped_partner(session, scope, partner_id)
    if not handles_payouts(session, scope):
        raise AccountError(f"{scope.username!r} may not change payout details", "account.no_payouts_access")
    actor = _actor(session, scope, password)
    partner.payout_method, partner.payout_details = method, clean_details(method, details)
    audit(session, "payout_details_changed", user=actor, target=f"partner {partner_id}",
          details={"method": method, "viewing_as_partner": bool(scope.impersonated_by)})  # fmt: skip
    # the partner's payout logins hear of it, whoever made it: a change nobody of them made is a taken-over account
    told = "payout_details_changed"
    tell_partner(session, partner_id, None, told, told, money=True, when=datetime.now(UTC),
                 by=actor.display_name, method=lambda loc: translate(f"account.method_{method}", loc))  # fmt: skip
    session.flush()


def set_billing_details(session: Session, scope: Scope, partner_id: int, text: str) -> str | None:
    """The partner's company as its payout statements print it under "Paid to" (name, address, tax number); the
    lines as stored (None: none). Only logins that handle payouts set them; audit-logged without the text."""
    partner = scoped_partner(session, scope, partner_id)
    if not handles_payouts(session, scope):
        raise AccountError(f"{scope.username!r} may not change billing details", "account.no_payouts_access")
    lines = clean_lines(text)
    if len(lines) > LINES_MAX_CHARS or len(lines.splitlines()) > LINES_MAX:
        raise AccountError("the billing details are too long", "account.bad_billing", chars=LINES_MAX_CHARS,
                           lines=LINES_MAX)  # fmt: skip
    partner.billing_details = lines or None
    audit(session, "billing_details_changed", user=session.get(User, scope.user_id), username=scope.username,
          target=f"partner {partner_id}", details={"viewing_as_partner": bool(scope.impersonated_by)})  # fmt: skip
    session.flush()
    return partner.billing_details


def change_password(session: Session, scope: Scope, current: str, new: str, repeat: str) -> None:
    """The acting user's own password: the current one first, the new one twice, checked like any new password."""
    if scope.impersonated_by:  # staff viewing as a partner change their own login in their own account
        raise AccountError("not while viewing as a partner", "account.not_as_partner")
    user = _actor(session, scope, current)
    if new != repeat:
        raise AccountError("the new passwords differ", "account.passwords_differ")
    if new == current:
        raise AccountError("the new password is the current one", "account.same_password")
    try:
        set_password(session, user, new, actor=user.username)
    except RefusedRequest as exc:  # too short or too long, said in the interface's language
        raise AccountError(str(exc), exc.key, **exc.params) from exc


def set_email_prefs(session: Session, scope: Scope, partner_id: int, prefs: dict[str, bool]) -> dict[str, bool]:
    """Which emails the partner's logins get (`cabinet.mail.PREFS`; names it does not know are refused); the
    preferences as stored, audit-logged."""
    partner = scoped_partner(session, scope, partner_id)
    unknown = sorted(set(prefs) - set(PREFS))
    if unknown:
        raise AccountError(f"no email preference {unknown[0]!r}", "account.bad_pref", name=unknown[0])
    if "payout_updates" in prefs and not handles_payouts(session, scope):
        raise AccountError(f"{scope.username!r} may not change payout emails", "account.no_payouts_access")
    merged = partner_prefs(partner) | {name: bool(on) for name, on in prefs.items()}
    if merged != partner_prefs(partner):
        partner.notification_prefs = dict(partner.notification_prefs or {}) | merged  # a new dict: JSON change seen
        audit(session, "email_prefs_changed", user=session.get(User, scope.user_id), username=scope.username,
              target=f"partner {partner_id}", details=merged)  # fmt: skip
        session.flush()
    return merged


def checked_address(user: User, email: str) -> str:
    """`email` trimmed, as a new address of `user` (on Account, on the Logins page, by `cabinet users email`);
    AccountError when mail cannot be sent to it or it is the login's address already, in any case."""
    address = email.strip()
    if not EMAIL.match(address):
        raise AccountError(f"{address!r} is not an email address", "account.bad_email")
    if address.lower() == (user.email or "").lower():
        raise AccountError(f"{address} is the email of {user.username} already", "account.same_email")
    return address


def change_email(session: Session, scope: Scope, password: str, new_email: str,
                 link: tuple[str, bytes] | None = None) -> bool:  # fmt: skip
    """The acting user's own login email (where resets and notices go), after their password. With `link` (the
    cabinet's address and the link key), the new address gets a link that makes the change (`cabinet.email_change`):
    False. Without (a cabinet that cannot make links), the change is made at once: True. The old address is told
    when the change is made, so a change the user did not make does not go unnoticed."""
    if scope.impersonated_by:  # staff viewing as a partner change their own login in their own account
        raise AccountError("not while viewing as a partner", "account.not_as_partner")
    user = _actor(session, scope, password)
    email = checked_address(user, new_email)
    if link is not None:
        try:
            email_change.request_change(session, user, email, *link)
        except RefusedRequest as exc:  # links sent too often
            raise AccountError(str(exc), exc.key, **exc.params) from exc
        return False
    email_change.apply(session, user, email)
    return True


def masked(details: dict[str, str]) -> dict[str, str]:
    """Details as the page shows them: the end of each value only."""
    return {k: ("•" * max(0, min(len(v), 12) - 4) + v[-4:]) if len(v) > 4 else "••••" for k, v in details.items()}
