"""News from the program: the newest items on the home page, and the admins' form to post and archive them on the
Program settings page (`cabinet.news` checks and stores)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from cabinet import news as _news
from cabinet.access import Scope
from cabinet.news import NewsItem
from cabinet.store.db import session_scope
from cabinet.ui import unsubscribe
from cabinet.ui.dates import fmt_moment
from cabinet.ui.resources import engine
from cabinet.ui.text import t, tier_label
from cabinet.ui.widgets import save_then_rerun


def _items(scope: Scope, limit: int) -> list[NewsItem]:
    with session_scope(engine()) as s:
        return _news.for_scope(s, scope, limit)


_SEEN_KEY = "news_seen_before"  # when the user had opened the news before this session: newer items are new


def _show(item: NewsItem, timezone: str, new: bool = False) -> None:
    with st.container(border=True):
        if new:
            st.badge(t("news.new"), icon=":material/fiber_new:", color="blue")
        st.markdown(f"**{item.title}**")  # Markdown without HTML: a post cannot run script in the browser
        audience = tier_label(item.tier_code or "", item.tier_name) if item.tier_name else t("news.everyone")
        when = item.published_at.astimezone(ZoneInfo(timezone)) if item.published_at else None
        st.caption(t("news.meta", when=fmt_moment(when) if when else "—", audience=audience))
        st.markdown(item.body)


def news_feed(scope: Scope, timezone: str) -> None:
    """The newest items the user reads, on the home page; nothing when there are none."""
    items = _items(scope, _news.SHOWN)
    if items:
        if _SEEN_KEY not in st.session_state:  # once a session: the marks stay while the user moves around
            with session_scope(engine()) as s:
                st.session_state[_SEEN_KEY] = (_news.open_news(s, scope),)
        seen = st.session_state[_SEEN_KEY][0]
        st.header(t("news.title"))
        for item in items:
            _show(item, timezone, new=item.published_at is not None and (seen is None or item.published_at > seen))


_DONE_KEY = "news_done"  # (notice key, place): said once after the rerun, under the form or the items clicked
_POSTED, _ARCHIVED = "posted", "archived"  # at the top of the news, an archive button's notice was screens away


def _say_done(place: str) -> None:
    done = st.session_state.get(_DONE_KEY)
    if done is not None and done[1] == place:
        del st.session_state[_DONE_KEY]
        st.success(t(done[0]))


def news_admin(scope: Scope, timezone: str, tiers: dict[str, str]) -> None:
    """For admins: post an item to every partner or one tier's, and archive the items partners see now."""
    st.header(t("news.title"))
    # no max_chars: the browser drops a longer paste whole (the item's text was lost); a long title or text stays in
    # its field and is refused with its limit (`cabinet.news`)
    with st.form("news_post", clear_on_submit=False):
        title = st.text_input(t("news.item_title"), key="news_title")
        body = st.text_area(t("news.item_body"), key="news_body", help=t("news.body_help"))
        audience = st.selectbox(t("news.audience"), [None, *tiers], key="news_tier",
                                format_func=lambda c: tiers[c] if c else t("news.everyone"))  # fmt: skip
        email = st.checkbox(t("news.email"), key="news_email", help=t("news.email_help"))
        sent = st.form_submit_button(t("news.post"), type="primary")
    if sent:  # posted: the form starts empty for the next item
        links = unsubscribe.links() if email else None  # each message with its link to turn news emails off
        save_then_rerun(lambda s: _news.post(s, scope, NewsItem(title, body, audience), email=email, links=links),
                        _DONE_KEY, ("news.posted_emailed" if email else "news.posted", _POSTED),
                        clear=("news_title", "news_body", "news_email"),
                        once=("news_post", title, body, audience, email))  # fmt: skip
    _say_done(_POSTED)
    for item in _items(scope, 20):
        _show(item, timezone)
        if st.button(t("news.archive"), key=f"news_archive_{item.id}", icon=":material/archive:"):
            save_then_rerun(lambda s, news_id=item.id: _news.archive(s, scope, news_id), _DONE_KEY,
                            ("news.archived", _ARCHIVED))  # fmt: skip
    _say_done(_ARCHIVED)  # where the items end: the one archived is gone from them
