"""What each quarantine reason asks of the producer of the file, said under `cabinet etl quarantine`'s rows: a reason
code alone sent the operator to the README for what a valid value is and how to get the row loaded."""

from __future__ import annotations

from etl.contract import COMMISSION_KINDS, COMMISSION_STATUSES, CONVERSION_STATUSES, CONVERSION_TYPES
from etl.conversion_wait import WAIT_DAYS


def _one_of(values: tuple[str, ...]) -> str:
    """The contract's values as a sentence says them: "a, b or c"."""
    return f"{', '.join(values[:-1])} or {values[-1]}"


_REPROCESS = "then `cabinet etl reprocess --reason {reason}` loads the rows"

HINTS: dict[str, str] = {
    "missing_field": "the row has no {column}, which its feed requires; send the row again with it",
    "too_long": "{column} is longer than the contract keeps (ids, codes and sub values 255 characters, referrer and "
    "user_agent 8,192, note 2,000)",
    "bad_row": "the line is not a row: fields that do not match the header, a quote never closed, a JSON line that is "
    "not one object, a key given twice, a NUL character, or the header line again (files joined with cat: leave out "
    "the later headers); the raw values hold the reader's message",
    "bad_timestamp": "write ISO 8601 with Z or an offset (2026-11-01T12:30:05Z, 2026-11-01 15:30:05+03:00) or integer "
    "epoch milliseconds, between 2000 and a day after now (not day/month order, not epoch seconds)",
    "bad_amount": "write a number with a decimal point and up to 4 decimals (12.50), 0 or more except for revenue "
    "lines",
    "bad_currency": "write an ISO 4217 code (USD, EUR, GBP)",
    "bad_date": "write the rate's day as YYYY-MM-DD",
    "bad_rate": "write a rate above 0: units of the base currency per one unit of the row's currency",
    "bad_type": f"a conversion's type is {_one_of(CONVERSION_TYPES)}",
    "bad_status": f"a conversion's status is {_one_of(CONVERSION_STATUSES)}; a commission's "
    f"{_one_of(COMMISSION_STATUSES)}",
    "bad_kind": f"a commission's kind is {_one_of(COMMISSION_KINDS)}",
    "unknown_partner": "partner_id names no partner in the store (or is not a whole number): the store gives each "
    "partner its id, shown on the Partners page; send the rows again with it, or, if the id is one a partner added "
    "since has, " + _REPROCESS,
    "unknown_offer": "offer_id names no offer in the store: the store gives each offer its id, shown in the Offer "
    "catalogue; send the rows again with it, or, if the id is one an offer added since has, " + _REPROCESS,
    "unknown_link_token": "the token is not one the cabinet signed: write it exactly as the link's URL carries it "
    "after /c/ (`cabinet links export` lists every link's)",
    "unattributed": f"no click with its click_id arrived within {WAIT_DAYS} days, or the conversion is more than "
    f"{WAIT_DAYS} days older than the newest click: send the click (or a promo_code or partner_id), " + _REPROCESS,
    "no_fx_rate": "fx_rates has no rate of its currency on or before its day: send one, " + _REPROCESS,
    "unknown_promo_code": "no promo code is issued with that text: issue it on the Promo codes page, " + _REPROCESS,
    "inactive_promo_code": "the promo code is paused: resume it (or send a partner_id), " + _REPROCESS,
    "promo_code_outside_dates": "the conversion's time is outside the promo code's days: widen them (or send a "
    "partner_id), " + _REPROCESS,
    "promo_code_other_offer": "the promo code is issued for another offer than the row's offer_id (the Promo codes "
    "page says which; a code's offer is set when it is issued): send the row again in a new file with the code's "
    "offer_id, or with none (the code's is taken), or with a partner_id",
    "already_paid": "the commission is paid and stays as it is: send a correction as a new commission_id of kind "
    "adjustment",
    "type_changed": "the conversion_id is loaded with another type: a new event needs a conversion_id of its own",
}


# Missing columns that a feed requires only in some rows, or that a feed requires one of: said as such. The family's
# text said "(a conversion's offer_id: needed when ...)" under every missing column, a click's date or a rate's too.
MISSING: dict[str, str] = {
    "offer_id": "the row has no offer_id: a conversion needs one when neither its click nor its promo code names the "
    "offer, a click when it has no link_token; send the row again with it",
    "click_id": "the row has no click_id: a click needs its own, and a conversion one of click_id, promo_code or "
    "partner_id to be attributed; send the row again with it. A status update read before its conversion (a row "
    f"naming none of them) first waits {WAIT_DAYS} days for the conversion (`cabinet etl status` counts those "
    "waiting) and lands here when it has not come; once the conversion is loaded, `cabinet etl reprocess --reason "
    "missing_field:click_id --feed conversions` applies it (`cabinet etl status` says when such rows are there)",
    "link_token": "the click names neither a link_token nor a partner_id with an offer_id; send the row again with "
    "one of them",
}


def hint(reason: str) -> str | None:
    """The producer's fix for `reason` (`missing_field:offer_id` reads the family's with the column), or None."""
    family, _, column = reason.partition(":")
    text = MISSING.get(column) if family == "missing_field" else None
    text = text or HINTS.get(family)
    return None if text is None else text.format(column=column or "a column", reason=family)


def hint_lines(reasons: list[str]) -> list[str]:
    """`  reason: what to change` for each reason once, in the order given (a reason without a hint is left out)."""
    seen: dict[str, str] = {}
    for reason in reasons:
        if reason not in seen and (text := hint(reason)) is not None:
            seen[reason] = text
    return [f"  {reason}: {text}" for reason, text in seen.items()]
