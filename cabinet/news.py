"""News from the program to its partners: an admin posts a title and a text (Markdown) for every partner or for one
tier's, emails it to them if the admin chooses, and archives it when it no longer holds; partners read what is
addressed to them on their home page.

The title and text are the item's default version; an admin may give it in other languages the cabinet speaks too
(`NewsItem.versions`, a title and a text each, kept in `Announcement.translations`). Each partner's login reads, and
is emailed, the version in its language, or the default one when the item has none in it.

Only admins post and archive (`ScopeError` for anyone else, or for an admin viewing as a partner); a bad item raises
`NewsError` with a translation key and nothing is written; both are audit-logged. The text is shown as Markdown
without HTML, so a post cannot run script in a partner's browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import Label, Number, RefusedRequest
from cabinet.i18n import LOCALES
from cabinet.mail import tell_partner
from cabinet.store.models import Announcement, Partner, Tier, User
from cabinet.unsubscribe import Links, maker

TITLE_MAX = 120
BODY_MAX = 5000
SHOWN = 3  # the newest items a partner's home page shows


class NewsError(RefusedRequest):
    """A news item that cannot be posted; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class NewsItem:
    """A news item as posted or shown; `tier_code` None: for every partner. `versions`: its title and text in other
    languages (locale → (title, text)); an item shown has the one in the reader's language as its title and text,
    and names the languages it has in `languages`."""

    title: str
    body: str
    tier_code: str | None = None
    id: int | None = None
    published_at: datetime | None = None
    tier_name: str | None = None
    versions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    languages: tuple[str, ...] = ()


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not post news", "news.admin_only")


def _checked(title: str, body: str, locale: str | None = None) -> tuple[str, str]:
    """A title (on one line) and a text as stored, or `NewsError`: the default version's (`locale` None) or the
    version in `locale`, named so."""
    title, body = " ".join(title.split()), body.strip()
    named = {} if locale is None else {"language": Label(f"news.in_{locale}")}
    prefix = "news.bad_" if locale is None else "news.bad_version_"
    if not 1 <= len(title) <= TITLE_MAX:
        raise NewsError(f"the {locale or 'default'} title must have 1 to {TITLE_MAX} characters", f"{prefix}title",
                        n=Number(TITLE_MAX), **named)  # fmt: skip
    if not 1 <= len(body) <= BODY_MAX:
        raise NewsError(f"the {locale or 'default'} text must have 1 to {BODY_MAX} characters", f"{prefix}body",
                        n=Number(BODY_MAX), **named)  # fmt: skip
    return title, body


def _versions(item: NewsItem) -> dict[str, dict[str, str]]:
    """The item's other versions as stored (locale → title, body); both fields empty: no version in that language;
    one of them empty, or a language the cabinet does not speak: `NewsError`."""
    stored: dict[str, dict[str, str]] = {}
    for locale, (title, body) in sorted(item.versions.items()):
        if not title.strip() and not body.strip():
            continue
        if locale not in LOCALES:
            raise NewsError(f"no language {locale!r}", "news.bad_language")
        if not title.strip() or not body.strip():
            raise NewsError(f"the {locale} version needs a title and a text", "news.version_incomplete",
                            language=Label(f"news.in_{locale}"))  # fmt: skip
        title, body = _checked(title, body, locale)
        stored[locale] = {"title": title, "body": body}
    return stored


def post(session: Session, scope: Scope, item: NewsItem, now: datetime | None = None, *, email: bool = False,
         links: Links | None = None) -> int:  # fmt: skip
    """Publish `item` (admins); its id. `email`: also email it to the active partners it is for, each login of a
    partner that did not turn news emails off (`cabinet.mail`) in its language, with `links` each with its link to
    turn them off (`cabinet.unsubscribe`)."""
    _admin(scope)
    title, body = _checked(item.title, item.body)
    versions = _versions(item)
    if item.tier_code is not None and session.get(Tier, item.tier_code) is None:
        raise NewsError(f"no tier {item.tier_code!r}", "news.bad_tier")
    row = Announcement(title=title, body=body, tier_code=item.tier_code, published_at=now or datetime.now(UTC),
                       author_user_id=scope.user_id, translations=versions)  # fmt: skip
    session.add(row)
    session.flush()
    emailed = _email(session, row, links) if email else None
    titles = {"titles": {locale: v["title"] for locale, v in versions.items()}} if versions else {}
    audit(session, "news_posted", user=session.get(User, scope.user_id), username=scope.username,
          target=f"news {row.id}", details={"title": title, "tier": item.tier_code} | titles | (
              {"emailed": emailed} if emailed is not None else {}))  # fmt: skip
    return row.id


def _in(row: Announcement, locale: str | None) -> tuple[str, str]:
    """The item's title and text in `locale`, or its default version when it has none in that language."""
    version = (row.translations or {}).get(locale or "")
    return (version["title"], version["body"]) if version else (row.title, row.body)


def _email(session: Session, row: Announcement, links: Links | None = None) -> int:
    """Queue the item to the active partners it is for, each login in its language; the number of messages."""
    query = select(Partner.id).where(Partner.status == "active").order_by(Partner.id)
    if row.tier_code is not None:
        query = query.where(Partner.tier_code == row.tier_code)
    return sum(tell_partner(session, pid, "news", "news", "news", title=lambda locale: _in(row, locale)[0],
                            message=lambda locale: _in(row, locale)[1], unsubscribe=maker(links, "news"))
               for pid in session.scalars(query))  # fmt: skip


def archive(session: Session, scope: Scope, news_id: int) -> None:
    """Take an item off the partners' pages (admins); it stays in the store and the audit log."""
    _admin(scope)
    row = session.get(Announcement, news_id)
    if row is None or row.archived:
        raise NewsError(f"no news item {news_id} to archive", "news.not_found")
    row.archived = True
    audit(session, "news_archived", user=session.get(User, scope.user_id), username=scope.username,
          target=f"news {news_id}")  # fmt: skip
    session.flush()


def for_scope(session: Session, scope: Scope, limit: int = SHOWN, locale: str | None = None) -> list[NewsItem]:
    """The newest items not archived that the scope reads, each in `locale` (its default version when it has none in
    that language; None: the default): a partner's are those for every partner or its tier; staff read every one.
    A partner's login of no partner now (an application not approved yet or declined, a blocked partner) reads none:
    the news is emailed to active partners only, and is not shown to those it is not sent to either."""
    if scope.role == "partner" and scope.own_partner_id is None:
        return []
    query = (
        select(Announcement, Tier.name)
        .outerjoin(Tier, Tier.code == Announcement.tier_code)
        .where(Announcement.archived.is_(False))
    )
    if scope.role == "partner":
        query = query.where(or_(Announcement.tier_code.is_(None), Announcement.tier_code == scope.tier_code))
    query = query.order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)
    return [NewsItem(*_in(row, locale), row.tier_code, row.id, row.published_at, tier_name,
                     languages=tuple(sorted(row.translations or {})))
            for row, tier_name in session.execute(query)]  # fmt: skip


def open_news(session: Session, scope: Scope, now: datetime | None = None) -> datetime | None:
    """When the scope's own user opened the news before (items published later are new to them; None: never), and
    record that they open it now. Staff viewing as a partner mark nothing, and see nothing as new."""
    if scope.impersonated_by:
        return datetime.max.replace(tzinfo=UTC)
    user = session.get(User, scope.user_id)
    if user is None:
        return None
    before = user.news_seen_at  # aware UTC, as the store's timestamps are read
    user.news_seen_at = now or datetime.now(UTC)
    return before
