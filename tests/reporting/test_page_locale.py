"""Pages in Russian: numbers as Russian writes them ("2 893", "0,3" — "2,893" reads as 2.893 there), every word from
the translations (units, statuses, widget placeholders Streamlit would write in English), and staff told apart from
the partner whose pages they look at."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.i18n import translate
from cabinet.plans_admin import create_plan
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from cabinet.ui import data
from tests.reporting.conftest import Program
from tests.reporting.test_conversion_lag import late  # noqa: F401 - the fixture, reused
from tests.reporting.test_creatives import banners  # noqa: F401 - the fixture, reused
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_offers_page import catalog  # noqa: F401 - the fixture, reused
from tests.reporting.test_pages import ROOT
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import TIERED

NBSP = "\xa0"  # Russian groups digits with a no-break space (CLDR), so a number never breaks across lines
SHOWN = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "cabinet" / "ui").glob("*.py"))]
# a review limit, its decimal point then written as the session's language does (`cabinet.ui.typed_numbers.typed`),
# and a refusal's example of an amount as typed, with a point and with a comma ("1000.500 / 1000,500")
NOT_SHOWN = {("cabinet/ui/review_limits.py", "Decimal(repr(float(value))).normalize()"),
             ("cabinet/ui/money.py", "Decimal('1000.5')")}  # fmt: skip


def _ru(program: Program, user: str) -> SessionUser:
    return dataclasses.replace(program.users[user], locale="ru")


def _open_ru(program: Program, user: str, page: str, **widgets: object) -> AppTest:
    """A page in Russian, its widgets set before it runs: AppTest cannot change a widget of a Russian page (it finds
    the value among the options through the widget's format_func, called outside the session: in English)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = _ru(program, user)
    for key, value in widgets.items():
        at.session_state[key] = value
    return at.switch_page(page).run()


def _nodes(path: Path) -> list[tuple[ast.AST, str]]:
    return [(node, str(path.relative_to(ROOT))) for node in ast.walk(ast.parse(path.read_text(), str(path)))]


def test_counts_on_a_russian_page_are_grouped_the_russian_way(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "detail_count", lambda *args, **kwargs: 123_456)
    at = open_page("pages/11_full_export.py", _ru(program, "root"))
    assert not at.exception
    assert [m.value for m in at.metric] == [f"123{NBSP}456"]
    xlsx = _open_ru(program, "root", "pages/11_full_export.py", export_format="xlsx")  # at most 100,000 rows
    assert xlsx.info[0].value.startswith(f"Строк: 123{NBSP}456, а в одном файле не больше 100{NBSP}000,")
    assert xlsx.info[0].value.endswith(f"В файле CSV или Parquet до 500{NBSP}000 строк — частей будет меньше.")
    assert xlsx.selectbox(key="export_part").options == ["1 из 1: 12 окт. – 10 нояб. 2026\u202fг., строк: 5"]
    english = open_page("pages/11_full_export.py", program.users["root"])
    assert [m.value for m in english.metric] == ["123,456"]


def test_no_page_formats_a_number_the_english_way() -> None:
    """Python's own grouping (`:,`) and decimals (`:.1f`) are English whatever the session's language: numbers go
    through the cabinet's formatting (`fmt_count`, `fmt_metric`) instead."""
    specs = [
        (name, node)
        for path in SHOWN
        for node, name in _nodes(path)
        if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr)
    ]
    assert len(specs) > 10  # dates (`:%Y-%m-%d`) and the like are read too
    wrong = []
    for name, node in specs:
        spec = "".join(str(v.value) for v in node.format_spec.values if isinstance(v, ast.Constant))  # type: ignore[union-attr]
        if ("," in spec or spec.endswith(("f", "%"))) and (name, ast.unparse(node.value)) not in NOT_SHOWN:
            wrong.append(f"{name}:{node.lineno} {{{ast.unparse(node.value)}:{spec}}}")
    assert not wrong


def test_every_multiselect_has_its_placeholder_in_the_interface_language() -> None:
    """Without one, an empty multiselect says Streamlit's English "Choose options" on a Russian page."""
    calls = [
        (name, node)
        for path in SHOWN
        for node, name in _nodes(path)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "multiselect"
    ]
    assert len(calls) > 10
    assert not [f"{name}:{node.lineno}" for name, node in calls if "placeholder" not in {k.arg for k in node.keywords}]


def test_the_audit_logs_empty_action_filter_speaks_russian(program: Program) -> None:
    at = open_page("pages/14_audit.py", _ru(program, "root"))
    assert not at.exception
    assert at.multiselect(key="audit_actions").proto.placeholder == "Выберите…"


def test_time_to_convert_writes_hours_the_russian_way_in_cards_and_table(late: Program) -> None:  # noqa: F811
    """The table's durations were written by polars on a worker thread, which has no session: in English."""
    at = open_page("pages/15_time_to_convert.py", _ru(late, "p_parent"))
    assert not at.exception and not at.error
    cards = {m.label: m.value for m in at.metric}
    assert cards["Медианное время"] == "29,5 ч"  # r1 after 30 min, r3 after 58.5 h
    assert list(at.dataframe[0].value["Медиана"]) == ["29,5 ч"]
    ftd = _open_ru(late, "p_parent", "pages/15_time_to_convert.py", lag_event="ftd")
    assert {m.label: m.value for m in ftd.metric}["Медианное время"] == "1,0 ч"
    assert list(ftd.dataframe[0].value["Медиана"]) == ["1,0 ч"]
    english = open_page("pages/15_time_to_convert.py", late.users["p_parent"])
    assert list(english.dataframe[0].value["Median"]) == ["29.5 h"]


def test_a_creatives_file_size_is_in_the_interfaces_units(banners: Program) -> None:  # noqa: F811
    at = open_page("pages/07_creatives.py", _ru(banners, "p_parent"))
    assert not at.exception
    sizes = [c.value for c in at.caption if "300x250" in c.value]
    assert sizes and all(s.endswith(" · 0,1 КБ") for s in sizes), sizes  # 100 bytes
    english = open_page("pages/07_creatives.py", banners.users["p_parent"])
    assert next(c.value for c in english.caption if "300x250" in c.value).endswith(" · 0.1 KB")


def test_the_links_partner_picker_names_a_partners_status(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.child).status = "paused"
    for user, paused in ((_ru(program, "mgr"), "Приостановлен"), (program.users["mgr"], "Paused")):
        at = open_page("pages/06_links.py", user)
        assert not at.exception
        labels = at.selectbox(key="links_partner").options
        assert next(x for x in labels if x.startswith(f"{program.tiny.child} · ")).endswith(f" ({paused})"), labels


def test_the_two_forms_of_the_account_page_end_with_different_buttons(program: Program) -> None:
    for locale in ("en", "ru"):
        assert translate("account.save", locale) != translate("account.billing_save", locale)
    at = open_page("pages/10_account.py", _ru(program, "p_parent"))
    assert not at.exception
    labels = [b.label for b in at.button]
    assert {"Сохранить платёжные реквизиты", "Сохранить реквизиты компании"} <= set(labels), labels


def test_staff_read_of_the_partners_plan_and_offers_not_their_own(catalog: Program) -> None:  # noqa: F811
    partner = open_page("pages/19_offers.py", catalog.users["p_parent"])
    assert partner.caption[0].value.startswith("Your plan pays: ")
    assert "2 of 2 offers open to you." in [c.value for c in partner.caption]
    staff = open_page("pages/19_offers.py", catalog.users["mgr"])
    staff.selectbox(key="links_partner").set_value(catalog.tiny.parent).run()
    captions = [c.value for c in staff.caption]
    assert next(c for c in captions if "plan pays" in c).startswith("The partner's plan pays: ")
    assert "2 of 2 offers open to the partner." in captions
    russian = open_page("pages/19_offers.py", _ru(catalog, "mgr"))
    assert any(c.value.startswith("План партнёра платит: ") for c in russian.caption)


def test_the_plan_list_names_conversion_types_and_writes_amounts_in_the_interface_language(
    program: Program, store_engine: Engine
) -> None:
    """The CPA column read "registration 2.5 · ftd 1000" on the Russian page: English type names, English decimals."""
    with session_scope(store_engine) as s:
        change = dataclasses.replace(TIERED, cpa_amounts={"ftd": "1000", "registration": "2,5"}, overrides=("5", "2,5"))
        name = create_plan(s, program.users["root"].scope, change).name
    for user, locale in ((_ru(program, "root"), "ru"), (program.users["root"], "en")):
        at = open_page("pages/21_plans.py", user)
        assert not at.exception
        column = translate("plans.col_id", locale)
        table = next(d.value for d in at.dataframe if column in d.value.columns)  # the tier editors are frames too
        row = table[table[column].str.endswith(f" · {name}")].iloc[0]
        *cpa, share = row[translate("plans.col_pays", locale)].split(" · ")  # the amounts, then the percent
        overrides = row[translate("plans.col_overrides", locale)]
        if locale == "ru":
            assert sorted(cpa) == [f"FTD 1{NBSP}000 (≥20)", "Регистрация 2,5"] and overrides == "5 · 2,5"
        else:
            assert sorted(cpa) == ["FTD 1,000 (≥20)", "Registration 2.5"] and overrides == "5 · 2.5"
        assert share == "RevShare 25%"


def test_the_commissions_cut_says_its_count_without_a_plural_to_get_wrong(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Показаны последние 5 000 из 7 961 строк': a total ending in 1 takes 'строки'; the count follows a colon now."""
    monkeypatch.setattr(data, "commission_totals", lambda *args, **kwargs: {"pending": (7961, 1.0)})
    at = open_page("pages/03_commissions.py", _ru(program, "p_parent"))
    assert not at.exception
    shown = len(at.dataframe[0].value)
    assert f"Показаны последние строки: {shown} из 7{NBSP}961." in " ".join(c.value for c in at.caption)


def test_a_plans_hold_of_none_or_one_day_is_said_as_such(program: Program, store_engine: Engine) -> None:
    """The plan box said "A commission waits 0 days after its conversion before it is approved" ("ждёт 0 дн.") for a
    plan without a hold, and "waits 1 days" for a one-day one."""

    def said(user: SessionUser) -> str:
        at = open_page("pages/03_commissions.py", user)
        assert not at.exception
        return " ".join(c.value for c in at.caption)

    assert "A commission is not held after its conversion (no hold)." in said(program.users["p_parent"])
    assert "Комиссия не ждёт после конверсии (холда нет)." in said(_ru(program, "p_parent"))
    with session_scope(store_engine) as s:
        s.get(Partner, program.tiny.parent).plan.hold_days = 1
    program.tiny.run()  # the snapshot prices with it
    assert "A commission waits a day after its conversion" in said(program.users["p_parent"])
    assert "Комиссия ждёт 1 день после конверсии" in said(_ru(program, "p_parent"))
