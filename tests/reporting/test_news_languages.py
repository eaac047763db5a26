"""News in the partner's language: an admin gives an item's title and text in the program's language and, if it
likes, in Russian too; each partner's login reads it, at home and in the email, in its language, or the default
version when the item has none in it. A version half given, or too long, is refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, update

from cabinet.errors import RefusedRequest, localised
from cabinet.i18n import translate
from cabinet.news import NewsItem, for_scope, post
from cabinet.store.db import session_scope
from cabinet.store.models import Announcement, AuditLog, OutboxMail, User
from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
RU = {"ru": ("Двойные FTD", "FTD оплачиваются **вдвойне** до воскресенья.")}


def _post(program: Program, engine: Engine, item: NewsItem, *, email: bool = False) -> int:
    with session_scope(engine) as s:
        return post(s, program.users["root"].scope, item, NOW, email=email)


def _read(program: Program, engine: Engine, user: str, locale: str | None) -> list[tuple[str, str]]:
    with session_scope(engine) as s:
        return [(n.title, n.body) for n in for_scope(s, program.users[user].scope, locale=locale)]


def test_each_partner_reads_the_version_in_its_language_or_the_default(program: Program, store_engine: Engine) -> None:
    _post(program, store_engine, NewsItem("Double FTDs", "FTDs pay **double** until Sunday.", versions=RU))
    assert _read(program, store_engine, "p_parent", "ru") == [RU["ru"]]
    assert _read(program, store_engine, "p_parent", "en") == [("Double FTDs", "FTDs pay **double** until Sunday.")]
    assert _read(program, store_engine, "p_child", None) == [("Double FTDs", "FTDs pay **double** until Sunday.")]
    with session_scope(store_engine) as s:
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "news_posted")).one()
        assert logged == {"title": "Double FTDs", "tier": None, "titles": {"ru": "Двойные FTD"}}
        assert [n.languages for n in for_scope(s, program.users["root"].scope)] == [("ru",)]


def test_an_item_without_a_russian_version_is_read_in_its_default_one(program: Program, store_engine: Engine) -> None:
    _post(program, store_engine, NewsItem("Only English", "Text.", versions={"ru": ("  ", "\n")}))  # left empty
    assert _read(program, store_engine, "p_parent", "ru") == [("Only English", "Text.")]
    with session_scope(store_engine) as s:
        assert s.scalar(select(Announcement.translations)) == {}
        assert "titles" not in s.scalar(select(AuditLog.details).where(AuditLog.action == "news_posted"))


@pytest.mark.parametrize(
    ("versions", "key", "said"),
    [
        ({"ru": ("Заголовок", "  ")}, "news.version_incomplete", "Для версии на русском нужны и заголовок, и текст"),
        ({"ru": ("", "Текст.")}, "news.version_incomplete", "Для версии на русском нужны и заголовок, и текст"),
        ({"ru": ("з" * 121, "Текст.")}, "news.bad_version_title", "Заголовок на русском длиннее 120 символов."),
        ({"ru": ("Заголовок", "т" * 5001)}, "news.bad_version_body", "Текст на русском длиннее 5\xa0000 символов."),
        ({"de": ("Titel", "Text.")}, "news.bad_language", "Кабинет не говорит на этом языке."),
    ],
)
def test_a_bad_version_is_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, versions: dict[str, tuple[str, str]], key: str, said: str
) -> None:
    with pytest.raises(RefusedRequest) as caught:
        _post(program, store_engine, NewsItem("Title", "Text.", versions=versions), email=True)
    assert caught.value.key == key
    assert translate(key, "ru", **localised(caught.value.params, "ru")).startswith(said)
    assert translate(key, "en", **localised(caught.value.params, "en")).count("{") == 0
    with session_scope(store_engine) as s:
        for model in (Announcement, OutboxMail):
            assert s.scalar(select(func.count()).select_from(model)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "news_posted")) == 0


def test_the_email_is_in_each_recipients_language(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.execute(update(User).where(User.username == "p_child").values(locale="ru"))
    _post(program, store_engine, NewsItem("Double FTDs", "FTDs pay **double**.", versions=RU), email=True)
    _post(program, store_engine, NewsItem("No Russian", "English only."), email=True)
    with session_scope(store_engine) as s:
        mails = {(m.to_address, m.subject.split(": ", 1)[1]): m.body for m in s.scalars(select(OutboxMail))}
    assert set(mails) == {(f"{u}@example.com", title) for u in ("p_parent", "p_bronze")
                          for title in ("Double FTDs", "No Russian")} | {
        ("p_child@example.com", "Двойные FTD"), ("p_child@example.com", "No Russian")}  # fmt: skip
    assert "FTD оплачиваются **вдвойне**" in mails["p_child@example.com", "Двойные FTD"]
    assert mails["p_child@example.com", "Двойные FTD"].startswith("Здравствуйте")
    assert "FTDs pay **double**." in mails["p_parent@example.com", "Double FTDs"]
    assert "English only." in mails["p_child@example.com", "No Russian"]


def test_home_in_russian_shows_the_russian_version(program: Program, store_engine: Engine) -> None:
    _post(program, store_engine, NewsItem("Double FTDs", "FTDs pay **double**.", versions=RU))
    _post(program, store_engine, NewsItem("No Russian", "English only.", "gold"))
    home = _open_ru(program, "p_parent", "app.py")
    assert not home.exception
    assert translate("news.title", "ru") in [h.value for h in home.header]
    shown = [m.value for m in home.main.markdown]
    assert "**Двойные FTD**" in shown and RU["ru"][1] in shown
    assert "**No Russian**" in shown and "English only." in shown  # no Russian version: the default one
    assert "**Double FTDs**" not in shown
    assert translate("news.also_in", "ru", languages=translate("news.in_ru", "ru")) not in [
        c.value for c in home.caption
    ]
    english = open_page("app.py", program.users["p_parent"])
    assert "**Double FTDs**" in [m.value for m in english.main.markdown]


def test_an_admin_posts_both_versions_on_the_program_page(program: Program, store_engine: Engine) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="news_title").input("Double FTDs")
    at.text_area(key="news_body").input("FTDs pay **double**.")
    at.text_input(key="news_title_ru").input("Двойные FTD")
    at.get("form_submit_button")[-1].click().run()
    assert [e.value for e in at.error] == [translate("news.version_incomplete", language=translate("news.in_ru"))]
    assert at.text_input(key="news_title_ru").value == "Двойные FTD"  # kept, to finish
    at.text_area(key="news_body_ru").input(RU["ru"][1])
    at.get("form_submit_button")[-1].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert translate("news.posted") in [s.value for s in at.success]
    assert at.text_input(key="news_title_ru").value == ""  # the form starts empty for the next item
    assert translate("news.also_in", languages=translate("news.in_ru")) in [c.value for c in at.caption]
    assert _read(program, store_engine, "p_child", "ru") == [RU["ru"]]
