"""The Account page's payout method is labelled anew after a switch of language (`widgets.relabel`): "Bank transfer"
stayed over a page in Russian."""

from __future__ import annotations

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_the_payout_method_is_labelled_anew_in_another_language(program: Program) -> None:
    at = open_page("pages/10_account.py", program.users["p_parent"])
    assert not at.exception and not at.selectbox(key="account_method").proto.set_value
    at.selectbox(key="menu_language").set_value("ru").run()
    method = at.selectbox(key="account_method")
    assert not at.exception and method.proto.set_value  # the browser takes its Russian label
    assert translate("account.method_wire", "ru") in method.options
