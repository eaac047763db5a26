"""Email from the cabinet, through a transactional outbox.

A change that somebody should hear of by email (a password reset asked for, a password changed, a payout request
decided, an application decided, news an admin chose to email) queues its message in the store's `outbox` in the
change's own transaction: a message goes out only for a change that committed, and no change waits for, or fails
with, a mail server.

`deliver` sends what is due. The app starts it in a background thread right after such a change
(`cabinet.ui.mailer`), and `cabinet mail send --every 60s` (beside the app under `cabinet serve`) sends the rest: mail
queued from the command line, and retries. A failed send is tried again after 2, 4, 8 and 16 minutes, then given up
(`failed`, with the server's answer kept; `cabinet mail status` lists them). A permanent refusal of a message (an SMTP
5xx to its sender, recipient or content; an address in non-ASCII letters that a server without SMTPUTF8 cannot take)
is given up at once (a 5xx to its recipient marked `refused`: that address is not tried again on request,
`cabinet.mail_admin.retry_failed`); a 4xx (greylisting) is retried; a server that cannot be reached or refuses the
connection or the login ends the round, its messages tried again. Sent messages are deleted after 30 days, given-up
ones after 90 (`prune`, run by `cabinet mail send`). A sender claims each message with a lease (a conditional UPDATE
moving `next_attempt_at` ahead, counted from the claim), so two senders never send one message twice.

Messages go to the SMTP server of `smtp_url` (`smtp://` plain, `smtp+starttls://`, or `smtps://`, with the login in the
URL), or, without one, to an `.eml` file per message in `data/outbox/` (demo installs; systems that take mail by file;
`cabinet.mail_transport`). Texts are in the recipient's language (`cabinet/locales/*/mail.json`). Mail a login may turn
off (the weekly summary, news, saved reports, the staff's digest) says how in its footer, with a link that does it
(`cabinet.unsubscribe`), also sent as its List-Unsubscribe header, with List-Unsubscribe-Post: a mail program's
one-click POST to the link does the same (`cabinet.one_click`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from cabinet.colours import DEFAULT_BRAND
from cabinet.config import ConfigError, Settings
from cabinet.formatting import fmt_moment, zoned
from cabinet.i18n import translate
from cabinet.mail_html import Brand, html_version, logo_file
from cabinet.mail_transport import FileTransport, SmtpTransport, Transport, Undeliverable
from cabinet.store.models import OutboxMail, Partner, ProgramSettings, User

KINDS = (
    "password_reset",
    "password_changed",
    "second_factor_off",
    "email_changed",
    "email_confirm",
    "payout_details_changed",
    "payout_update",
    "application",
    "offer_access",
    "plan_changed",
    "payout_currency_changed",
    "team_changed",
    "digest",
    "news",
    "test",
    "welcome",
    "weekly",
    "report",
    "etl_alert",
)
# a partner's email preferences and their defaults (`Partner.notification_prefs`); the weekly summary is asked for
PREFS = {"payout_updates": True, "news": True, "email_weekly": False}
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=2)  # doubled after each failed attempt
LEASE = timedelta(minutes=5)  # a claimed message is not taken by another sender for this long
KEEP_SENT = timedelta(days=30)  # how long the outbox keeps a sent message (`prune`)
KEEP_FAILED = timedelta(days=90)  # and one given up on
BATCH = 100
QUEUED = "cabinet_mail_queued"  # `Session.info` key: this transaction queued mail
Unsubscribe = Callable[[User], str | None]  # the link that turns a kind of mail off for a login (`cabinet.unsubscribe`)


def transport_for(cfg: Settings) -> Transport:
    """The SMTP server of the settings, or files in the data directory's `outbox/` without one; ConfigError for a
    `mail_from` that is not one address (a server refuses such a sender, and each message was given up at once)."""
    if cfg.mail_from and not _one_address(cfg.mail_from):
        raise ConfigError(f"mail_from must be one email address, such as Program <no-reply@example.com>, "
                          f"not {cfg.mail_from!r}")  # fmt: skip
    return SmtpTransport.from_url(cfg.smtp_url) if cfg.smtp_url else FileTransport(cfg.outbox_dir)


def _one_address(value: str) -> bool:
    """True when `value` is one address with a mailbox and a domain, a name before it or not."""
    try:
        header = HeaderRegistry()("From", value)
    except (IndexError, ValueError):  # the parser's own failures on some broken values ("a@")
        return False
    return len(header.addresses) == 1 and not header.defects and bool(header.addresses[0].domain)


def sender_for(cfg: Settings, program: str) -> str:
    """The From address: `mail_from`, else the program's name at no-reply of the SMTP host (or localhost)."""
    if cfg.mail_from:
        return cfg.mail_from
    host = urlsplit(cfg.smtp_url).hostname if cfg.smtp_url else None
    return formataddr((program, f"no-reply@{host or 'localhost'}"))


def queue(session: Session, to: str, subject: str, body: str, kind: str, user_id: int | None = None,
          attachment: tuple[str, bytes] | None = None, unsubscribe_url: str | None = None) -> OutboxMail:  # fmt: skip
    """Add a message (with `attachment`, a file name and its bytes; with `unsubscribe_url`, its List-Unsubscribe
    link) to the outbox in the caller's transaction; it is sent after that commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of mail {kind!r}")
    mail = OutboxMail(kind=kind, user_id=user_id, to_address=to.strip(), subject=" ".join(subject.split())[:255],
                      body=body, status="queued", attempts=0, unsubscribe_url=unsubscribe_url)  # fmt: skip
    if attachment is not None:
        mail.attachment_name, mail.attachment = attachment
    session.add(mail)
    session.info[QUEUED] = True  # for a sender waiting on commits (`cabinet.ui.mailer`)
    return mail


def _program(session: Session) -> tuple[str, str]:
    row = session.execute(select(ProgramSettings.name, ProgramSettings.support_email)).first()
    return (row[0], row[1] or "") if row else ("Partner Cabinet", "")


def said_when(moment: datetime, zone: str | None, locale: str) -> str:
    """A moment as an email to a login states it: in the login's time zone, named (`zoned`), the date and hour
    as its language writes them: "Nov 1, 2026, 15:00 MSK", "1 нояб. 2026 г., 15:00 MSK" (not "2026-11-01 15:00")."""
    local, name = zoned(moment, zone)  # its zone (UTC for none or an unknown one), named
    return f"{fmt_moment(local, locale)} {name}"


def tell_user(session: Session, user: User, kind: str, text: str, *, to: str | None = None,
              unsubscribe: Unsubscribe | None = None, **values: object) -> OutboxMail | None:  # fmt: skip
    """Queue the message `mail.<text>_subject`/`_body` to a login (at `to` instead of its address: an address it had),
    in its language; None when there is no address. With `unsubscribe` (mail a login may turn off: not a password
    reset), its footer says how, with the link `unsubscribe` makes for the login, also its List-Unsubscribe header."""
    address = to or user.email
    if not address or "@" not in address:
        return None
    program, support = _program(session)
    values = {"program": program, "name": user.display_name, "username": user.username} | {
        k: v(user.locale) if callable(v) else said_when(v, user.timezone, user.locale) if isinstance(v, datetime) else v
        for k, v in values.items()  # e.g. an amount in the user's format, a moment in the user's time zone
    }
    subject = translate(f"mail.{text}_subject", user.locale, **values)
    body = translate(f"mail.{text}_body", user.locale, **values)
    footer = translate("mail.footer_support" if support else "mail.footer", user.locale, program=program,
                       support=support)  # fmt: skip
    link = unsubscribe(user) if unsubscribe is not None else None
    if unsubscribe is not None:
        footer += "\n" + translate(f"mail.footer_settings_{kind}", user.locale)
        if link:
            footer += "\n" + translate("mail.footer_unsubscribe", user.locale, url=link)
    return queue(session, address, subject, f"{body}\n\n-- \n{footer}\n", kind, user.id, unsubscribe_url=link)


def partner_prefs(partner: Partner) -> dict[str, bool]:
    """The partner's email preferences, with the defaults for those it never set."""
    saved = partner.notification_prefs or {}
    return {name: bool(saved.get(name, default)) for name, default in PREFS.items()}


def tell_partner(session: Session, partner_id: int, pref: str | None, kind: str, text: str, *, money: bool = False,
                 unsubscribe: Unsubscribe | None = None, **values: object) -> int:  # fmt: skip
    """Queue a message to each enabled login of a partner (one per address; of a message about `money`, only those
    with `payouts_access`), unless the partner turned `pref` off; the number queued. `unsubscribe`: as `tell_user`'s."""
    partner = session.get(Partner, partner_id)
    if partner is None or (pref is not None and not partner_prefs(partner)[pref]):
        return 0
    query = select(User).where(User.partner_id == partner_id, User.is_active.is_(True))
    if money:
        query = query.where(User.payouts_access.is_(True))
    users = session.scalars(query.order_by(User.id)).all()
    seen: set[str] = set()
    count = 0
    for user in users:
        address = (user.email or "").strip().lower()
        if address and address not in seen and tell_user(session, user, kind, text, unsubscribe=unsubscribe,
                                                         partner=partner.name, **values):  # fmt: skip
            seen.add(address)
            count += 1
    return count


@dataclass(frozen=True)
class Delivery:
    """What one `deliver` call did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _id_domain(sender: str) -> str:
    """The domain of the Message-ID and the logo's Content-ID: the sender's, in ASCII. Python's default is the server's
    own host name (`socket.getfqdn()`), which told every recipient the machine's internal name (or `localhost`, a
    mark of a misconfigured sender to spam filters)."""
    domain = parseaddr(sender)[1].rpartition("@")[2].strip("[]")
    try:
        return domain.encode("idna").decode("ascii") if domain else "localhost"
    except UnicodeError:
        return "localhost"


class _Policy(EmailPolicy):
    """Python's default policy, but for List-Unsubscribe, which is written on one line as it is (RFC 5322 allows 998
    characters): at 78 the default wrote its link, one long word, as RFC 2047 encoded words, which no mail program
    reads as a link (RFC 2369 wants the address itself in angle brackets)."""

    def fold(self, name: str, value: str) -> str:
        return EmailPolicy.fold(self._for(name), name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        return EmailPolicy.fold_binary(self._for(name), name, value)

    def _for(self, name: str) -> EmailPolicy:
        return self.clone(max_line_length=998) if name.lower() == "list-unsubscribe" else self


POLICY = _Policy()


def _message(mail: OutboxMail, sender: str, brand: Brand | None = None) -> EmailMessage:
    """The message: its plain text, and with `brand` an HTML version of it (the logo a related image part)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    domain = _id_domain(sender)
    message["Message-ID"] = make_msgid("cabinet", domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Cabinet-Mail-Id"] = str(mail.id)
    if mail.unsubscribe_url:  # the link, which also takes a mail program's one-click POST (`cabinet.one_click`)
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(mail.body)
    if brand is not None:
        cid = make_msgid("logo", domain) if brand.logo and brand.logo_type else None
        html = html_version(mail.body, brand.name, brand.color, cid and cid[1:-1], markdown=mail.kind == "news")
        message.add_alternative(html, subtype="html")
        if cid is not None:
            html_part = message.get_payload()[-1]
            html_part.add_related(brand.logo, maintype="image", subtype=brand.logo_type, cid=cid)
    if mail.attachment is not None and mail.attachment_name:
        from cabinet.export import MIME  # here: it brings polars, which the auth and `cabinet users` do not need

        kind = MIME.get(mail.attachment_name.rsplit(".", 1)[-1], "application/octet-stream")
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(mail.attachment, maintype=maintype, subtype=subtype, filename=mail.attachment_name)
    return message


def _this_message(exc: BaseException) -> bool:
    """A refusal of this message alone (its sender, recipient or content): the next one may still go. Anything else
    (a server down or refusing the connection, a login refused, a disk full) would fail every message alike."""
    refusals = smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError
    return isinstance(exc, refusals | Undeliverable | ValueError)


def _permanent(exc: BaseException) -> bool:
    """A refusal of this message that a retry cannot change: the server's 5xx (to every recipient), or a message
    it can never take. A 4xx (a greylisting server's "try again later") is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, Undeliverable)


def _system_clock() -> datetime:
    return datetime.now(UTC)


def deliver(engine: Engine, transport: Transport, sender: str, now: datetime | None = None, limit: int = BATCH,
            brand: Brand | None = None, clock: Callable[[], datetime] | None = None) -> Delivery:  # fmt: skip
    """Send the outbox's messages due at `now`, oldest first, each claimed so no other sender takes it. A claim's
    lease and a retry's time count from `clock` at that moment, not from the round's start: a round on a slow server
    can outlast a lease. The clock is the system's, or, given only `now`, stays at it (a round at a chosen time)."""
    if clock is None:
        clock = _system_clock if now is None else lambda: now  # type: ignore[return-value]
    now = now or clock()
    due = select(OutboxMail.id).where(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
    with engine.connect() as conn:
        ids = list(conn.scalars(due.order_by(OutboxMail.id).limit(limit)))
    sent = retrying = failed = 0
    batch = getattr(transport, "batch", None)  # one connection for the round, where the transport has them
    with batch() if batch is not None else nullcontext(transport.send) as send:
        for mail_id in ids:
            outcome = _deliver_one(engine, mail_id, send, sender, now, clock, brand)
            sent += outcome == "sent"
            retrying += outcome in ("retry", "stop")
            failed += outcome == "failed"
            if outcome == "stop":  # the server cannot be reached or refuses us: the rest wait, untouched
                break
    return Delivery(sent, retrying, failed)


def _deliver_one(engine: Engine, mail_id: int, send: Callable[[EmailMessage], None], sender: str, now: datetime,
                 clock: Callable[[], datetime], brand: Brand | None = None) -> str | None:  # fmt: skip
    """Claim and send one message: sent, retry, failed (given up), stop (to retry, and the round ends), or None when
    another sender has it."""
    with engine.begin() as conn:  # the claim: only one sender's UPDATE finds the row still due
        claimed = conn.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.status == "queued", OutboxMail.next_attempt_at <= now)
            .values(next_attempt_at=clock() + LEASE)
        ).rowcount
    if not claimed:
        return None
    with Session(engine, expire_on_commit=False) as session:
        mail = session.get_one(OutboxMail, mail_id)
    outcome = "sent"
    try:  # outside any transaction: a slow server holds no lock in the store
        send(_message(mail, sender, brand))
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        attempts, error = mail.attempts + 1, f"{type(exc).__name__}: {exc}"[:500]
        mine = _this_message(exc)  # a login refused (535) is the server's answer too, yet not about this message
        if attempts >= MAX_ATTEMPTS or (mine and _permanent(exc)):
            refused = isinstance(exc, smtplib.SMTPRecipientsRefused) and _permanent(exc)  # the address, for good
            outcome, values = "failed", {"status": "failed", "refused": refused}
        else:
            outcome = "retry" if mine else "stop"
            values = {"next_attempt_at": clock() + RETRY_AFTER * 2 ** (attempts - 1)}
        values |= {"attempts": attempts, "last_error": error}
    else:
        values = {"status": "sent", "sent_at": clock(), "attempts": mail.attempts + 1, "last_error": None}
    with engine.begin() as conn:
        conn.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))
    return outcome


def deliver_with(cfg: Settings, engine: Engine, now: datetime | None = None) -> Delivery:
    """`deliver` through the settings' transport and sender."""
    with Session(engine) as session:
        program, _ = _program(session)
        row = session.execute(select(ProgramSettings.primary_color, ProgramSettings.logo_path)).first()
    color, logo_path = row if row is not None else (None, None)
    brand = Brand(program, color or DEFAULT_BRAND, *logo_file(cfg.data_dir / logo_path if logo_path else None))
    return deliver(engine, transport_for(cfg), sender_for(cfg, program), now, brand=brand)


def prune(engine: Engine, now: datetime | None = None) -> int:
    """Delete messages sent more than `KEEP_SENT` ago and those given up more than `KEEP_FAILED` ago (their texts
    hold links and personal data no one needs by then); how many."""
    now = now or datetime.now(UTC)
    old_sent = (OutboxMail.status == "sent") & (OutboxMail.sent_at < now - KEEP_SENT)
    old_failed = (OutboxMail.status == "failed") & (OutboxMail.created_at < now - KEEP_FAILED)
    with engine.begin() as conn:
        return int(conn.execute(delete(OutboxMail).where(old_sent | old_failed)).rowcount)


def counts(session: Session) -> dict[str, int]:
    """Messages in the outbox by status."""
    rows = session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
    return {status: int(n) for status, n in rows}


def refused_count(session: Session) -> int:
    """Messages given up on because the recipient's server refused the address for good (`OutboxMail.refused`):
    "send the given-up again" leaves them."""
    query = select(func.count()).where(OutboxMail.status == "failed", OutboxMail.refused.is_(True))
    return int(session.scalar(query) or 0)


def recent(session: Session, limit: int = 50, status: str | None = None) -> list[OutboxMail]:
    """The newest messages (of one status), newest first."""
    query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
    return list(session.scalars(query.where(OutboxMail.status == status) if status else query))
