"""Payout statements: the PDF a partner keeps for its books when a payout request is approved or paid.

A statement says who pays whom, how much, when the request was made, approved and paid, the payment's reference, and
where the money went: the payout details as they were when the payout was requested, masked as the Account page
shows them (the holder's name in full). It is made on demand from the store, in the reader's language, and only for
those who may see the partner's payouts: its own logins that handle payouts, and the staff whose scope holds it.

The PDF embeds DejaVu Sans (Latin, Cyrillic, currency signs; `cabinet/fonts`, its licence beside it), so a partner's
name in any of those scripts prints as typed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError, handles_payouts, scoped_partner
from cabinet.account import masked
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.i18n import normalise_locale, translate
from cabinet.program import program_timezone, support_email
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings, User

FONTS = Path(__file__).resolve().parent / "fonts"
STATED = ("approved", "paid")  # a request still open, or rejected, pays nothing: no statement
_INK, _MUTED, _RULE = (33, 37, 41), (108, 117, 125), (222, 226, 230)


class StatementError(RefusedRequest):
    """A statement that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class Statement:
    """A statement as downloaded: its file name and the PDF."""

    file_name: str
    pdf: bytes


def _rgb(color: str) -> tuple[int, int, int]:
    """'#1f6feb' as (31, 111, 235); the default blue for anything else."""
    text = color.lstrip("#")
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except (ValueError, IndexError):
        return 31, 111, 235


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


class _Page(FPDF):
    """An A4 page with the cabinet's font and a footer saying where the statement comes from."""

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4", unit="mm")
        self._footer = footer
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=22)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(*_MUTED)
        self.multi_cell(0, 3.6, self._footer, align="C")


def _render(payout: PayoutRequest, partner: Partner, program: ProgramSettings | None, contact: str | None,
            zone: ZoneInfo, loc: str, logo: bytes | None = None) -> bytes:  # fmt: skip
    """The PDF of one statement."""

    def tr(key: str, **values: object) -> str:
        return translate(f"statements.{key}", loc, **values)

    def day(when: datetime | None) -> str:
        return format_date(when.astimezone(zone).date(), format="long", locale=loc) if when else "—"

    name = program.name if program else "Partner Program"
    now = datetime.now(UTC)
    made = format_datetime(now.astimezone(zone), format="medium", tzinfo=zone, locale=loc)
    doc = _Page(tr("footer", program=name, made=made, zone=str(zone)))
    doc.set_title(tr("title", payout=payout.id))
    doc.set_author(name)
    doc.set_creator("Partner Cabinet")
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    doc.set_fill_color(*_rgb(program.primary_color if program else ""))  # the program's colour, as in its emails
    doc.rect(0, 0, doc.w, 26, style="F")
    shift = _logo(doc, logo)  # the logo first, the program's name beside it
    doc.set_xy(doc.l_margin + shift, 8)
    doc.set_text_color(255, 255, 255)
    doc.set_font("DejaVu", "B", 15)
    doc.cell(width * 0.6 - shift, 10, name)
    doc.set_font("DejaVu", "", 10)
    doc.cell(width * 0.4, 10, tr("kind"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    doc.set_y(36)
    doc.set_text_color(*_INK)
    doc.set_font("DejaVu", "B", 16)
    doc.cell(0, 9, tr("title", payout=payout.id), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("DejaVu", "", 9)
    doc.set_text_color(*_MUTED)
    doc.cell(0, 6, tr("issued", day=day(now)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(5)

    top = doc.get_y()
    legal = (program.legal_details or "").splitlines() if program else []
    payer_end = _block(doc, doc.l_margin, top, width / 2 - 4, tr("payer"), [name, *legal, contact or ""])
    payee_end = _block(doc, doc.l_margin + width / 2 + 4, top, width / 2 - 4, tr("payee"),
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
    labels = {k: translate(f"account.field_{k}", loc) for k in ("holder", "iban", "email", "wallet")}
    details = dict(payout.details or {})
    shown = {**masked(details), **{k: v for k, v in details.items() if k == "holder"}}  # a name is no account number
    rows += [(labels.get(k, k), v) for k, v in shown.items()]
    doc.ln(2)
    for label, value in rows:
        doc.set_font("DejaVu", "", 9.5)
        doc.set_text_color(*_MUTED)
        doc.cell(width * 0.35, 7, label)
        doc.set_text_color(*_INK)
        doc.multi_cell(width * 0.65, 7, str(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(6)

    amount = format_currency(Decimal(payout.amount), payout.currency, locale=loc)
    doc.set_draw_color(*_RULE)
    doc.set_font("DejaVu", "B", 9.5)
    doc.set_text_color(*_MUTED)
    doc.cell(width * 0.7, 8, tr("description"), border="B")
    doc.cell(width * 0.3, 8, tr("amount", currency=payout.currency), border="B", align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    doc.set_font("DejaVu", "", 10)
    doc.set_text_color(*_INK)
    doc.cell(width * 0.7, 9, tr("line", payout=payout.id), border="B")
    doc.cell(width * 0.3, 9, amount, border="B", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("DejaVu", "B", 11)
    doc.cell(width * 0.7, 10, tr("total"))
    doc.cell(width * 0.3, 10, amount, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(4)
    doc.set_font("DejaVu", "", 8.5)
    doc.set_text_color(*_MUTED)
    doc.multi_cell(0, 4.5, tr("explained", currency=payout.currency), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())


def _logo(doc: FPDF, logo: bytes | None) -> float:
    """Draw the logo in the page's coloured band, 14 mm high and at most 50 mm wide; the width it took, with a gap
    (0 without a logo, or with one fpdf2 cannot draw: the statement is still made)."""
    if not logo:
        return 0.0
    try:
        with Image.open(io.BytesIO(logo)) as img:
            ratio = img.width / img.height
            frame = img.convert("RGBA") if img.mode not in ("RGB", "RGBA", "L") else img.copy()
    except (OSError, ValueError, ZeroDivisionError):
        return 0.0
    height = 14.0
    width = min(50.0, height * ratio)
    doc.image(frame, x=doc.l_margin, y=6, w=width, h=width / ratio)
    return width + 4


def _block(doc: FPDF, x: float, y: float, width: float, title: str, lines: list[str]) -> float:
    """A titled block of lines (who pays, who is paid) at (x, y); where it ends."""
    doc.set_xy(x, y)
    doc.set_font("DejaVu", "B", 8.5)
    doc.set_text_color(*_MUTED)
    doc.cell(width, 5, title.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_text_color(*_INK)
    for i, line in enumerate(filter(None, lines)):
        doc.set_font("DejaVu", "B" if i == 0 else "", 10.5 if i == 0 else 9.5)
        doc.multi_cell(width, 5.5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return float(doc.get_y())
