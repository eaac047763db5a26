"""The Offer catalogue and Commission plans as an admin uses them in a browser: a renamed offer or plan is named anew in
the picker it was changed from (the browser kept a picker's old label, "25 · Staff Test Slots" over an offer just
renamed, unless its value is set again, which makes it redraw the label each run), and an upload pressed with no file
says what to do."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.i18n import translate
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import _plan_of


def test_a_renamed_offer_is_named_anew_in_its_picker(program: Program) -> None:
    offer = program.tiny.offer
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(offer).run()
    tag = next(ti.key for ti in at.text_input if (ti.key or "").startswith(f"catalogue_name_{offer}"))
    at.text_input(key=tag).input("Casino Deluxe")
    at.text_area(key=tag.replace("_name_", "_pages_")).input("https://casino.example/")  # an active offer needs one
    at.button(key=f"FormSubmitter:catalogue_form_{offer}-Save offer {offer}").click().run()
    assert not at.exception and at.success[0].value.startswith(f"Offer {offer} saved: Name")
    picker = at.selectbox(key="catalogue_pick")
    assert picker.value == offer and f"{offer} · Casino Deluxe" in picker.options
    assert picker.proto.set_value  # the browser takes the label anew
    at.run()
    assert at.selectbox(key="catalogue_pick").proto.set_value


def test_a_renamed_plan_is_named_anew_in_its_picker(program: Program, store_engine: Engine) -> None:
    plan = _plan_of(program, store_engine)
    at = open_page("pages/21_plans.py", program.users["root"])
    at.selectbox(key="plans_pick").select(plan).run()
    tag = next(ti.key for ti in at.text_input if (ti.key or "").startswith(f"plans_name_{plan}"))
    at.text_input(key=tag).input("CPA Standard Renamed")
    at.button(key=f"FormSubmitter:plans_form_{plan}-Save plan {plan}").click().run()
    assert not at.exception and at.success[0].value == f"Plan {plan} saved: Name."
    picker = at.selectbox(key="plans_pick")
    assert picker.value == plan and f"{plan} · CPA Standard Renamed" in picker.options
    assert picker.proto.set_value
    at.run()
    assert at.selectbox(key="plans_pick").proto.set_value


def test_uploading_with_no_file_chosen_says_what_to_do(program: Program) -> None:
    """ "Upload" pressed before any file was chosen did nothing at all: no message, no change."""
    at = open_page("pages/20_catalogue.py", program.users["root"])
    upload = next(b.key for b in at.button if (b.key or "").startswith("FormSubmitter:catalogue_upload_"))
    at.button(key=upload).click().run()
    assert not at.exception and [e.value for e in at.error] == [translate("catalogue.upload_none")]
    assert at.error[0].value.startswith("Choose the banner files first")
    assert translate("catalogue.upload_none", "ru").startswith("Сначала выберите файлы баннеров")
