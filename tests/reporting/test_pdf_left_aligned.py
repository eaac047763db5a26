"""The statements' text is set flush left, as the cabinet's pages are: fpdf2 justifies a wrapped `multi_cell` by
default, and a long partner name in the "Paid to" block stood with its words pulled to both edges ("ООО    «Очень
длинное    название"), as did the notes under the tables. A justified line is drawn as a TJ array that spreads its
words; a line set flush left has none."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from cabinet.pdf import Page, block

NAME = "ООО «Очень длинное название партнёрской компании с ограниченной ответственностью Медиа»"
ADDRESS = "Москва, ул. Длинная, д. 1, стр. 2, офис 345, для бухгалтерии и отдела выплат партнёрам"
NOTE = ("Суммы в USD, базовой валюте программы. «Комиссия» складывает строки в ожидании, на холде, подтверждённые и "
        "выплаченные; отклонённые и сторнированные показаны отдельно и не входят в неё.")  # fmt: skip


def _spread_lines(pdf: bytes) -> list[str]:
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    return re.findall(r"\[[^\]]*\) -?\d+(?:\.\d+)? ?\([^\]]*\] TJ", content)


def test_a_long_name_and_a_note_wrap_flush_left() -> None:
    doc = Page("Made by the partner cabinet")
    doc.add_page()
    end = block(doc, 105, 40, 87, "Получатель", [NAME, ADDRESS, "ID партнёра 11"])
    doc.set_xy(doc.l_margin, end + 10)
    doc.set_font("DejaVu", "", 8.5)
    doc.multi_cell(0, 4.5, NOTE)
    assert _spread_lines(bytes(doc.output())) == []


def test_a_cell_asked_to_centre_is_still_centred() -> None:
    doc = Page("Made by the partner cabinet")
    doc.add_page()
    doc.set_font("DejaVu", "", 9)
    doc.multi_cell(60, 5, "one two three four five six seven eight nine ten", align="C")
    assert _spread_lines(bytes(doc.output())) == []  # centred, not justified
