"""Payouts' files as the page makes them when a button is pressed: the requests (a partner's own, or the staff's queue)
for accounting, headed as the table with the values as stored; and the payment file of requests paid together."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog
from tests.reporting.conftest import Program
from tests.reporting.test_download_headers import Files, _csv, _file, files  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payout_batch import batch  # noqa: F401 - the fixture, reused
from tests.reporting.test_payouts_queue import _requests

PAGE = "pages/09_payouts.py"
HEADER = ["Request", "Requested (UTC)", "Amount", "Currency", "Status", "Method", "Decided", "Reference", "Amount sent",
          "Currency sent", "Exchange rate", "Rate of", "Amount and rate from"]  # fmt: skip
UNSENT = ["", "", "", "", ""]  # paid as requested, or not paid yet


def test_the_staff_download_the_queue_as_filtered_with_each_partner(
    program: Program,
    store_engine: Engine,
    files: Files,  # noqa: F811
) -> None:
    first, second = _requests(program, store_engine, "approved", "requested")
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    tiny = program.tiny
    assert _csv(files, "payout_queue") == [
        [HEADER[0], "Partner ID", "Partner", *HEADER[1:]],
        [
            str(first),
            str(tiny.parent),
            "Parent",
            "2026-11-03 00:00",
            "60.0",
            "USD",
            "approved",
            "wire",
            "",
            "",
            *UNSENT,
        ],
        [
            str(second),
            str(tiny.child),
            "Child",
            "2026-11-04 00:00",
            "1234.5",
            "USD",
            "requested",
            "wire",
            "",
            "",
            *UNSENT,
        ],
    ]


def test_a_partner_downloads_its_own_requests_only(program: Program, store_engine: Engine, files: Files) -> None:  # noqa: F811
    first, _ = _requests(program, store_engine, "paid", "requested")  # the second is the child's
    at = open_page(PAGE, program.users["p_parent"])
    assert not at.exception, at.exception
    assert _csv(files, "payout_requests") == [HEADER, [str(first), "2026-11-03 00:00", "60.0", "USD", "paid", "wire",
                                                       "", "", *UNSENT]]  # fmt: skip


def test_the_payment_file_is_made_and_logged_when_its_button_is_pressed(
    program: Program,
    store_engine: Engine,
    batch: dict[str, int],  # noqa: F811
    files: Files,  # noqa: F811
) -> None:
    at = open_page(PAGE, program.users["mgr"])
    assert not at.exception, at.exception
    with session_scope(store_engine) as s:
        assert not s.scalars(select(AuditLog).where(AuditLog.action == "payout_details_exported")).all()
    # the group shown first: PayPal in USD, the parent's requests (its EUR one converted to the parent's USD)
    body = _file(files, "payouts-paypal-usd-", "csv")
    assert body.decode().startswith(f"parent@example.com,60.00,USD,partner-{program.tiny.parent},")
    with session_scope(store_engine) as s:
        logged = s.scalars(select(AuditLog.target).where(AuditLog.action == "payout_details_exported")).all()
    assert logged == [f"payout {batch['parent']}", f"payout {batch['eur']}"]
