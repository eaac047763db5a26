"""The demo's deliberately bad rows: exactly one per quarantine reason of the inbox contract, plus one duplicate."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from cabinet.demo.program import DemoProgram

UNATTRIBUTED_CLICK_ID = "c_never_arrives_0001"


@dataclass(frozen=True)
class BadRow:
    """Where a bad row is and why the ETL must quarantine (or dedupe) it."""

    feed: str
    file: str
    row_number: int
    reason: str  # a quarantine reason code, or "duplicate" for the repeated click
    id: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def bad_clicks(prog: DemoProgram, good_first: dict[str, object], ts_iso: str) -> list[tuple[dict[str, object], str]]:
    """Bad click rows with their reason; `good_first` is a valid click row of the same file (repeated = duplicate)."""
    tag_forged = prog.link_tokens[0].split(".")[0] + ".AAAAAAAAAAAA"
    partner, offer = int(prog.partner_ids[0]), int(prog.offer_ids[0])
    base = {"ts": ts_iso, "country": "de", "device": "mobile", "ip": "203.0.113.9", "user_agent": "Mozilla/5.0 (demo)"}
    return [
        ({**base, "click_id": "", "partner_id": partner, "offer_id": offer}, "missing_field:click_id"),
        (
            {**base, "click_id": "bad-ts-1", "ts": "2026-13-45T99:00:00Z", "partner_id": partner, "offer_id": offer},
            "bad_timestamp",
        ),
        ({**base, "click_id": "bad-partner-1", "partner_id": 987654, "offer_id": offer}, "unknown_partner"),
        ({**base, "click_id": "bad-offer-1", "partner_id": partner, "offer_id": 987654}, "unknown_offer"),
        ({**base, "click_id": "bad-token-1", "link_token": tag_forged}, "unknown_link_token"),
        (dict(good_first), "duplicate"),
    ]


def bad_conversions(click_ids: np.ndarray, ts_iso: str, old_ts_iso: str) -> list[tuple[dict[str, object], str]]:
    """Bad conversion rows attributed to real clicks, so each breaks exactly one rule."""
    c = [str(x) for x in click_ids[:3]]
    ftd = {"ts": ts_iso, "type": "ftd", "customer_id": "bad-cust", "status": "pending"}
    return [
        (
            {**ftd, "conversion_id": "bad-amount-1", "click_id": c[0], "amount": "12.34567", "currency": "USD"},
            "bad_amount",
        ),
        (
            {**ftd, "conversion_id": "bad-currency-1", "click_id": c[1], "amount": "50", "currency": "US$"},
            "bad_currency",
        ),
        ({**ftd, "conversion_id": "no-fx-1", "click_id": c[2], "amount": "50", "currency": "CHF"}, "no_fx_rate"),
        (
            {
                **ftd,
                "ts": old_ts_iso,
                "conversion_id": "unattributed-1",
                "click_id": UNATTRIBUTED_CLICK_ID,
                "amount": "40",
                "currency": "USD",
            },
            "unattributed",
        ),
    ]
