"""Pickers whose option labels change while their choice stays are set again before they are drawn, so the browser
shows the label as it is now (`widgets.relabel`): Streamlit's browser side redraws a changed label of the chosen
option only when the value is set. After a switch to Russian the Full export's "Rows" kept "Clicks"."""

from __future__ import annotations

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_a_partners_refused_choice_is_labelled_anew_in_another_language(program: Program) -> None:
    at = open_page("pages/13_partners.py", program.users["root"])
    pick = at.selectbox(key="partners_pick").value
    at.selectbox(key=f"partners_status_{pick}").select("paused")
    at.button(key=f"FormSubmitter:partner_{pick}-Save").click().run()  # refused: a change of status needs a reason
    assert at.error and at.selectbox(key=f"partners_status_{pick}").value == "paused"
    at.selectbox(key="menu_language").set_value("ru").run()
    status = at.selectbox(key=f"partners_status_{pick}")
    assert not at.exception and status.value == "paused"  # kept, not saved
    assert status.proto.set_value  # the browser takes its Russian label
    assert translate("partners.status_paused", "ru") in status.options


def test_the_new_logins_role_and_the_programs_tier_are_labelled_anew(program: Program) -> None:
    at = open_page("pages/16_logins.py", program.users["root"])
    at.selectbox(key="menu_language").set_value("ru").run()
    role = at.selectbox(key="logins_add_role")
    assert not at.exception and role.proto.set_value
    assert translate("menu.role_manager", "ru") in role.options
    at = open_page("pages/12_program.py", program.users["root"])
    at.run()
    assert not at.exception and at.selectbox(key="program_tier").proto.set_value  # a tier renamed here


def test_a_partners_pickers_are_labelled_anew_after_a_switch_of_language(program: Program) -> None:
    at = open_page("pages/11_full_export.py", program.users["p_parent"])
    at.selectbox(key="export_dataset").select("conversions").run()
    at.selectbox(key="menu_language").set_value("ru").run()
    dataset = at.selectbox(key="export_dataset")
    assert not at.exception and dataset.value == "conversions" and dataset.proto.set_value
    assert translate("export.dataset_conversions", "ru") in dataset.options


def test_a_multiselects_chips_are_labelled_anew(program: Program) -> None:
    at = open_page("pages/09_payouts.py", program.users["mgr"])
    at.selectbox(key="menu_language").set_value("ru").run()
    statuses = at.multiselect(key="payouts_statuses")
    assert not at.exception and statuses.value == ["requested", "approved"] and statuses.proto.set_value
