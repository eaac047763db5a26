"""Promo codes: a partner asks for a new code by an email made for it, to the program's support or else to its
manager, naming the partner; 'ask your manager' named nobody, and 'write to support' left the partner to say who it
is."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine

from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import ProgramSettings
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

PAGE = "pages/08_promo_codes.py"


def _requests(program: Program, who: str) -> list[str]:
    at = open_page(PAGE, program.users[who])
    assert not at.exception
    return [b.proto.url for b in at.get("link_button") if b.proto.label == translate("promo.request")]


def test_the_request_goes_to_the_manager_without_a_support_address(program: Program) -> None:
    [url] = _requests(program, "p_parent")
    parts = urlsplit(url)
    assert (parts.scheme, parts.path) == ("mailto", "m@example.com")
    asked = parse_qs(parts.query)
    about = {"partner": program.tiny.parent, "login": program.users["p_parent"].username}
    assert asked["subject"] == [translate("promo.request_subject", **about)]
    assert asked["body"] == [translate("promo.request_body", **about)]


def test_the_request_goes_to_support_when_the_program_has_one(program: Program, store_engine: Engine) -> None:
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).support_email = "help@example.com"
    assert [urlsplit(u).path for u in _requests(program, "p_parent")] == ["help@example.com"]
    assert [urlsplit(u).path for u in _requests(program, "p_child")] == ["help@example.com"]


def test_nobody_to_write_to_no_button_and_staff_issue_codes_themselves(program: Program) -> None:
    assert _requests(program, "p_child") == []  # no manager, no support address
    assert _requests(program, "mgr") == []
