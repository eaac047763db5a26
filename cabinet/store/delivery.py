"""The store's outgoing messages: emails in the outbox (`cabinet.mail`), partners' postbacks and their calls
(`cabinet.postbacks`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from cabinet.store.base import Base, UtcDateTime, utcnow


class OutboxMail(Base):
    """An email to send (`cabinet.mail`): queued in the transaction of the change it tells of, sent after it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_user_id_kind", "user_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the login it is for, when one
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed (gave up)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)  # also a sender's lease
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # a file sent with it (a saved report's spreadsheet, `cabinet.report_mail`)
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the signed link that turns this kind of mail off for its login or partner (`cabinet.unsubscribe`), sent as the
    # List-Unsubscribe header; none for a message that must go (a password reset)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(1000))
    # given up because the recipient's server refused the address for good (a 5xx): not sent again on request
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Postback(Base):
    """A partner's postback (`cabinet.postbacks`): a URL its server is called at when one of its conversions reaches
    one of `statuses` (of one of `types`; none: every type)."""

    __tablename__ = "postbacks"
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(Text)  # a template: {macros} are filled in per conversion
    statuses: Mapped[list[Any]] = mapped_column(default=list)
    types: Mapped[list[Any]] = mapped_column(default=list)
    offers: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")  # offer ids; none: every offer
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    from_run: Mapped[int] = mapped_column(Integer, default=0)  # changes of ETL runs after this one are told
    seen_run: Mapped[int] = mapped_column(Integer, default=0)  # the changes up to this run are queued
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class PostbackSend(Base):
    """One call of a postback for one change of a conversion's status (by ETL run `run_id`): queued, sent (a 2xx
    answer) or failed (given up)."""

    __tablename__ = "postback_sends"
    __table_args__ = (
        UniqueConstraint("postback_id", "conversion_id", "run_id"),
        Index("ix_postback_sends_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_postback_sends_partner_id_id", "partner_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    postback_id: Mapped[int] = mapped_column(ForeignKey("postbacks.id"))
    partner_id: Mapped[int] = mapped_column(Integer)
    conversion_id: Mapped[str] = mapped_column(String(255))  # as long as the inbox takes (contract)
    status: Mapped[str] = mapped_column(String(16))  # the conversion's status it tells of
    run_id: Mapped[int] = mapped_column(Integer)  # the ETL run that changed it to that status
    url: Mapped[str] = mapped_column(Text)  # as called: the macros filled in
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed (gave up)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)  # also a sender's lease
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
