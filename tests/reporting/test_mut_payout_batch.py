"""Paying together at its edges: a partner's login pays nothing (refused, not a batch of refusals), a request picked
twice is paid once, PayPal's row limit is a limit exactly, and its note is cut to what PayPal takes."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cabinet import payout_batch
from cabinet.access import ScopeError
from cabinet.errors import Number
from cabinet.payout_batch import PAYPAL_NOTE_MAX, mark_paid, payment_file
from cabinet.payouts import PayoutError
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, ProgramSettings
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_payout_batch import _add, batch  # noqa: F401 - the fixture


def test_a_partners_login_is_refused_the_batch_itself(
    program: Program,
    store_engine: Engine,
    batch: dict[str, int],  # noqa: F811
) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s, pytest.raises(ScopeError) as refused:
        mark_paid(s, program.users["p_parent"].scope, [batch["parent"]], "PP-1", wh)
    assert refused.value.key == "payouts.staff_only"


def test_a_request_picked_twice_is_paid_once_and_not_said_refused(
    program: Program,
    store_engine: Engine,
    batch: dict[str, int],  # noqa: F811
) -> None:
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    with session_scope(store_engine) as s:
        done = mark_paid(s, program.users["mgr"].scope, [batch["parent"], batch["parent"]], "PP-2", wh)
        steps = s.scalars(select(AuditLog.target).where(AuditLog.action == "payout_paid")).all()
    assert (done.paid, done.refused) == ((batch["parent"],), ())
    assert steps == [f"payout {batch['parent']}"]


def test_paypals_row_limit_is_a_limit_exactly_and_its_note_is_cut_to_what_it_takes(
    program: Program,
    store_engine: Engine,
    batch: dict[str, int],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    more = _add(store_engine, program.tiny.child, "20", "paypal", {"email": "child@example.com"}, day=7)
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).name = "N" * 500  # type: ignore[union-attr]
    monkeypatch.setattr(payout_batch, "PAYPAL_ROWS_MAX", 1)
    with session_scope(store_engine) as s:
        made = payment_file(s, program.users["mgr"].scope, "paypal", "USD", [batch["parent"]])
        assert made.payout_ids == (batch["parent"],)
        note = made.data.decode().rstrip("\n").split(",")[4]
        assert len(note) == PAYPAL_NOTE_MAX and note == "N" * PAYPAL_NOTE_MAX
        with pytest.raises(PayoutError) as refused:
            payment_file(s, program.users["mgr"].scope, "paypal", "USD", [batch["parent"], more])
    assert (refused.value.key, refused.value.params) == ("payouts.batch_too_many", {"most": Number(1)})
