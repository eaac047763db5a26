"""Tier names as the session reads them: a default tier keeping its default name ("Gold") is named in the page's
language ("Золотой"); a name the program gave its tier is shown as typed, in every language."""

from __future__ import annotations

from sqlalchemy import Engine

from cabinet.program import tier_name
from cabinet.store.db import session_scope
from cabinet.store.models import Tier
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open


def test_a_default_name_is_translated_and_a_given_one_kept() -> None:
    assert tier_name("gold", "Gold", "ru") == "Золотой"
    assert tier_name("bronze", "Bronze", "ru") == "Бронзовый"
    assert tier_name("gold", "Gold", "en") == "Gold"
    assert tier_name("gold", "VIP партнёры", "ru") == "VIP партнёры"
    assert tier_name("gold", "Silver", "ru") == "Silver"  # another tier's default name is a name given
    assert tier_name("platinum", "Platinum", "ru") == "Platinum"


def test_a_russian_partner_reads_its_tier_in_russian(program: Program) -> None:
    at = _open_ru(program, "p_parent", "pages/10_account.py")
    assert not at.exception, at.exception
    assert [m.value for m in at.metric if m.label == "Уровень"] == ["Золотой"]


def test_the_program_page_names_default_tiers_in_the_language_and_renamed_ones_as_typed(
    program: Program, store_engine: Engine
) -> None:
    with session_scope(store_engine) as s:
        s.get(Tier, "silver").name = "Партнёры+"  # type: ignore[union-attr]
    at = _open_ru(program, "root", "pages/12_program.py")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Уровень"]) == ["Бронзовый", "Партнёры+", "Золотой"]
    picker = at.selectbox(key="program_tier")
    assert picker.options == ["Бронзовый", "Партнёры+", "Золотой"]
    audience = at.selectbox(key="news_tier")
    assert "Золотой" in audience.options and "Gold" not in audience.options
    english = _open("pages/12_program.py", program.users["root"])
    assert list(english.dataframe[0].value["Tier"]) == ["Bronze", "Партнёры+", "Gold"]


def test_a_manager_picks_a_partners_tier_by_its_russian_name(program: Program) -> None:
    at = _open_ru(program, "mgr", "pages/13_partners.py")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["Уровень"]) == {"Золотой", "Серебряный"}  # the manager's partner and its sub-partner
    pickers = [sb for sb in at.selectbox if sb.key and sb.key.startswith("partners_tier_")]
    assert [sb.options for sb in pickers] == [["Бронзовый", "Серебряный", "Золотой"]]
