"""News from the program: the newest items on the home page, and the admins' form to post and archive them on the
Program settings page (`cabinet.news` checks and stores)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from cabinet import news as _news
from cabinet.access import Scope
from cabinet.i18n import LOCALES
from cabinet.news import NewsItem
from cabinet.program import program_locale
from cabinet.ui import unsubscribe
from cabinet.ui.dates import fmt_moment
from cabinet.ui.resources import engine
from cabinet.ui.text import current_locale, t, tier_label
from cabinet.ui.unreachable import session_scope
from cabinet.ui.widgets import save_then_rerun


def _items(scope: Scope, limit: int, locale: str | None = None) -> list[NewsItem]:
    """The newest items the scope reads, each in `locale` (None: its default version)."""
    with session_scope(engine()) as s:
        return _news.for_scope(s, scope, limit, locale)


_SEEN_KEY = "news_seen_before"  # when the user had opened the news before this session: newer items are new


def _show(item: NewsItem, timezone: str, new: bool = False, languages: bool = False) -> None:
    """An item in a box; `languages`: with the languages it has besides its default version (the admins' list)."""
    with st.container(border=True):
        if new:
            st.badge(t("news.new"), icon=":material/fiber_new:", color="blue")
        st.markdown(f"**{item.title}**")  # Markdown without HTML: a post cannot run script in the browser
        audience = tier_label(item.tier_code or "", item.tier_name) if item.tier_name else t("news.everyone")
        when = item.published_at.astimezone(ZoneInfo(timezone)) if item.published_at else None
        st.caption(t("news.meta", when=fmt_moment(when) if when else "—", audience=audience))
        st.markdown(item.body)
        if languages and item.languages:
            st.caption(t("news.also_in", languages=", ".join(t(f"news.in_{lang}") for lang in item.languages)))


def news_feed(scope: Scope, timezone: str) -> None:
    """The newest items the user reads, each in the session's language when it has a version in it, on the home page;
    nothing when there are none."""
    items = _items(scope, _news.SHOWN, current_locale())
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
    """For admins: post an item to every partner or one tier's, in the program's language and, if they like, in each
    other language the cabinet speaks, side by side; and archive the items partners see now."""
    st.header(t("news.title"))
    with session_scope(engine()) as s:
        default = program_locale(s)
    others = [lang for lang in LOCALES if lang != default]
    st.caption(t("news.versions_caption", language=t(f"news.in_{default}"),
                 others=", ".join(t(f"news.in_{lang}") for lang in others)))  # fmt: skip
    # no max_chars: the browser drops a longer paste whole (the item's text was lost); a long title or text stays in
    # its field and is refused with its limit (`cabinet.news`)
    with st.form("news_post", clear_on_submit=False):
        columns = dict(zip([default, *others], st.columns(1 + len(others)), strict=True))
        title = columns[default].text_input(t("news.item_title_in", language=t(f"news.in_{default}")),
                                            key="news_title")  # fmt: skip
        body = columns[default].text_area(t("news.item_body_in", language=t(f"news.in_{default}")), key="news_body",
                                          help=t("news.body_help"))  # fmt: skip
        versions = {
            lang: (columns[lang].text_input(t("news.item_title_in", language=t(f"news.in_{lang}")),
                                            key=f"news_title_{lang}"),
                   columns[lang].text_area(t("news.item_body_in", language=t(f"news.in_{lang}")),
                                           key=f"news_body_{lang}", help=t("news.version_help")))
            for lang in others
        }  # fmt: skip
        audience = st.selectbox(t("news.audience"), [None, *tiers], key="news_tier",
                                format_func=lambda c: tiers[c] if c else t("news.everyone"))  # fmt: skip
        email = st.checkbox(t("news.email"), key="news_email", help=t("news.email_help"))
        sent = st.form_submit_button(t("news.post"), type="primary")
    if sent:  # posted: the form starts empty for the next item
        links = unsubscribe.links() if email else None  # each message with its link to turn news emails off
        item = NewsItem(title, body, audience, versions=versions)
        save_then_rerun(lambda s: _news.post(s, scope, item, email=email, links=links),
                        _DONE_KEY, ("news.posted_emailed" if email else "news.posted", _POSTED),
                        clear=("news_title", "news_body", "news_email",
                               *(f"news_{f}_{lang}" for lang in others for f in ("title", "body"))),
                        once=("news_post", title, body, tuple(sorted(versions.items())), audience, email))  # fmt: skip
    _say_done(_POSTED)
    for item in _items(scope, 20):  # as posted: the default version, and the languages that have their own
        _show(item, timezone, languages=True)
        if st.button(t("news.archive"), key=f"news_archive_{item.id}", icon=":material/archive:"):
            save_then_rerun(lambda s, news_id=item.id: _news.archive(s, scope, news_id), _DONE_KEY,
                            ("news.archived", _ARCHIVED))  # fmt: skip
    _say_done(_ARCHIVED)  # where the items end: the one archived is gone from them
