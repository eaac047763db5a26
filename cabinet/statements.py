"""Payout statements: the PDF a partner keeps for its books when a payout request is approved or paid.

A statement says who pays whom, how much, when the request was made, approved and paid, the payment's reference, and
where the money went: the payout details as they were when the payout was requested, masked as the Account page
shows them (the holder's name in full); for a request paid in the partner's own currency, what the payment file sent
and the rate it was converted at, or what its manager said was sent when paying it by hand (`cabinet.payout_sent`).
It is made on demand from the store, in the reader's language, and only for those who may see the partner's payouts:
its own logins that handle payouts, and the staff whose scope holds it.

The PDF embeds DejaVu Sans (`cabinet.pdf`), so a partner's name in Latin or Cyrillic prints as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet import formatting
from cabinet.access import Scope, ScopeError, handles_payouts, scoped_partner
from cabinet.account import masked
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.i18n import normalise_locale, translate
from cabinet.payout_sent import sent_said
from cabinet.pdf import INK, MUTED, RULE, Page, band, block
from cabinet.program import DEFAULT_NAME, program_timezone, support_email
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings, User

STATED = ("approved", "paid")  # a request still open, or rejected, pays nothing: no statement


class StatementError(RefusedRequest):
    """A statement that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class Statement:
    """A statement as downloaded: its file name and the PDF."""

    file_name: str
    pdf: bytes


def statable(session: Session, scope: Scope, payout_id: int) -> PayoutRequest:
    """The request, when `scope` may have its statement: its partner in scope, the login handling payouts, and the
    request approved or paid. ScopeError or StatementError otherwise."""
    payout = session.get(PayoutRequest, payout_id)
    if payout is None:
        raise StatementError(f"no payout request {payout_id}", "statements.no_such_request", payout=payout_id)
    scoped_partner(session, scope, payout.partner_id)
    if not handles_payouts(session, scope):
        raise ScopeError(f"{scope.username!r} may not see payouts", "payouts.no_access")
    if payout.status not in STATED:
        raise StatementError(f"request {payout_id} is {payout.status}", "statements.not_stated",
                             payout=payout_id)  # fmt: skip
    return payout


def payout_statement(session: Session, scope: Scope, payout_id: int, locale: str | None = None,
                     logo: bytes | None = None) -> Statement:  # fmt: skip
    """The statement of an approved or paid payout request, in `locale`, with the program's `logo` (an image file's
    bytes, checked when it was uploaded) at the top when it has one; its download is audit-logged."""
    payout = statable(session, scope, payout_id)
    partner = session.get(Partner, payout.partner_id)
    program = session.scalars(select(ProgramSettings)).first()
    assert partner is not None  # scoped_partner found it
    loc = normalise_locale(locale)
    pdf = _render(payout, partner, program, support_email(session), ZoneInfo(program_timezone(session)), loc, logo)
    audit(session, "payout_statement", user=session.get(User, scope.user_id), username=scope.username,
          target=f"payout {payout.id}", details={"partner_id": partner.id,
                                                 "viewing_as_partner": bool(scope.impersonated_by)})  # fmt: skip
    session.flush()
    return Statement(f"payout-statement-{payout.id}.pdf", pdf)


def _render(payout: PayoutRequest, partner: Partner, program: ProgramSettings | None, contact: str | None,
            zone: ZoneInfo, loc: str, logo: bytes | None = None) -> bytes:  # fmt: skip
    """The PDF of one statement."""

    def tr(key: str, **values: object) -> str:
        return translate(f"statements.{key}", loc, **values)

    def day(when: datetime | None) -> str:
        return formatting.fmt_day(when.astimezone(zone).date(), loc) if when else "—"  # as the monthly statement

    name = program.name if program else DEFAULT_NAME
    now = datetime.now(UTC)
    made = formatting.fmt_moment(now.astimezone(zone), loc)
    doc = Page(tr("footer", program=name, made=made, zone=str(zone)))
    doc.set_title(tr("title", payout=payout.id))
    doc.set_author(name)
    doc.set_creator("Partner Cabinet")
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    band(doc, name, program.primary_color if program else "", logo, tr("kind"))

    doc.set_y(36)
    doc.set_text_color(*INK)
    doc.set_font("DejaVu", "B", 16)
    doc.cell(0, 9, tr("title", payout=payout.id), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("DejaVu", "", 9)
    doc.set_text_color(*MUTED)
    doc.cell(0, 6, tr("issued", day=day(now)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(5)

    top = doc.get_y()
    legal = (program.legal_details or "").splitlines() if program else []
    payer_end = block(doc, doc.l_margin, top, width / 2 - 4, tr("payer"), [name, *legal, contact or ""])
    payee_end = block(doc, doc.l_margin + width / 2 + 4, top, width / 2 - 4, tr("payee"),
                       [partner.name, *(partner.billing_details or "").splitlines(),
                        tr("partner_id", partner=partner.id), partner.email or ""])  # fmt: skip
    doc.set_y(max(payer_end, payee_end, top + 30) + 4)

    method = payout.method or ""
    rows = [
        (tr("status"), translate(f"payouts.status_{payout.status}", loc)),
        (tr("requested"), day(payout.requested_at)),
        (tr("approved"), day(payout.approved_at)),
        (tr("paid"), day(payout.paid_at) if payout.status == "paid" else tr("not_yet")),
        (tr("reference"), payout.reference or "—"),
        (tr("method"), translate(f"account.method_{method}", loc) if method in ("wire", "paypal", "usdt") else method),
    ]
    if sent := sent_said(payout, loc):  # paid in the partner's currency: what the file sent, at what rate
        rate_day = None if payout.sent_by_hand else payout.sent_rate_day  # by hand: the day paid, said above
        rows.append((tr("sent"), tr("sent_value", sent=sent, day=formatting.fmt_day(rate_day, loc))
                     if rate_day else sent))  # fmt: skip
    labels = {k: translate(f"account.field_{k}", loc) for k in ("holder", "iban", "email", "wallet")}
    details = dict(payout.details or {})
    shown = {**masked(details), **{k: v for k, v in details.items() if k == "holder"}}  # a name is no account number
    rows += [(labels.get(k, k), v) for k, v in shown.items()]
    doc.ln(2)
    for label, value in rows:
        doc.set_font("DejaVu", "", 9.5)
        doc.set_text_color(*MUTED)
        doc.cell(width * 0.35, 7, label)
        doc.set_text_color(*INK)
        doc.multi_cell(width * 0.65, 7, str(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(6)

    amount = formatting.money_text(Decimal(payout.amount), payout.currency, loc)
    doc.set_draw_color(*RULE)
    doc.set_font("DejaVu", "B", 9.5)
    doc.set_text_color(*MUTED)
    doc.cell(width * 0.7, 8, tr("description"), border="B")
    doc.cell(width * 0.3, 8, tr("amount", currency=payout.currency), border="B", align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    doc.set_font("DejaVu", "", 10)
    doc.set_text_color(*INK)
    doc.cell(width * 0.7, 9, tr("line", payout=payout.id), border="B")
    doc.cell(width * 0.3, 9, amount, border="B", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("DejaVu", "B", 11)
    doc.cell(width * 0.7, 10, tr("total"))
    doc.cell(width * 0.3, 10, amount, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(4)
    doc.set_font("DejaVu", "", 8.5)
    doc.set_text_color(*MUTED)
    doc.multi_cell(0, 4.5, tr("explained", currency=payout.currency), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if sent:  # a file's figure is converted at the day's rate; a manager's is what went, its rate worked out from it
        explained = "sent_explained_hand" if payout.sent_by_hand else "sent_explained"
        doc.multi_cell(0, 4.5, tr(explained, sent=payout.sent_currency, currency=payout.currency),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    return bytes(doc.output())
