"""Data loads lists what recent runs warned, each warning once with the runs that said it, the latest run's too when
it found nothing new (not published); before, only `cabinet etl run`'s output and the schedule's log said them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cabinet.access import ScopeError
from cabinet.i18n import translate
from cabinet.ui.run_warnings import worded
from cabinet.ui.widgets import plain
from queries.run_warnings import run_warnings
from queries.warehouse import Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

FX = "fx_rates/sek.csv: SEK on 2026-11-01 (0.1, 0.2) is given different rates: the last row's is used"


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_page_lists_what_runs_warned_and_only_admins_read_it(program: Program, locale: str) -> None:
    tiny = program.tiny
    tiny.write("fx_rates", "sek.csv", "date,currency,rate\n2026-11-01,SEK,0.1\n2026-11-01,SEK,0.2\n")
    tiny.run()  # run 2: published, its warning in the snapshot
    tiny.inbox.rename(tiny.inbox.with_name("inbox_moved"))
    tiny.run()  # run 3: found nothing new, not published
    gone = f"inbox {tiny.inbox} is not a directory: nothing to read"
    at = open_page("pages/23_data_loads.py", replace(program.users["root"], locale=locale))
    assert not at.exception and not at.error
    assert translate("loads.warnings", locale) in [h.value for h in at.header]
    [said] = [m.value for m in at.markdown if m.value.startswith(translate("loads.warnings_intro", locale))]
    items = said.split("\n\n", 1)[1].splitlines()
    run = translate("loads.run_n", locale, n=3)
    assert items[0].startswith(f"- {plain(gone)} — {run}, ") and items[0].endswith(" UTC")  # the latest run's
    assert items[1].startswith(f"- {plain(FX)} — ") and len(items) == 2
    wh = Warehouse(tiny.settings.warehouse_dir)
    with pytest.raises(ScopeError):
        run_warnings(program.users["mgr"].scope, wh=wh)


def test_no_warnings_no_section(program: Program) -> None:
    at = open_page("pages/23_data_loads.py", program.users["root"])
    assert not at.exception
    assert translate("loads.warnings", "en") not in [h.value for h in at.header]


def test_a_warning_shows_the_commands_it_names_as_code_and_the_rest_as_typed() -> None:
    said = "1 conversion went to the quarantine as unattributed: `cabinet etl reprocess --reason unattributed` once"
    assert worded(said) == (
        f"{plain('1 conversion went to the quarantine as unattributed: ')}`cabinet etl reprocess --reason "
        f"unattributed`{plain(' once')}"
    )  # was shown with its backticks, escaped
    odd = "clicks/a`b_*x*.csv is still being written: left for the next run"
    assert worded(odd) == plain(odd)  # a backtick of a path: all text, nothing taken for code or emphasis
    assert worded("x `` y") == plain("x `` y")
    assert worded("`rm\u202e -rf`") == "`rm -rf`"  # what changes what a reader sees is dropped in code too
