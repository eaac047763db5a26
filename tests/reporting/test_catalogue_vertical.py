"""The offer catalogue in the session's words: the offer form's Vertical field names a vertical as the table does
("iGaming", "Гемблинг"), not by its stored code ("igaming"), and a vertical typed by its name in either language is
stored as its code; a creative's card names its language, and the count of creatives is a sentence."""

from __future__ import annotations

from sqlalchemy import Engine, select

from cabinet.creatives_admin import NewCreative
from cabinet.store.db import session_scope
from cabinet.store.models import Offer
from cabinet.ui.catalogue import vertical_code
from tests.reporting.conftest import Program
from tests.reporting.test_catalogue import SPORT, _add
from tests.reporting.test_creatives_admin import _add as _add_creative
from tests.reporting.test_creatives_admin import _image
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page


def test_the_form_names_the_vertical_as_the_table_does(program: Program, store_engine: Engine) -> None:
    offer = _add(program, store_engine, SPORT)
    with session_scope(store_engine) as s:
        assert s.get(Offer, offer).vertical == "igaming"
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.selectbox(key="catalogue_pick").select(offer).run()
    shown = at.text_input(key=f"catalogue_vertical_{offer}")
    assert shown.value == "iGaming" and "In use: E-commerce, iGaming." in shown.help
    at.button(key=f"FormSubmitter:catalogue_form_{offer}-Save offer {offer}").click().run()
    assert not at.exception and not at.error and [s.value for s in at.success] == ["Nothing changed."]
    with session_scope(store_engine) as s:
        assert s.get(Offer, offer).vertical == "igaming"
    ru = _open_ru(program, "root", "pages/20_catalogue.py", catalogue_pick=offer)
    assert not ru.exception and ru.text_input(key=f"catalogue_vertical_{offer}").value == "Гемблинг"


def test_a_vertical_typed_by_its_name_is_stored_by_its_code(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/20_catalogue.py", program.users["root"])
    at.text_input(key="catalogue_name_new").input("Gadgets")
    at.text_input(key="catalogue_vertical_new").input("Товары ")
    at.text_area(key="catalogue_pages_new").input("https://gadgets.example")
    at.button(key="FormSubmitter:catalogue_form_new-Add the offer").click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert s.scalar(select(Offer.vertical).where(Offer.name == "Gadgets")) == "ecommerce"
    assert [vertical_code(v) for v in ("E-commerce", "e-COMMERCE", "ecommerce", "Форекс", "crypto")] == [
        "ecommerce", "ecommerce", "ecommerce", "forex", "crypto"
    ]  # fmt: skip
    assert vertical_code(" интернет-МАГАЗИНЫ") == "ecommerce"  # its Russian name before "Товары" still means it


def test_a_creatives_card_names_its_language_and_the_count_reads_as_a_sentence(
    offers: Program,  # noqa: F811
    store_engine: Engine,
) -> None:
    """The card said "… · 5.0 KB · ru" and the count "1 creative(s).\""""
    _add_creative(offers, store_engine, NewCreative("banner.png", _image("PNG", 728, 90), "", offers.tiny.offer, "ru"))
    at = open_page("pages/20_catalogue.py", offers.users["root"])
    at.selectbox(key="catalogue_pick").select(offers.tiny.offer).run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "Creatives: 1." in captions
    assert [c for c in captions if c.startswith("banner · 728x90 · ") and c.endswith(" KB · Русский")]


def test_the_russian_table_heads_its_numbers_in_russian(program: Program) -> None:
    """The offer's number was headed "Id" on a Russian page (as the plans' were)."""
    at = _open_ru(program, "root", "pages/20_catalogue.py")
    assert not at.exception and list(at.dataframe[0].value.columns)[:2] == ["Оффер", "Статус"]
