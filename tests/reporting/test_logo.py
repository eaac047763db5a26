"""The program's logo: an admin uploads a whole image within the limits, every page's sidebar shows it, and the
file it replaces or removes is deleted once the change is committed; nobody else changes it."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from cabinet import branding_admin
from cabinet.access import ScopeError
from cabinet.branding_admin import remove_logo, set_logo
from cabinet.creatives_admin import CreativeError
from cabinet.i18n import translate
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, ProgramSettings
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page


def _png(width: int = 240, height: int = 60, colour: tuple[int, int, int] = (20, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _grey16() -> bytes:
    """A 16-bit greyscale PNG: Streamlit re-encodes it as JPEG to draw it, which cannot hold its pixels."""
    out = io.BytesIO()
    Image.new("I;16", (400, 100), 1000).save(out, format="PNG")
    return out.getvalue()


def _set(program: Program, engine: Engine, content: bytes, user: str = "root"):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return set_logo(s, program.users[user].scope, program.tiny.settings.data_dir, "logo.png", content)


def test_a_logo_is_stored_and_the_one_it_replaces_is_handed_back(program: Program, store_engine: Engine) -> None:
    data_dir = program.tiny.settings.data_dir
    assert _set(program, store_engine, _png()) is None
    with session_scope(store_engine) as s:
        first = s.get(ProgramSettings, 1).logo_path
    assert first.startswith("branding/logo-") and (data_dir / first).read_bytes() == _png()
    old = _set(program, store_engine, _png(colour=(200, 20, 20)))
    assert old == (data_dir / first).resolve()  # the caller deletes it after the commit
    with session_scope(store_engine) as s:
        second = s.get(ProgramSettings, 1).logo_path
        gone = remove_logo(s, program.users["root"].scope, data_dir)
        logs = [a.details["logo"] for a in s.scalars(select(AuditLog).where(AuditLog.action == "program_changed"))]
        assert s.get(ProgramSettings, 1).logo_path is None
    assert gone == (data_dir / second).resolve()
    assert logs == [[None, first], [first, second], [second, None]]


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "catalogue.bad_format"),
        (_png(2001, 10), "catalogue.too_big"),
        (b"", "catalogue.file_empty"),
    ],
)
def test_what_is_not_a_logo_is_refused(program: Program, store_engine: Engine, content: bytes, key: str) -> None:
    with pytest.raises(CreativeError) as refused:
        _set(program, store_engine, content)
    assert refused.value.key == key
    with session_scope(store_engine) as s:
        assert s.get(ProgramSettings, 1).logo_path is None


def test_a_logo_over_the_byte_limit_and_a_manager_are_refused(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ScopeError):
        _set(program, store_engine, _png(), user="mgr")
    monkeypatch.setattr(branding_admin, "MAX_BYTES", 100)
    with pytest.raises(CreativeError) as refused:
        _set(program, store_engine, _png())
    assert refused.value.key == "catalogue.file_too_large"


def test_every_page_shows_the_logo_and_the_admin_removes_it(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit

    shown: list[object] = []
    monkeypatch.setattr(streamlit, "logo", lambda image, **_: shown.append(image))  # AppTest keeps no logo element
    _set(program, store_engine, _png())
    home = open_page("app.py", program.users["p_parent"])
    assert not home.exception and shown and str(shown[-1]).endswith(".png")
    at = open_page("pages/12_program.py", program.users["root"])
    assert not at.exception and "logo_remove" in [b.key for b in at.button]  # shown with the logo
    at.button(key="logo_remove").click().run()
    assert not at.exception and "The logo is removed." in [s.value for s in at.success]
    assert not list((program.tiny.settings.data_dir / "branding").iterdir())  # its file is gone too
    shown.clear()
    assert not open_page("app.py", program.users["p_parent"]).exception and not shown


def test_a_16_bit_greyscale_logo_is_stored_as_an_8_bit_png_of_the_same_shade(
    program: Program, store_engine: Engine
) -> None:
    _set(program, store_engine, _grey16())
    with session_scope(store_engine) as s:
        stored = program.tiny.settings.data_dir / s.get(ProgramSettings, 1).logo_path
    with Image.open(stored) as img:
        assert (stored.suffix, img.mode, img.size, img.getextrema()) == (".png", "L", (400, 100), (3, 3))  # 1000/256
    assert not open_page("app.py", program.users["p_parent"]).exception


@pytest.mark.parametrize(("content", "drawn"), [(_grey16(), True), (b"not a picture", False)], ids=["16-bit", "bad"])
def test_a_stored_logo_the_pages_cannot_draw_as_it_is_breaks_no_page(
    program: Program, store_engine: Engine, content: bytes, drawn: bool
) -> None:
    """One stored before uploads were converted is drawn converted; a file damaged on disk is left out, and said in
    Program settings, where it can still be removed."""
    (program.tiny.settings.data_dir / "branding").mkdir(parents=True, exist_ok=True)
    (program.tiny.settings.data_dir / "branding" / "logo-old.png").write_bytes(content)
    with session_scope(store_engine) as s:
        s.get(ProgramSettings, 1).logo_path = "branding/logo-old.png"
    for user in ("p_parent", "mgr"):
        assert not open_page("app.py", program.users[user]).exception
    at = open_page("pages/12_program.py", program.users["root"])
    assert not at.exception and "logo_remove" in [b.key for b in at.button]
    assert bool(at.get("image")) is drawn
    assert (translate("program.logo_unreadable") in [w.value for w in at.warning]) is not drawn
    at.button(key="logo_remove").click().run()
    assert not at.exception and "The logo is removed." in [s.value for s in at.success]
