"""The manager's payout queue: a step acts on the request it was shown with, in the status it was shown in, never on
another one the picker fell back to; payout details shown in full are shown to that login only; amounts are written
as the login's language writes money."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.payouts import decide
from cabinet.session import SESSION_KEY
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, PayoutRequest
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/09_payouts.py"
IBAN = "DE89 3704 0044 0532 0130 00"


def _requests(program: Program, engine: Engine, *statuses: str) -> list[int]:
    """One request of the parent, then one of its child (both in the manager's scope), in these statuses."""
    with session_scope(engine) as s:
        made = [PayoutRequest(partner_id=partner, amount=Decimal(amount), currency="USD", status=status,
                              method="wire", details={"holder": "Ann", "iban": IBAN},
                              requested_at=datetime(2026, 11, day, tzinfo=UTC))
                for partner, amount, status, day in zip((program.tiny.parent, program.tiny.child), ("60", "1234.5"),
                                                        statuses, (3, 4), strict=True)]  # fmt: skip
        s.add_all(made)
        s.flush()
        return [p.id for p in made]


def _statuses(engine: Engine) -> dict[int, str]:
    with session_scope(engine) as s:
        return dict(s.execute(select(PayoutRequest.id, PayoutRequest.status)).all())  # type: ignore[arg-type]


def _elsewhere(program: Program, engine: Engine, payout: int, status: str) -> None:
    """A step taken by the admin in another browser while the manager's page is open."""
    with session_scope(engine) as s:
        decide(s, program.users["root"].scope, payout, status)


def _button(at: AppTest, step: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if (b.key or "").startswith(f"payouts_to_{step}_"))


def test_paying_a_request_decided_meanwhile_pays_no_other(program: Program, store_engine: Engine) -> None:
    first, second = _requests(program, store_engine, "approved", "approved")
    at = open_page(PAGE, program.users["mgr"])
    at.selectbox(key="payouts_pick").set_value(second).run()
    # the steps no step follows are asked for once more, beside what they do
    together = translate("payouts.batch_mark", n=0)  # the box below, for approved requests paid together
    sure = {p.proto.popover.label: p.caption[0].value for p in at.get("popover") if p.proto.popover.label != together}
    assert list(sure) == ["Mark as paid", "Reject"] and sure["Mark as paid"].startswith(f"Request {second} ($")
    _elsewhere(program, store_engine, second, "paid")
    _button(at, "paid").click().run()  # the queue of the next run holds the first request only
    assert not at.exception
    assert _statuses(store_engine) == {first: "approved", second: "paid"}
    assert [e.value for e in at.error] == [translate("payouts.changed_meanwhile", payout=second, status="Paid")]
    assert at.selectbox(key="payouts_pick").value == first
    _button(at, "paid").click().run()  # the request now shown is paid when asked
    assert _statuses(store_engine) == {first: "paid", second: "paid"} and not at.error
    assert [m.value for m in at.success] == [f"Payout request {first}: Paid."]  # it left the queue: said so


def test_a_step_on_a_request_moved_on_meanwhile_is_refused_though_allowed_from_there(
    program: Program, store_engine: Engine
) -> None:
    first, second = _requests(program, store_engine, "approved", "requested")
    at = open_page(PAGE, program.users["mgr"])
    at.selectbox(key="payouts_pick").set_value(second).run()
    _elsewhere(program, store_engine, second, "approved")
    _button(at, "rejected").click().run()  # rejecting a requested one; an approved one may be rejected too
    assert _statuses(store_engine) == {first: "approved", second: "approved"}
    assert [e.value for e in at.error] == [translate("payouts.changed_meanwhile", payout=second, status="Approved")]
    with session_scope(store_engine) as s:
        assert s.scalars(select(AuditLog.action).where(AuditLog.action == "payout_rejected")).all() == []


def test_details_shown_in_full_are_not_shown_to_the_next_login(program: Program, store_engine: Engine) -> None:
    first, _ = _requests(program, store_engine, "approved", "approved")
    at = open_page(PAGE, program.users["mgr"])
    next(b for b in at.button if b.label == translate("payouts.show_details")).click().run()
    assert IBAN in [c.value for c in at.code]
    at.session_state[SESSION_KEY] = program.users["root"]  # logged out, the admin logs in in the same tab
    at.run()
    assert not at.exception and at.selectbox(key="payouts_pick").value == first
    assert not at.code and IBAN not in " ".join(x.value for x in at.text)  # masked, as for anyone who did not ask
    with session_scope(store_engine) as s:
        viewed = s.scalars(select(AuditLog.actor_username).where(AuditLog.action == "payout_details_viewed")).all()
    assert viewed == ["mgr"]


def test_amounts_are_written_as_the_logins_language_writes_money(program: Program, store_engine: Engine) -> None:
    first, second = _requests(program, store_engine, "approved", "approved")
    ru = {u: replace(program.users[u], locale="ru") for u in ("p_child", "mgr")}
    child = open_page(PAGE, ru["p_child"])
    assert not child.exception
    assert child.dataframe[0].value.iloc[0]["Сумма"] == "1\xa0234,50\xa0$"
    assert child.selectbox(key="statements_pick").options == [f"{second} · 1\xa0234,50\xa0$ · Одобрена"]
    mgr = open_page(PAGE, ru["mgr"])
    assert mgr.dataframe[0].value["Сумма"].tolist() == ["60,00\xa0$", "1\xa0234,50\xa0$"]
    assert mgr.selectbox(key="payouts_pick").options == [f"{first} · Parent · 60,00\xa0$ (Одобрена)",
                                                         f"{second} · Child · 1\xa0234,50\xa0$ (Одобрена)"]  # fmt: skip
    english = open_page(PAGE, program.users["mgr"]).selectbox(key="payouts_pick").options
    assert english[1] == f"{second} · Child · $1,234.50 (Approved)"


def test_a_step_left_by_a_run_that_stopped_is_not_taken_later(program: Program, store_engine: Engine) -> None:
    first, _ = _requests(program, store_engine, "approved", "approved")
    at = open_page(PAGE, program.users["mgr"])
    at.session_state["payouts_step"] = (program.users["mgr"].scope, first, "approved", "paid")  # its click long over
    at.run()
    assert not at.exception and _statuses(store_engine)[first] == "approved"
    _button(at, "paid").click().run()
    assert _statuses(store_engine)[first] == "paid"


def test_a_rejection_says_its_reason_to_the_partner(program: Program, store_engine: Engine) -> None:
    from cabinet.store.models import OutboxMail

    first, _ = _requests(program, store_engine, "requested", "approved")
    at = open_page(PAGE, program.users["mgr"])
    at.selectbox(key="payouts_pick").set_value(first).run()
    at.text_input(key=f"payouts_reason_{first}").input("Traffic  from a site\nwe do not allow.")
    _button(at, "rejected").click().run()
    assert _statuses(store_engine)[first] == "rejected" and not at.error
    with session_scope(store_engine) as s:
        bodies = s.scalars(select(OutboxMail.body).where(OutboxMail.subject.contains(f"request {first} rejected")))
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "payout_rejected")).all()
        assert any("the reason given: Traffic from a site we do not allow." in b for b in bodies)
    assert [d["reason"] for d in logged] == ["Traffic from a site we do not allow."]


def test_a_reason_or_reference_pasted_over_its_limit_stays_typed_and_is_refused(
    program: Program, store_engine: Engine
) -> None:
    """The browser drops a paste longer than a field's own limit whole: a rejection went without its reason. Now the
    store refuses it with the limit, nothing is decided, and the text stays in its field."""
    first, second = _requests(program, store_engine, "requested", "approved")
    at = open_page(PAGE, program.users["mgr"])
    at.selectbox(key="payouts_pick").set_value(first).run()
    reason = "Traffic from a site we do not allow. " * 20  # 740 characters
    at.text_input(key=f"payouts_reason_{first}").input(reason)
    _button(at, "rejected").click().run()
    assert [e.value for e in at.error] == ["The reason is longer than 500 characters."]
    assert (
        _statuses(store_engine)[first] == "requested" and at.text_input(key=f"payouts_reason_{first}").value == reason
    )
    at.selectbox(key="payouts_pick").set_value(second).run()
    reference = "TX-" + "7" * 200
    at.text_input(key=f"payouts_reference_{second}").input(reference)
    _button(at, "paid").click().run()
    assert [e.value for e in at.error] == ["A reference has at most 128 characters."]
    assert _statuses(store_engine)[second] == "approved"
    assert at.text_input(key=f"payouts_reference_{second}").value == reference


def test_the_status_picker_is_drawn_without_a_conflict_in_the_log(program: Program, caplog) -> None:  # type: ignore[no-untyped-def]
    """The picker had a default and the state `relabel` sets: Streamlit logged "created with a default value but also
    had its value set via the Session State API", with a stack trace, on every run of the staff's page. Its first
    choice is the state now, kept over reruns as before."""
    at = open_page(PAGE, program.users["mgr"])
    assert at.multiselect(key="payouts_statuses").value == ["requested", "approved"]
    at.multiselect(key="payouts_statuses").set_value(["paid"]).run()
    at.run()
    assert not at.exception and at.multiselect(key="payouts_statuses").value == ["paid"]
    assert not [r for r in caplog.records if "default value but also had its value set" in r.getMessage()]
