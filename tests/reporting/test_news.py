"""News from the program: admins post for every partner or one tier's and archive; partners read what is addressed to
them on their home page (Markdown without HTML); bad items are refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from cabinet.access import ScopeError
from cabinet.errors import RefusedRequest
from cabinet.i18n import translate
from cabinet.news import NewsItem, archive, for_scope, post
from cabinet.store.db import session_scope
from cabinet.store.models import Announcement, AuditLog
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _post(program: Program, engine: Engine, item: NewsItem, at: datetime = NOW, user: str = "root") -> int:
    with session_scope(engine) as s:
        return post(s, program.users[user].scope, item, at)


def _titles(program: Program, engine: Engine, user: str) -> list[str]:
    with session_scope(engine) as s:
        return [n.title for n in for_scope(s, program.users[user].scope)]


def test_each_partner_reads_what_is_addressed_to_it_newest_first(program: Program, store_engine: Engine) -> None:
    _post(program, store_engine, NewsItem("For everyone", "Hello **all**."))
    _post(program, store_engine, NewsItem("For gold", "Gold only.", "gold"), NOW + timedelta(hours=1))
    bronze = _post(program, store_engine, NewsItem("For bronze", "Bronze only.", "bronze"), NOW + timedelta(hours=2))
    assert _titles(program, store_engine, "p_parent") == ["For gold", "For everyone"]  # gold
    assert _titles(program, store_engine, "p_child") == ["For everyone"]  # silver
    assert _titles(program, store_engine, "p_bronze") == ["For bronze", "For everyone"]
    assert _titles(program, store_engine, "mgr") == ["For bronze", "For gold", "For everyone"]
    with session_scope(store_engine) as s:
        archive(s, program.users["root"].scope, bronze)
        with pytest.raises(RefusedRequest) as again:
            archive(s, program.users["root"].scope, bronze)
        assert again.value.key == "news.not_found"
        assert [a.action for a in s.scalars(select(AuditLog).where(AuditLog.action.like("news_%")))] == [
            "news_posted", "news_posted", "news_posted", "news_archived"]  # fmt: skip
    assert _titles(program, store_engine, "p_bronze") == ["For everyone"]


@pytest.mark.parametrize(
    ("item", "key"),
    [
        (NewsItem("  ", "text"), "news.bad_title"),
        (NewsItem("x" * 121, "text"), "news.bad_title"),
        (NewsItem("Title", "   "), "news.bad_body"),
        (NewsItem("Title", "x" * 5001), "news.bad_body"),
        (NewsItem("Title", "text", "platinum"), "news.bad_tier"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(
    program: Program, store_engine: Engine, item: NewsItem, key: str
) -> None:
    with pytest.raises(RefusedRequest) as caught:
        _post(program, store_engine, item)
    assert caught.value.key == key
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(Announcement)) == 0


def test_only_admins_post_and_archive(program: Program, store_engine: Engine) -> None:
    news_id = _post(program, store_engine, NewsItem("Title", "text"))
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError):
            _post(program, store_engine, NewsItem("Title", "text"), user=user)
        with pytest.raises(ScopeError), session_scope(store_engine) as s:
            archive(s, program.users[user].scope, news_id)


def test_an_admin_posts_on_the_program_page_and_a_partner_reads_it_at_home(
    program: Program, store_engine: Engine
) -> None:
    at = open_page("pages/12_program.py", program.users["root"])
    at.text_input(key="news_title").input("Double FTD week")
    at.text_area(key="news_body").input("FTDs pay **double** until Sunday. <script>alert(1)</script>")
    at.selectbox(key="news_tier").select("gold")
    at.get("form_submit_button")[-1].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert translate("news.posted") in [s.value for s in at.success]
    home = open_page("app.py", program.users["p_parent"])
    assert translate("news.title") in [h.value for h in home.header]
    shown = [m.value for m in home.markdown]
    assert "**Double FTD week**" in shown
    assert any("**double**" in m and "<script>" in m for m in shown)  # kept as text: st.markdown shows no HTML
    other = open_page("app.py", program.users["p_child"])  # silver: not addressed
    assert translate("news.title") not in [h.value for h in other.header]
    at.button(key=f"news_archive_{_titles_id(store_engine)}").click().run()
    assert translate("news.archived") in [s.value for s in at.success]
    assert translate("news.title") not in [h.value for h in open_page("app.py", program.users["p_parent"]).header]


def _titles_id(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(Announcement.id)))


def test_items_published_since_the_last_visit_are_marked_new(program: Program, store_engine: Engine) -> None:
    _post(program, store_engine, NewsItem("First", "One."), datetime.now(UTC) - timedelta(days=2))

    def badges(user: str) -> list[str]:
        at = open_page("app.py", program.users[user])
        assert not at.exception
        at.run()  # a rerun in the same session keeps the marks
        return [m.value for m in at.markdown if "badge[" in m.value]

    new = [":blue-badge[:material/fiber_new: New]"]
    assert badges("p_parent") == new  # never opened
    assert badges("p_parent") == []  # a later session: seen
    _post(program, store_engine, NewsItem("Second", "Two."), datetime.now(UTC) + timedelta(seconds=1))
    at = open_page("app.py", program.users["p_parent"])
    shown = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert shown == ["**Second**", "**First**"] and [m.value for m in at.markdown if "badge[" in m.value] == new
    assert badges("p_child") == new * 2  # each user's own visits


def test_staff_viewing_as_a_partner_mark_nothing_read(program: Program, store_engine: Engine) -> None:
    from dataclasses import replace

    from cabinet.news import open_news
    from cabinet.store.models import User

    viewing = replace(program.users["p_parent"].scope, impersonated_by="mgr")
    with session_scope(store_engine) as s:
        assert open_news(s, viewing) > datetime.now(UTC)  # nothing is new to a viewer
        assert s.scalar(select(User.news_seen_at).where(User.username == "p_parent")) is None
        assert open_news(s, program.users["p_parent"].scope) is None  # the partner's own first visit
        assert s.scalar(select(User.news_seen_at).where(User.username == "p_parent")) is not None
