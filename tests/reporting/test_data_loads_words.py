"""Data loads' inbox count is headed in a whole phrase: "Files read, unchanged since" broke off after "since"."""

from __future__ import annotations

from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def test_the_files_read_are_headed_in_a_whole_phrase(program: Program) -> None:
    at = open_page("pages/23_data_loads.py", program.users["root"])
    assert not at.exception
    assert at.metric[0].label == "Files read and not changed since"
