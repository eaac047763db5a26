"""What a screen reader is given by the cabinet's own markup: every picture it draws has a text alternative (banners,
QR codes, the logo)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from cabinet.session import SessionUser
from tests.reporting.conftest import Program
from tests.reporting.test_creatives import banners  # noqa: F401 - the fixture, reused
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused
from tests.reporting.test_logo import _png, _set
from tests.reporting.test_pages import _open as open_page


def _in(program: Program, user: str, locale: str) -> SessionUser:
    return dataclasses.replace(program.users[user], locale=locale)


def _alts(at) -> list[str | None]:  # type: ignore[no-untyped-def]
    """The alt text of every picture the page draws (None: the picture has none)."""
    return [img.alt if img.HasField("alt") else None for element in at.get("image") for img in element.proto.imgs]


def test_each_banner_preview_is_named_for_a_screen_reader(banners: Program) -> None:  # noqa: F811
    """A partner on the Creatives page, an admin in the Catalogue: a banner without alt text was read out as its file
    address, or not at all."""
    at = open_page("pages/07_creatives.py", banners.users["p_parent"])
    assert not at.exception
    assert _alts(at) == ["Banner: Logo", "Banner: Casino 300", "Banner: Casino 728", "Banner: Shop 728"]
    ru = open_page("pages/07_creatives.py", _in(banners, "p_parent", "ru"))
    assert _alts(ru)[0] == "Баннер: Logo"  # the name as typed, the rest in the session's language
    admin = open_page("pages/20_catalogue.py", banners.users["root"])
    admin.radio(key=f"catalogue_creatives_for_{admin.selectbox(key='catalogue_pick').value}").set_value(0).run()
    assert not admin.exception and _alts(admin) == ["Banner: Logo"]


def test_qr_codes_say_what_they_hold(offers: Program) -> None:  # noqa: F811
    """The link's QR code (its address), the invitation's, and the two-step login key's."""
    tiny = offers.tiny
    links = open_page("pages/06_links.py", offers.users["p_parent"])
    assert not links.exception
    assert _alts(links) == [f"QR code of https://trk.example.com/c/{tiny.token}"]
    subs = open_page("pages/04_subpartners.py", offers.users["p_parent"])
    assert not subs.exception and _alts(subs) == ["QR code of the invitation link"]
    account = open_page("pages/10_account.py", offers.users["p_parent"])
    assert not account.exception
    assert _alts(account) == ["QR code of the key for your authenticator app (the key is also written beside it)"]


@pytest.mark.parametrize(
    ("locale", "alt"), [("en", "Current logo of {name}"), ("ru", "Текущий логотип программы «{name}»")]
)
def test_the_logo_in_program_settings_is_named(program: Program, store_engine: Engine, locale: str, alt: str) -> None:
    _set(program, store_engine, _png())
    at = open_page("pages/12_program.py", _in(program, "root", locale))
    assert not at.exception and _alts(at) == [alt.format(name=at.text_input(key="program_name").value)]
