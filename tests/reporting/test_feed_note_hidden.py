"""A commission feed row's free-text `note` may name where the money came from ("override: FTD of partner 4711
(player 99)", as an operator's previous system writes them): on a row whose source the partner is not shown (a
sub-partner deeper than its tier shows, `queries.commissions.HIDDEN_SOURCE`) the partner reads "Set by the program."
without it — on the Commissions page, in its downloads and in the full export — while staff read it as written."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import Engine

from cabinet.access import build_session_user
from cabinet.month_statement import commission_statement
from cabinet.session import SessionUser
from cabinet.store.db import session_scope
from queries.commissions import KINDS, STATUSES, CommissionRequest, explain, rows
from queries.detail import DetailRequest, detail_rows
from queries.warehouse import Warehouse
from tests.reporting.conftest import NOW, Program, grandchild_with_an_ftd, loaded_once
from tests.reporting.test_feed_override_sources import FEED_HEAD
from tests.reporting.test_pages import _open as open_page

PERIOD = (date(2026, 10, 12), date(2026, 11, 10))


@loaded_once
def noted(program: Program, store_engine: Engine) -> tuple[Program, str, str]:
    """The parent is silver (shows the child, not the grandchild); the feed pays it $7 on the grandchild's FTD g1 and
    $2 on the child's registration r2, each with a note naming the partner it came from. The two notes."""
    tiny = program.tiny
    gc = grandchild_with_an_ftd(store_engine, tiny)
    deep, shown = f"override: FTD of partner {gc} (player 99)", f"override: registration of partner {tiny.child}"
    tiny.write("commissions", "feed.csv", FEED_HEAD + f'fg,{tiny.parent},2026-11-06T10:00:00Z,7,USD,sub_partner,g1,'
               f'approved,"{deep}"\nfr,{tiny.parent},2026-11-06T11:00:00Z,2,USD,sub_partner,r2,approved,'
               f'"{shown}"\n')  # fmt: skip
    tiny.run(NOW + timedelta(hours=1))
    return program, deep, shown


def _user(store_engine: Engine, name: str) -> SessionUser:
    user = build_session_user(store_engine, name)
    assert user is not None
    return user


def _feed(user: SessionUser, wh: Warehouse) -> dict[float, dict]:
    got = rows(user.scope, wh=wh, req=CommissionRequest(*PERIOD, "UTC", STATUSES, KINDS))
    return {float(r["amount"]): r for r in got.iter_rows(named=True) if r["source"] == "feed"}


def test_a_hidden_sources_feed_row_shows_no_note_to_the_partner(
    noted: tuple[Program, str, str], store_engine: Engine
) -> None:
    program, deep, shown = noted
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    silver = _user(store_engine, "p_parent")
    got = _feed(silver, wh)
    assert got[7.0]["masked"] and got[7.0]["note"] is None
    assert explain(got[7.0], "en", silver.visible_metrics) == "Set by the program."
    assert explain(got[7.0] | {"note": deep}, "en") == "Set by the program."  # a masked row's note is never said
    # the child's row is the parent's to see, note and all
    assert explain(got[2.0], "en", silver.visible_metrics) == f"Set by the program: {shown}"

    # the page (its downloads are the same rows' explanations)
    at = open_page("pages/03_commissions.py", silver)
    assert not at.exception and not at.error
    how = set(at.dataframe[0].value["How it was computed"])
    assert "Set by the program." in how and f"Set by the program: {shown}" in how
    assert not any(deep in text for text in how)

    # the full export
    export = detail_rows(silver.scope, wh=wh, req=DetailRequest("commissions", *PERIOD, "UTC"),
                         metrics=silver.visible_metrics).filter(rule="feed")  # fmt: skip
    assert sorted(export.select("amount", "note").rows(), key=str) == [(2, shown), (7, None)]

    # the monthly statement sums by offer and kind: no row's note
    with session_scope(store_engine) as s:
        pdf = commission_statement(s, silver.scope, wh, date(2026, 11, 1), silver.visible_metrics, "en").pdf
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert (
        "Commission of the month: $109.00" in text
    )  # g1's override counted (the feed's $7, in place of the engine's $5)
    assert "player 99" not in text and "override:" not in text

    # the Sub-partners page files the money on its last line, with no note either
    at = open_page("pages/04_subpartners.py", silver)
    assert not at.exception and not at.error
    assert not any(deep in frame.value.to_string() for frame in at.dataframe)


def test_staff_read_the_note_as_written(noted: tuple[Program, str, str], store_engine: Engine) -> None:
    program, deep, _ = noted
    wh = Warehouse(program.tiny.settings.warehouse_dir)
    for name in ("root", "mgr"):
        row = _feed(program.users[name], wh)[7.0]
        assert not row["masked"] and row["note"] == deep
        assert explain(row, "en") == f"Set by the program: {deep}"
        export = detail_rows(program.users[name].scope, wh=wh, req=DetailRequest("commissions", *PERIOD, "UTC"),
                             metrics=program.users[name].visible_metrics).filter(rule="feed", amount=7)  # fmt: skip
        assert export["note"].to_list() == [deep]
