"""Monthly commission statements: the PDF a partner keeps for its books of what it earned in one calendar month.

A statement shows the partner's commissions of the month by offer and status and by kind (CPA, RevShare, sub-partner
overrides, reversals...), in the program's base currency, with the statuses as the published snapshot has them; and,
for a login that handles payouts, the partner's billing details and the payouts paid in the month. The month is the
program's time zone's, as on payout statements, so every login of the partner gets the same figures.

It is made on demand for a partner's own logins (staff open the cabinet as the partner), counting only the statuses
the partner's tier shows (`queries.commissions.visible_statuses`), in the reader's language; each download is
audit-logged.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from cabinet import formatting
from cabinet.access import Scope, handles_payouts, scoped_partner
from cabinet.auth import audit
from cabinet.i18n import normalise_locale, translate
from cabinet.pdf import INK, MUTED, RULE, Page, band, block, cut
from cabinet.program import DEFAULT_NAME, program_timezone, support_email
from cabinet.statements import Statement, StatementError
from cabinet.store.models import Partner, PayoutRequest, ProgramSettings, User
from queries.commissions import KINDS, LIVE, visible_statuses
from queries.dashboard import base_currency
from queries.reports import utc_bounds
from queries.statement import month_lines
from queries.warehouse import Warehouse

MONTHS = 24  # months offered, the current one first
SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5)  # a table's font sizes, the largest its figures fit at first
KEEP_ROWS = 6  # rows of a table kept on the page of its heading: a short table whole, a long one's start
NAME_MIN = 0.16  # of the width: the least a table's first column keeps when figures need the room


def months_back(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` calendar months up to `today`'s, newest first."""
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in naive UTC of the calendar month of `month` in `tz`."""
    first = month.replace(day=1)
    return utc_bounds(first, _next_month(first) - date.resolution, tz)


def commission_statement(session: Session, scope: Scope, wh: Warehouse, month: date, metrics: tuple[str, ...],
                         locale: str | None = None, logo: bytes | None = None) -> Statement:  # fmt: skip
    """The statement of `month` for the partner `scope` acts as; StatementError for staff acting as themselves, a
    tier that shows no commission, or a month not begun yet. `metrics` are the login's visible metrics."""
    partner_id = scope.own_partner_id
    if partner_id is None:
        raise StatementError(f"{scope.username!r} is not a partner", "statements.month_partner_only")
    partner = scoped_partner(session, scope, partner_id)
    statuses = visible_statuses(metrics)
    if not statuses:
        raise StatementError(f"{scope.username!r} sees no commission", "statements.month_not_shown")
    tz = program_timezone(session)
    zone = ZoneInfo(tz)
    first = month.replace(day=1)
    loc = normalise_locale(locale)
    if first > formatting.today_in(tz):
        label = formatting.fmt_month(first, loc)
        raise StatementError(f"{first:%Y-%m} has not begun", "statements.month_future", month=label)
    start, end = month_bounds(first, tz)
    lines = month_lines(scope, wh=wh, partner_id=partner_id, start=start, end=end, statuses=statuses)
    payouts = handles_payouts(session, scope)
    paid = _paid(session, partner_id, start, end) if payouts else None
    snap = wh.snapshot()
    doc = _Doc(loc, zone, session.scalars(select(ProgramSettings)).first(), support_email(session))
    doc.header(first, partner, billing=payouts, as_of=snap.data_as_of if snap else None, logo=logo)
    currency = base_currency(wh=wh)
    doc.tables(lines, statuses, currency)
    if paid is not None:
        doc.payouts(paid)
    doc.close_note(currency)
    audit(session, "commission_statement", user=session.get(User, scope.user_id), username=scope.username,
          target=f"month {first:%Y-%m}", details={"partner_id": partner_id,
                                                  "viewing_as_partner": bool(scope.impersonated_by)})  # fmt: skip
    session.flush()
    return Statement(f"commission-statement-{partner_id}-{first:%Y-%m}.pdf", bytes(doc.pdf.output()))


def _paid(session: Session, partner_id: int, start: datetime, end: datetime) -> list[PayoutRequest]:
    """The partner's payout requests paid from `start` to `end` (naive UTC), oldest first."""
    return list(
        session.scalars(
            select(PayoutRequest)
            .where(PayoutRequest.partner_id == partner_id, PayoutRequest.status == "paid")
            .where(PayoutRequest.paid_at >= start.replace(tzinfo=UTC), PayoutRequest.paid_at < end.replace(tzinfo=UTC))
            .order_by(PayoutRequest.paid_at, PayoutRequest.id)
        )
    )


class _Doc:
    """One statement being drawn."""

    def __init__(self, loc: str, zone: ZoneInfo, program: ProgramSettings | None, contact: str | None) -> None:
        self.loc, self.zone, self.program, self.contact = loc, zone, program, contact
        self.name = program.name if program else DEFAULT_NAME
        made = formatting.fmt_moment(datetime.now(UTC).astimezone(zone), loc)  # as the dates above it are written
        self.pdf: FPDF = Page(self.tr("month_footer", program=self.name, made=made, zone=str(zone)))
        self.width = self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def tr(self, key: str, **values: object) -> str:
        return translate(f"statements.{key}", self.loc, **values)

    def money(self, amount: Decimal, currency: str) -> str:
        return formatting.fmt_money(amount, currency, self.loc)  # rounded once, by the money rule

    def header(self, first: date, partner: Partner, *, billing: bool, as_of: datetime | None,
               logo: bytes | None) -> None:  # fmt: skip
        doc, loc = self.pdf, self.loc
        label = formatting.fmt_month(first, loc)
        doc.set_title(self.tr("month_title", month=label))
        doc.set_author(self.name)
        doc.set_creator("Partner Cabinet")
        doc.add_page()
        band(doc, self.name, self.program.primary_color if self.program else "", logo, self.tr("month_kind"))
        doc.set_y(36)
        doc.set_text_color(*INK)
        doc.set_font("DejaVu", "B", 16)
        doc.cell(0, 9, self.tr("month_title", month=label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_font("DejaVu", "", 9)
        doc.set_text_color(*MUTED)
        last = _next_month(first) - date.resolution
        period = self.tr("month_period", dates=formatting.fmt_days(first, last, loc), zone=str(self.zone))
        seen = formatting.fmt_moment(as_of, loc) if as_of else "—"
        doc.multi_cell(0, 5, f"{period}\n{self.tr('month_as_of', as_of=seen)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(4)
        top = doc.get_y()
        legal = (self.program.legal_details or "").splitlines() if self.program else []
        left = block(doc, doc.l_margin, top, self.width / 2 - 4, self.tr("month_program"),
                     [self.name, *legal, self.contact or ""])  # fmt: skip
        details = (partner.billing_details or "").splitlines() if billing else []
        payee = [partner.name, *details, self.tr("partner_id", partner=partner.id), partner.email or ""]
        right = block(doc, doc.l_margin + self.width / 2 + 4, top, self.width / 2 - 4, self.tr("month_partner"), payee)
        doc.set_y(max(left, right, top + 24) + 6)

    def tables(self, lines: list[dict[str, object]], statuses: tuple[str, ...], currency: str) -> None:
        """By offer (a column per status and the commission), then by kind."""
        if not lines:
            self._heading(self.tr("month_by_offer"))
            self._note(self.tr("month_none"))
            return
        by_offer: dict[tuple[object, object], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        counts: dict[tuple[object, object], int] = defaultdict(int)
        by_kind: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        kind_counts: dict[str, int] = defaultdict(int)
        total_sums: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:  # exact amounts: each figure is rounded once, when printed (`formatting.shown_amount`)
            offer = (line["offer_id"], line["offer"])
            amount = Decimal(str(line["amount_base"]))
            status, kind = str(line["status"]), str(line["kind"])
            by_offer[offer][status] += amount
            counts[offer] += int(str(line["rows"]))
            by_kind[kind][status] += amount
            kind_counts[kind] += int(str(line["rows"]))
            total_sums[status] += amount
        live = [s for s in statuses if s in LIVE]
        headers = [self.tr("month_col_rows"), *(self.tr(f"month_status_{s}") for s in statuses)]
        headers.append(self.tr("month_col_total"))
        commission = sum((total_sums[s] for s in live), Decimal(0))
        doc = self.pdf
        doc.set_font("DejaVu", "B", 12)
        doc.set_text_color(*INK)
        label = self.tr("month_commission", amount=self.money(commission, currency))
        doc.cell(0, 8, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._heading(self.tr("month_by_offer"), len(by_offer) + 1)
        rows = []
        for offer, sums in by_offer.items():
            title = f"{offer[0]} · {offer[1]}" if offer[0] is not None else self.tr("month_no_offer")
            rows.append([title, *self._figures(counts[offer], sums, statuses, live, currency)])
        total = [self.tr("total"), *self._figures(sum(counts.values()), total_sums, statuses, live, currency)]
        offer_sums = list(by_offer.values())
        self._table([self.tr("month_col_offer"), *headers], rows + self._rounding(offer_sums, statuses, live, currency),
                    total)  # fmt: skip
        self._heading(self.tr("month_by_kind"), len(by_kind) + 1)
        kinds = [k for k in KINDS if k in by_kind] + sorted(k for k in by_kind if k not in KINDS)
        kind_rows = [[translate(f"commissions.kind_{k}", self.loc) if k in KINDS else k,
                      *self._figures(kind_counts[k], by_kind[k], statuses, live, currency)] for k in kinds]  # fmt: skip
        kind_rows += self._rounding([by_kind[k] for k in kinds], statuses, live, currency)
        self._table([self.tr("month_col_kind"), *headers], kind_rows, total)

    def _rounding(self, sums: list[dict[str, Decimal]], statuses: tuple[str, ...], live: list[str],
                  currency: str) -> list[list[str]]:  # fmt: skip
        """The "Rounding" row that makes each column of the rows of `sums` (exact amounts, each printed rounded once)
        add up to the total printed under them, the exact total rounded once; none when every column adds up."""
        columns = [[row.get(s, Decimal(0)) for row in sums] for s in statuses]
        columns.append([sum((row.get(s, Decimal(0)) for s in live), Decimal(0)) for row in sums])
        lines = [formatting.rounding_line(sum(c, Decimal(0)), c, currency) for c in columns]
        if not any(lines):
            return []
        return [[self.tr("month_rounding"), "", *(self.money(v, currency) for v in lines)]]

    def _figures(self, n: int, sums: dict[str, Decimal], statuses: tuple[str, ...], live: list[str],
                 currency: str) -> list[str]:  # fmt: skip
        count = format_decimal(n, locale=self.loc)
        amounts = [self.money(sums.get(s, Decimal(0)), currency) for s in statuses]
        return [count, *amounts, self.money(sum((sums.get(s, Decimal(0)) for s in live), Decimal(0)), currency)]

    def payouts(self, paid: list[PayoutRequest]) -> None:
        self._heading(self.tr("month_payouts"), len(paid) or 1)
        if not paid:
            self._note(self.tr("month_no_payouts"))
            return
        rows = []
        for p in paid:
            day = formatting.fmt_day(p.paid_at.astimezone(self.zone).date(), self.loc) if p.paid_at else "—"
            rows.append([self.tr("month_payout_line", payout=p.id), day, p.reference or "—",
                         self.money(Decimal(p.amount), p.currency)])  # fmt: skip
        heads = [self.tr("description"), self.tr("paid"), self.tr("reference"), self.tr("month_col_amount")]
        self._table(heads, rows, None, first=0.4, wrap=True)  # a reference may be 128 characters

    def close_note(self, currency: str) -> None:
        """What the figures are, and to what they are rounded: the cent, or the currency's own unit ("¥1")."""
        self.pdf.ln(3)
        unit = formatting.minor_unit(currency)
        if unit == Decimal("0.01"):
            self._note(self.tr("month_explained", currency=currency))
            return
        said = formatting.money_text(unit, currency, self.loc)
        self._note(self.tr("month_explained_units", currency=currency, unit=said))

    def _heading(self, text: str, rows: int = 0) -> None:
        """A section's heading, on the next page when this one has no room for it and the first `KEEP_ROWS` of the
        `rows` under it (with their header): "By kind" and its first row closed a page, its other rows opened the next
        under no heading or header."""
        doc = self.pdf
        need = 10 + 7.0 * (min(rows, KEEP_ROWS) + 1) if rows else 10
        if doc.get_y() + need > doc.page_break_trigger:
            doc.add_page()
        doc.ln(2)
        doc.set_font("DejaVu", "B", 11)
        doc.set_text_color(*INK)
        doc.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _note(self, text: str) -> None:
        """A note in small print, whole on one page: the closing note broke before its last word, alone on a page of
        its own under the footer ("строки." of a Russian November)."""
        doc = self.pdf
        doc.set_font("DejaVu", "", 8.5)
        doc.set_text_color(*MUTED)
        height = 4.5 * len(doc.multi_cell(0, 4.5, text, dry_run=True, output="LINES"))
        if doc.get_y() + height > doc.page_break_trigger and height <= doc.page_break_trigger - doc.t_margin:
            doc.add_page()
        doc.multi_cell(0, 4.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _table(self, heads: list[str], rows: list[list[str]], total: list[str] | None, first: float = 0.24,
               wrap: bool = False) -> None:  # fmt: skip
        """A table: the first column (a name) left-aligned, the others right-aligned, every figure and reference
        whole (`_layout`); a name too long for its column is cut, and only a name."""
        doc = self.pdf
        styled = [(row, False) for row in rows] + ([(total, True)] if total is not None else [])
        size, widths = self._layout(heads, styled, first, wrap)
        doc.set_draw_color(*RULE)
        self._row(heads, widths, bold=True, size=size - 1, color=MUTED, rule=True)
        for row, bold in styled:
            self._row(row, widths, bold=bold, size=size, color=INK, rule=not bold)  # no rule under the total

    def _layout(self, heads: list[str], rows: list[tuple[list[str], bool]], first: float,
                wrap: bool) -> tuple[float, list[float]]:  # fmt: skip
        """The font size of the rows (the heads' is 1 pt less) and the column widths.

        The first column takes `first` of the width and the others share the rest while every figure fits; else
        each of them is as wide as its longest figure (its heading on one line, or else wrapped) and the first column
        gets what is left, down to `NAME_MIN` of the width (a gold partner's six status columns), the font going down
        to 5.5 pt as needed. Past that the narrow columns stay whole and the widest share the rest, wrapped. A table
        of text (`wrap`: the payouts, whose references may be 128 characters) keeps its first size and wraps, and its
        first column (a payout's name) keeps what it needs up to `first`."""
        n = len(heads)
        natural = [self.width * first] + [self.width * (1 - first) / (n - 1)] * (n - 1)
        sizes = SIZES[:1] if wrap else SIZES
        for size in sizes:
            least = min(natural[0], self._widest([row[0] for row, _ in rows], size) if wrap else self.width * NAME_MIN)
            wholes = [self._widest([h, *(r[j] for r, _ in rows)], size) for j, h in enumerate(heads[1:], 1)]
            needs = [self._widest([*h.split(), *(r[j] for r, _ in rows)], size) for j, h in enumerate(heads[1:], 1)]
            if all(need <= width for need, width in zip(needs, natural[1:], strict=True)):
                return size, natural
            for widths in (wholes, needs):
                if sum(widths) <= self.width - least:
                    return size, [self.width - sum(widths), *widths]
        return sizes[-1], [least, *_share(needs, self.width - least)]

    def _widest(self, texts: list[str], size: float) -> float:
        """The width of a cell holding the widest of `texts` on one line, in bold at `size` (a total's figure)."""
        self.pdf.set_font("DejaVu", "B", size)
        return max((self.pdf.get_string_width(t) for t in texts), default=0.0) + 2 * self.pdf.c_margin + 0.1

    def _row(self, values: list[str], widths: list[float], *, bold: bool, size: float, color: tuple[int, int, int],
             rule: bool) -> None:  # fmt: skip
        """One row, a rule under it when `rule`: the first value cut to its column with "…", the others wrapped when
        longer than theirs (a row of one line is 7 mm high, as a cell)."""
        doc = self.pdf
        doc.set_text_color(*color)
        doc.set_font("DejaVu", "B" if bold else "", size)
        step = size * 0.3528 * 1.25  # a line of wrapped text, in mm
        cells = [[cut(doc, values[0], widths[0])]]
        cells += [doc.multi_cell(w, step, v, dry_run=True, output="LINES") or [""]
                  for v, w in zip(values[1:], widths[1:], strict=True)]  # fmt: skip
        lines = max(len(c) for c in cells)
        height = 7.0 if lines == 1 else lines * step + 2.5
        if doc.get_y() + height > doc.page_break_trigger:
            doc.add_page()
        x, y = doc.l_margin, doc.get_y()
        for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
            align = "L" if i == 0 else "R"
            if len(text) == 1:
                doc.set_xy(x, y)
                doc.cell(width, height, text[0], align=align)
            else:
                doc.set_xy(x, y + (height - len(text) * step) / 2)
                doc.multi_cell(width, step, "\n".join(text), align=align)
            x += width
        if rule:
            doc.line(doc.l_margin, y + height, doc.l_margin + sum(widths), y + height)
        doc.set_xy(doc.l_margin, y + height)


def _share(needs: list[float], room: float) -> list[float]:
    """Widths for columns that need `needs` in `room` too small for them all: the narrowest get what they need, the
    widest share equally what is left."""
    widths, left, count = list(needs), room, len(needs)
    for j in sorted(range(len(needs)), key=needs.__getitem__):
        widths[j] = min(needs[j], left / count)
        left, count = left - widths[j], count - 1
    return widths
