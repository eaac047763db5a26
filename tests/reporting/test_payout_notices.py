"""What a click on Payouts did is said where the click was: a request under "Request a payout", a cancel under the
requests, a manager's step under the step buttons (all were said above the cards, out of sight on a phone)."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Header, Success

from tests.drawn import walk
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_payouts import _request, payable  # noqa: F401 - the fixture
from tests.reporting.test_payouts_queue import _button, _requests

PAGE = "pages/09_payouts.py"


def _order(at: AppTest) -> list[str]:
    """Headers, buttons (by key) and success notices of the page, in the order drawn."""
    out = []
    for n in walk(at.main):
        if isinstance(n, Header):
            out.append(f"header:{n.value}")
        elif isinstance(n, Button):
            out.append(f"button:{n.key}")
        elif isinstance(n, Success):
            out.append("success")
    return out


def test_a_partners_request_and_cancel_are_said_where_it_clicked(payable: Program, store_engine: Engine) -> None:  # noqa: F811
    at = open_page(PAGE, payable.users["p_parent"])
    at.text_input[0].input("60")  # of $100 available, the minimum $50
    next(b for b in at.get("form_submit_button") if b.label == "Request payout").click().run()
    order = _order(at)
    assert not at.exception and order.index("header:Request a payout") < order.index("success")
    assert order.index("success") < order.index("header:Your requests")
    [made] = [b.key for b in at.button if (b.key or "").startswith("payouts_cancel_")]
    at.button(key=made).click().run()
    order = _order(at)
    assert order.index("header:Your requests") < order.index("success"), order


def test_a_managers_step_is_said_under_the_step_buttons(program: Program, store_engine: Engine) -> None:
    first, _ = _requests(program, store_engine, "requested", "requested")
    at = open_page(PAGE, program.users["mgr"])
    at.selectbox(key="payouts_pick").set_value(first).run()
    _button(at, "approved").click().run()
    order = _order(at)
    steps = [i for i, x in enumerate(order) if x.startswith("button:payouts_to_")]
    assert not at.exception and steps and max(steps) < order.index("success"), order
