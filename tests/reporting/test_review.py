"""Partner review: each partner of the scope against the period before, with the signals a manager acts on, from the
partner's own figures; never a partner outside the scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine, select

from cabinet.access import ScopeError
from cabinet.errors import localised
from cabinet.i18n import catalog, translate
from cabinet.review_settings import LimitsChangedMeanwhile, ReviewSettingsError, save_thresholds, thresholds
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, ProgramSettings
from queries.review import SIGNALS, Thresholds, review
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program, loaded_once
from tests.reporting.table_cells import shown
from tests.reporting.test_page_locale import _open_ru
from tests.reporting.test_pages import _open as open_page
from tests.reporting.test_plans_admin import add_second_admin, drawn_input

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 10))  # the period before: October 22–31


@loaded_once
def busy(program: Program) -> Program:
    """October: 150 clicks on the parent's link (November has its 2: halved). November: the child 120 clicks of one
    visitor (repeated, new) and 40 bot clicks; the outsider 25 registrations and no FTD; the parent an FTD rejected."""
    tiny, rows = program.tiny, ["click_id,ts,link_token,partner_id,offer_id,country,device,ip,user_agent"]
    for i in range(150):
        rows.append(f"o{i},2026-10-{22 + i % 10:02d}T10:{i % 60:02d}:00Z,{tiny.token},,,DE,mobile,10.1.{i}.1,Mozilla A")
    for i in range(120):
        rows.append(f"c{i},2026-11-05T{i // 60:02d}:{i % 60:02d}:00Z,,{tiny.child},{tiny.other_offer},GB,mobile,"
                    f"10.2.0.1,Mozilla C")  # fmt: skip
    for i in range(40):
        rows.append(f"b{i},2026-11-05T12:{i:02d}:00Z,,{tiny.child},{tiny.other_offer},GB,desktop,10.3.0.{i},Googlebot")
    tiny.write("clicks", "review.csv", "\n".join(rows) + "\n")
    conversions = ["conversion_id,ts,type,click_id,partner_id,offer_id,amount,currency,status,customer_id"]
    conversions += [f"g{i},2026-11-06T10:{i:02d}:00Z,registration,,{program.outsider},{tiny.offer},,,approved,g{i}"
                    for i in range(25)]  # fmt: skip
    conversions.append("f9,2026-11-02T10:00:00Z,ftd,k1,,,50,EUR,rejected,u9")
    tiny.write("conversions", "review.csv", "\n".join(conversions) + "\n")
    tiny.run()
    return program


def _review(program: Program, user: str, limits: Thresholds | None = None) -> pl.DataFrame:
    return review(program.users[user].scope, wh=Warehouse(program.tiny.settings.warehouse_dir),
                  date_from=NOVEMBER[0], date_to=NOVEMBER[1], tz="UTC", limits=limits)  # fmt: skip


def test_each_signal_is_raised_by_the_partners_own_figures(busy: Program) -> None:
    tiny = busy.tiny
    frame = _review(busy, "root")
    rows = {r["partner_id"]: r for r in frame.iter_rows(named=True)}
    parent, child, outsider = rows[tiny.parent], rows[tiny.child], rows[busy.outsider]
    assert (parent["clicks_prev"], parent["clicks"], parent["clicks_change"]) == (150, 2, pytest.approx(-148 / 150))
    assert set(parent["signals"]) == {"dropped", "rejections"}
    assert parent["rejected_share"] == pytest.approx(0.5)  # $100 rejected of $200 made
    assert (child["clicks"], child["bot_clicks"], child["unique_share"]) == (121, 40, pytest.approx(2 / 121))
    assert set(child["signals"]) == {"new_traffic", "bots", "repeat_clicks"}  # k3 is the child's other click
    assert (outsider["registrations"], outsider["reg_to_ftd"], outsider["signals"]) == (25, 0, ["no_ftds"])
    assert frame["partner_id"].to_list()[0] == tiny.child  # the most signals first


def test_a_manager_sees_only_the_partners_of_their_scope(busy: Program) -> None:
    assert set(_review(busy, "mgr")["partner_id"]) == {busy.tiny.parent, busy.tiny.child}


def test_quiet_partners_and_small_numbers_raise_nothing(program: Program) -> None:
    frame = _review(program, "root")  # the tiny program: a handful of clicks and conversions
    assert frame.height > 0 and all(not s for s in frame["signals"].to_list())


def test_every_signal_is_named_and_explained_in_both_languages() -> None:
    for locale in ("en", "ru"):
        keys = set(catalog(locale))
        assert {f"review.{kind}_{s}" for s in SIGNALS for kind in ("signal", "help")} <= keys


def test_the_page_lists_and_filters_partners_by_signal(busy: Program) -> None:
    quiet = open_page("pages/22_review.py", busy.users["mgr"])
    quiet.selectbox(key="review_period_en").set_value("custom").run()
    quiet.date_input(key="review_dates").set_value((date(2026, 10, 27), date(2026, 10, 31))).run()
    assert [s.value for s in quiet.success] == ["No partner raises a signal in this period."]
    assert "Signals" not in quiet.dataframe[0].value.columns  # no empty column pushing the changes out of sight
    at = open_page("pages/22_review.py", busy.users["mgr"])
    assert not at.exception and not at.error and not at.success  # the last 30 days: October's clicks are new
    at.session_state["_choice_review_columns"] = ["bot_share"]  # picked above the table (test_review_width)
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert not at.exception
    assert at.multiselect(key="review_only").options == [
        "Traffic halved (1)", "New traffic (1)", "Bot clicks (1)", "Repeated clicks (1)", "Rejected commission (1)"
    ]  # fmt: skip
    table = at.dataframe[0].value
    assert "Signals" in table.columns
    assert list(table["Partner"]) == [f"{busy.tiny.child} · Child", f"{busy.tiny.parent} · Parent"]
    _, _, texts = shown(at)  # shares as percents (the changes signed: the cells' texts are written here)
    assert table["Bots"].max() <= 1 and all(x.endswith("%") or x == "—" for x in texts["Bots"])
    assert list(table["Cabinet"]) == [f"./?view_as={busy.tiny.child}", f"./?view_as={busy.tiny.parent}"]
    at.multiselect(key="review_only").select("bots").run()
    assert list(at.dataframe[0].value["Partner"]) == [f"{busy.tiny.child} · Child"]
    assert "Bot clicks" in at.dataframe[0].value["Signals"][0]


def _signals(frame: pl.DataFrame) -> dict[int, set[str]]:
    return {r["partner_id"]: set(r["signals"]) for r in frame.iter_rows(named=True) if r["signals"]}


def test_the_programs_limits_decide_which_signals_hold(busy: Program) -> None:
    tiny = busy.tiny
    stricter = Thresholds(min_registrations=30, bot_pct=25, drop_pct=99, rejected_pct=60, min_clicks=120)
    assert _signals(_review(busy, "root", stricter)) == {tiny.child: {"new_traffic", "repeat_clicks"}}
    assert _signals(_review(busy, "root", Thresholds(min_clicks=122))) == {
        tiny.parent: {"dropped", "rejections"},  # 150 clicks before
        tiny.child: {"bots"},  # 121 clicks and 40 bot clicks
        busy.outsider: {"no_ftds"},
    }
    looser = Thresholds(min_clicks=2, unique_pct=1, ftd_rate_pct=0.1)  # the parent's 2 clicks are enough to judge
    signals = _signals(_review(busy, "root", looser))
    assert signals[tiny.child] == {"new_traffic", "bots"} and signals[busy.outsider] == {"no_ftds"}


def test_an_admin_sets_the_limits_for_every_manager_and_each_change_is_logged(
    busy: Program, store_engine: Engine
) -> None:
    root, mgr = busy.users["root"].scope, busy.users["mgr"].scope
    with session_scope(store_engine) as s:
        assert thresholds(s) == Thresholds()
        assert save_thresholds(s, root, Thresholds(min_registrations=30, spike_times=2.5)) == [
            "min_registrations",
            "spike_times",
        ]
        assert save_thresholds(s, root, Thresholds(min_registrations=30, spike_times=2.5)) == []
    with session_scope(store_engine) as s:
        assert thresholds(s) == Thresholds(min_registrations=30, spike_times=2.5)
        log = s.scalars(select(AuditLog).where(AuditLog.action == "review_thresholds_changed")).all()
        assert [row.details for row in log] == [{"min_registrations": [20, 30], "spike_times": [3.0, 2.5]}]
        with pytest.raises(ScopeError):
            save_thresholds(s, mgr, Thresholds())
        with pytest.raises(ReviewSettingsError) as refused:
            save_thresholds(s, root, Thresholds(drop_pct=100))
        assert refused.value.key == "review.bad_limit"
    with session_scope(store_engine) as s:
        assert thresholds(s).drop_pct == 50  # nothing written
        s.get(ProgramSettings, 1).review_thresholds = {"min_clicks": -5, "bot_pct": "x", "unique_pct": 40}
    with session_scope(store_engine) as s:  # a value out of bounds is read as the default, never half-applied
        assert thresholds(s) == Thresholds(unique_pct=40)
        # one decimal, as the form shows it: what is stored is what the form shows again
        assert save_thresholds(s, root, Thresholds(unique_pct=40, spike_times=3.05, bot_pct=20.56)) == [
            "bot_pct",
        ]
    with session_scope(store_engine) as s:
        assert (thresholds(s).spike_times, thresholds(s).bot_pct) == (3.0, 20.6)


def test_an_admin_changes_the_limits_on_the_page_and_the_review_follows(busy: Program) -> None:
    manager = open_page("pages/22_review.py", busy.users["mgr"])
    assert not manager.exception and not [e for e in manager.expander if "signals start" in e.label]
    at = open_page("pages/22_review.py", busy.users["root"])
    at.selectbox(key="review_period_en").set_value("custom").run()
    at.date_input(key="review_dates").set_value(NOVEMBER).run()
    assert "Registrations without FTDs (1)" in at.multiselect(key="review_only").options
    at.text_input(key="review_limit_min_registrations").input("30")
    at.button(key="FormSubmitter:review_limits-Save the limits").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Saved. Limits changed: 1. The review below uses them."
    assert not [o for o in at.multiselect(key="review_only").options if o.startswith("Registrations without FTDs")]
    assert any("fewer than 100 clicks or 30 registrations" in c.value for c in at.caption)
    assert not [m for m in at.metric if m.label == "Registrations without FTDs"]  # no partner raises it now
    assert [m.proto.help for m in at.metric if m.label == "Traffic halved"] == [
        "Clicks fell by 50% or more from 100 or more in the period before."
    ]


def test_a_save_from_the_form_writes_only_the_limits_edited_and_refuses_one_changed_meanwhile(
    program: Program, store_engine: Engine
) -> None:
    """Admin A's form shows the defaults; admin2 then sets bots at 10%. A's clicks leave the 10 as it is; A's bot limit
    is refused naming the 10, nothing written; the same limit as admin2's is no quarrel."""
    add_second_admin(program, store_engine)
    root, seen = program.users["root"].scope, Thresholds()
    with session_scope(store_engine) as s:
        assert save_thresholds(s, program.users["admin2"].scope, Thresholds(bot_pct=10)) == ["bot_pct"]
    with session_scope(store_engine) as s:
        assert save_thresholds(s, root, replace(seen, min_clicks=50), seen) == ["min_clicks"]
    with pytest.raises(LimitsChangedMeanwhile) as refused, session_scope(store_engine) as s:
        save_thresholds(s, root, replace(seen, bot_pct=25, drop_pct=60), seen)
    said = {loc: translate(refused.value.key, loc, **localised(refused.value.params, loc)) for loc in ("en", "ru")}
    assert said["en"].startswith("The limits were changed meanwhile by someone else, in those you changed too; they "
                                 "are now Bots: % of clicks: 10. Nothing was saved")  # fmt: skip
    assert f"{translate('review.limit_bot_pct', 'ru')}: 10." in said["ru"]
    assert refused.value.now == Thresholds(min_clicks=50, bot_pct=10)
    assert refused.value.kept == Thresholds(min_clicks=50, bot_pct=25, drop_pct=60)  # as typed
    with session_scope(store_engine) as s:
        assert thresholds(s) == Thresholds(min_clicks=50, bot_pct=10)
        assert save_thresholds(s, root, replace(seen, bot_pct=10.0), seen) == []
        logged = s.scalars(select(AuditLog.details).where(AuditLog.action == "review_thresholds_changed")
                           .order_by(AuditLog.id))  # fmt: skip
        assert list(logged) == [{"bot_pct": [20.0, 10.0]}, {"min_clicks": [100, 50]}]


def test_the_limits_form_keeps_another_admins_limit_and_refuses_to_write_over_it(
    program: Program, store_engine: Engine
) -> None:
    add_second_admin(program, store_engine)
    save = "FormSubmitter:review_limits-Save the limits"
    at = open_page("pages/22_review.py", program.users["root"])
    assert drawn_input(at.text_input, "review_limit_bot_pct").value == "20"
    with session_scope(store_engine) as s:  # the other admin, while the page is open
        save_thresholds(s, program.users["admin2"].scope, Thresholds(bot_pct=10))
    drawn_input(at.text_input, "review_limit_min_clicks").input("50")
    at.button(key=save).click().run()
    assert not at.exception and at.success[0].value == "Saved. Limits changed: 1. The review below uses them."
    with session_scope(store_engine) as s:
        assert thresholds(s) == Thresholds(min_clicks=50, bot_pct=10)
    assert drawn_input(at.text_input, "review_limit_bot_pct").value == "10"  # the form shows the limits as stored
    with session_scope(store_engine) as s:
        save_thresholds(s, program.users["admin2"].scope, Thresholds(min_clicks=50, bot_pct=15))
    drawn_input(at.text_input, "review_limit_bot_pct").input("25")
    at.button(key=save).click().run()
    assert not at.exception and not [s for s in at.success if s.value.startswith("Saved")]
    assert [e.value for e in at.error] == [
        "The limits were changed meanwhile by someone else, in those you changed too; they are now Bots: % of clicks: "
        "15. Nothing was saved: the form shows the limits as they are now, with your changes kept. Check them and save "
        "again."
    ]
    assert drawn_input(at.text_input, "review_limit_bot_pct").value == "25"  # what the admin typed, kept
    with session_scope(store_engine) as s:
        assert thresholds(s).bot_pct == 15


def test_a_limit_out_of_bounds_is_refused_in_the_sessions_language_naming_it(
    busy: Program, store_engine: Engine
) -> None:
    """The browser checked the bounds itself, said so in English on hover only, and Save did nothing; the store's
    refusal named the limit by its code ("drop_pct must be between 1 and 99")."""
    at = open_page("pages/22_review.py", busy.users["root"])
    drawn_input(at.text_input, "review_limit_drop_pct").input("150")  # no bounds left to the browser
    at.button(key="FormSubmitter:review_limits-Save the limits").click().run()
    assert not at.exception and [e.value for e in at.error] == ["Dropped: clicks fell by % must be between 1 and 99."]
    with session_scope(store_engine) as s:
        assert thresholds(s).drop_pct == 50  # nothing written
        with pytest.raises(ReviewSettingsError) as refused:
            save_thresholds(s, busy.users["root"].scope, Thresholds(drop_pct=150))
    said = translate(refused.value.key, "ru", **localised(refused.value.params, "ru"))
    assert said == "Падение: клики упали на %: допустимо от 1 до 99.", said


def test_a_limit_is_typed_with_a_decimal_comma_and_written_as_the_language_does(
    program: Program, store_engine: Engine
) -> None:
    """Chromium's number field took a Russian "2,5" as 25 (it drops the comma), and wrote the limits "3.0" on a Russian
    page; they are text fields now, read as typed, and a count or a number that reads two ways is refused."""
    with session_scope(store_engine) as s:
        save_thresholds(s, program.users["root"].scope, Thresholds(bot_pct=20.6))
    ru = _open_ru(program, "root", "pages/22_review.py")
    assert not ru.exception
    shown = {k: ru.text_input(key=f"review_limit_{k}").value for k in ("spike_times", "bot_pct", "min_clicks")}
    assert shown == {"spike_times": "3", "bot_pct": "20,6", "min_clicks": "100"}
    at = open_page("pages/22_review.py", program.users["root"])  # what is typed is read alike in either language
    save = "FormSubmitter:review_limits-Save the limits"
    at.text_input(key="review_limit_spike_times").input("2,5")
    at.button(key=save).click().run()
    assert not at.exception and not at.error
    with session_scope(store_engine) as s:
        assert thresholds(s).spike_times == 2.5
    drawn_input(at.text_input, "review_limit_min_clicks").input("1,000")
    drawn_input(at.text_input, "review_limit_min_registrations").input("20.5")
    at.button(key=save).click().run()
    assert [e.value for e in at.error] == [
        "Clicks to judge traffic: 1,000 can be read two ways. Write the number without thousands separators, with a "
        "point or a comma before the decimals: 1000, 2.5 or 2,5. Registrations to judge FTDs: 20.5 is not a whole "
        "number."
    ]
    assert drawn_input(at.text_input, "review_limit_min_clicks").value == "1,000"  # kept, to be corrected
    with session_scope(store_engine) as s:
        assert (thresholds(s).min_clicks, thresholds(s).min_registrations) == (100, 20)  # nothing written
    drawn_input(at.text_input, "review_limit_min_clicks").input("5e2")  # 500 to Decimal
    drawn_input(at.text_input, "review_limit_min_registrations").input("20")
    at.button(key=save).click().run()
    assert [e.value for e in at.error] == ["Clicks to judge traffic: 5e2 is not a number."]
    with session_scope(store_engine) as s:
        assert thresholds(s).min_clicks == 100
