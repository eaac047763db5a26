"""News from the program to its partners: an admin posts a title and a text (Markdown) for every partner or for one
tier's, emails it to them if the admin chooses, and archives it when it no longer holds; partners read what is
addressed to them on their home page.

Only admins post and archive (`ScopeError` for anyone else, or for an admin viewing as a partner); a bad item raises
`NewsError` with a translation key and nothing is written; both are audit-logged. The text is shown as Markdown
without HTML, so a post cannot run script in a partner's browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
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
    """A news item as posted or shown; `tier_code` None: for every partner."""

    title: str
    body: str
    tier_code: str | None = None
    id: int | None = None
    published_at: datetime | None = None
    tier_name: str | None = None


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not post news", "news.admin_only")


def post(session: Session, scope: Scope, item: NewsItem, now: datetime | None = None, *, email: bool = False,
         links: Links | None = None) -> int:  # fmt: skip
    """Publish `item` (admins); its id. `email`: also email it to the active partners it is for, each login of a
    partner that did not turn news emails off (`cabinet.mail`), with `links` each with its link to turn them off
    (`cabinet.unsubscribe`)."""
    _admin(scope)
    title, body = " ".join(item.title.split()), item.body.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise NewsError("the title must have 1 to 120 characters", "news.bad_title", n=TITLE_MAX)
    if not 1 <= len(body) <= BODY_MAX:
        raise NewsError("the text must have 1 to 5000 characters", "news.bad_body", n=BODY_MAX)
    if item.tier_code is not None and session.get(Tier, item.tier_code) is None:
        raise NewsError(f"no tier {item.tier_code!r}", "news.bad_tier")
    row = Announcement(title=title, body=body, tier_code=item.tier_code, published_at=now or datetime.now(UTC),
                       author_user_id=scope.user_id)  # fmt: skip
    session.add(row)
    session.flush()
    emailed = _email(session, title, body, item.tier_code, links) if email else None
    audit(session, "news_posted", user=session.get(User, scope.user_id), username=scope.username,
          target=f"news {row.id}", details={"title": title, "tier": item.tier_code} | (
              {"emailed": emailed} if emailed is not None else {}))  # fmt: skip
    return row.id


def _email(session: Session, title: str, body: str, tier_code: str | None, links: Links | None = None) -> int:
    """Queue the item to the active partners it is for; the number of messages."""
    query = select(Partner.id).where(Partner.status == "active").order_by(Partner.id)
    if tier_code is not None:
        query = query.where(Partner.tier_code == tier_code)
    return sum(tell_partner(session, pid, "news", "news", "news", title=title, message=body,
                            unsubscribe=maker(links, "news")) for pid in session.scalars(query))  # fmt: skip


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


def for_scope(session: Session, scope: Scope, limit: int = SHOWN) -> list[NewsItem]:
    """The newest items not archived that the scope reads: a partner's are those for every partner or its tier;
    staff read every one."""
    query = (
        select(Announcement, Tier.name)
        .outerjoin(Tier, Tier.code == Announcement.tier_code)
        .where(Announcement.archived.is_(False))
    )
    if scope.role == "partner":
        query = query.where(or_(Announcement.tier_code.is_(None), Announcement.tier_code == scope.tier_code))
    query = query.order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)
    return [NewsItem(row.title, row.body, row.tier_code, row.id, row.published_at, tier_name)
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
