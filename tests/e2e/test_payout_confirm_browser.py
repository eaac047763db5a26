"""A payout step's confirmation box closes once its step is taken: left open, it offered to confirm the next request
of the queue at the same spot, so a second click (a double click) decided a request nobody had looked at."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import Partner, PayoutRequest
from tests.e2e.conftest import IDLE, RESULTS_DIR, Server, open_signed_in

pytestmark = pytest.mark.browser


def test_a_rejected_requests_box_closes_and_the_next_one_is_not_offered(tab, cabinet_server: Server) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{cabinet_server.data_dir / 'cabinet.db'}")
    with session_scope(engine) as s:
        one = s.scalar(select(Partner).where(Partner.name == "E2E Partner"))
        other = Partner(name="E2E Other", tier_code="gold")  # one open request a partner: two partners
        s.add(other)
        s.flush()
        made = [PayoutRequest(partner_id=partner.id, amount=Decimal(amount), currency="USD", status="requested",
                              method="paypal", details={"email": "p@example.com"},
                              requested_at=datetime(2026, 11, day, tzinfo=UTC))
                for partner, amount, day in ((one, "60", 3), (other, "70", 4))]  # fmt: skip
        s.add_all(made)
        s.flush()
        first, second = (p.id for p in made)
    open_signed_in(tab, cabinet_server, "payouts")
    tab.get_by_role("button", name="Reject", exact=True).click()
    body = tab.locator('[data-testid="stPopoverBody"]')
    body.get_by_text(f"Request {first} ($60.00)").wait_for(timeout=10_000)
    body.get_by_role("button", name="Confirm").click()
    tab.get_by_text(f"Payout request {first}: Rejected.").wait_for(timeout=30_000)
    tab.locator(IDLE).wait_for(timeout=30_000)
    tab.wait_for_timeout(500)
    with session_scope(engine) as s:
        statuses = {p.id: p.status for p in s.scalars(select(PayoutRequest))}
    engine.dispose()
    if body.count() and body.first.is_visible():
        tab.screenshot(path=str(RESULTS_DIR / "e2e_failed_payout_confirm.png"), full_page=True)
    assert statuses == {first: "rejected", second: "requested"}
    assert not (body.count() and body.first.is_visible()), body.first.inner_text()  # no box offering the next one
