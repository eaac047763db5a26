"""The plan form's volume-tier editor: a row added there read "None" in each cell left empty (in English on a Russian
page too), beside saved rows whose empty cells read empty; now they read alike."""

from __future__ import annotations

from tests.reporting.conftest import Program
from tests.reporting.test_page_locale import _ru
from tests.reporting.test_pages import _open as open_page


def test_an_empty_tier_cell_reads_empty_not_none(program: Program) -> None:
    for user in (program.users["root"], _ru(program, "root")):
        at = open_page("pages/21_plans.py", user)
        assert not at.exception
        editors = [d for d in at.dataframe if d.proto.editing_mode]  # the add form's and the change form's
        assert len(editors) == 2 and all(d.proto.placeholder == "" and d.proto.HasField("placeholder") for d in editors)
