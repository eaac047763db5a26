"""The Data loads page says how many conversions wait for their click and how many status updates wait for their
conversion, read from the published snapshot, in the admin's language with the count's plural form; nothing when none
wait."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cabinet.ui import data_loads as ui_loads
from cabinet.ui import text
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

FULL = "conversion_id,ts,type,click_id,amount,status,updated_at\n"
SHORT = "conversion_id,ts,type,status,updated_at\n"


def _infos(program: Program, locale: str) -> list[str]:
    at = open_page("pages/23_data_loads.py", replace(program.users["root"], locale=locale))
    assert not at.exception, at.exception
    return [i.value for i in at.info]


def test_the_page_says_the_rows_waiting_and_nothing_when_none_wait(program: Program) -> None:
    assert not [i for i in _infos(program, "en") if "wait" in i]
    tiny = program.tiny
    tiny.write("conversions", "late.csv", FULL + "w1,2026-11-05T11:00:00Z,ftd,k8,60,pending,\n"
               "w2,2026-11-05T12:00:00Z,ftd,k9,70,pending,\n")  # fmt: skip
    tiny.write("conversions", "early.csv", SHORT + "w5,2026-11-05T11:00:00Z,ftd,approved,2026-11-06T11:00:00Z\n")
    tiny.run()
    said = _infos(program, "en")
    conv = [i for i in said if i.startswith("2 conversions wait for their click (the oldest read ")]
    assert len(conv) == 1, said
    assert "their files count them inserted, the reports show them once their clicks arrive. Without its click a " \
           "conversion is quarantined as unattributed after 7 days of waiting, the oldest at " in conv[0]  # fmt: skip
    upd = [i for i in said if i.startswith("1 status update waits for its conversion (read ")]
    assert len(upd) == 1 and "quarantined as missing_field:click_id 7 days after it was read" in upd[0], said
    said = _infos(program, "ru")
    conv = [i for i in said if i.startswith("2 конверсии ждут своего клика (самая давняя прочитана ")]
    assert len(conv) == 1 and "как unattributed через 7 дней ожидания; самая давняя — при " in conv[0], said
    upd = [i for i in said if i.startswith("1 обновление статуса ждёт своей конверсии (прочитано ")]
    assert len(upd) == 1 and "как missing_field:click_id через 7 дней после чтения — при " in upd[0], said


@pytest.mark.parametrize(
    ("locale", "forms"),
    [
        (
            "ru",
            {
                1: "1 конверсия ждёт",
                2: "2 конверсии ждут",
                5: "5 конверсий ждут",
                21: "21 конверсия ждёт",
                1_234: "1\u00a0234 конверсии ждут",
            },
        ),
        (
            "en",
            {
                1: "1 conversion waits",
                2: "2 conversions wait",
                21: "21 conversions wait",
                1_234: "1,234 conversions wait",
            },
        ),
    ],
)
def test_a_count_takes_its_languages_plural_form(
    locale: str, forms: dict[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text, "current_locale", lambda: locale)
    monkeypatch.setattr(ui_loads, "current_locale", lambda: locale)
    monkeypatch.setattr(ui_loads, "fmt_count", lambda n: f"{n:,}".replace(",", "\u00a0" if locale == "ru" else ","))
    assert {n: ui_loads.plural("loads.conversions_wait", n) for n in forms} == forms
