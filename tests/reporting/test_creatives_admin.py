"""Creatives uploaded by admins: only whole PNG, JPEG, GIF or WebP images within the limits are taken, their size read
from the image; partners of the offer see them at once; a file is stored once and goes with its last creative."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from cabinet import creatives_admin
from cabinet.access import ScopeError, build_session_user
from cabinet.creatives import partner_creatives
from cabinet.creatives_admin import CreativeError, NewCreative, add_creative, remove_creative
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, Creative
from tests.reporting.conftest import Program
from tests.reporting.test_links import offers  # noqa: F401 - the fixture, reused


def _image(kind: str, width: int = 300, height: int = 250) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format=kind)
    return out.getvalue()


def _add(program: Program, engine: Engine, new: NewCreative, user: str = "root") -> int:
    with session_scope(engine) as s:
        return add_creative(s, program.users[user].scope, program.tiny.settings.creatives_dir, new).id


def _remove(program: Program, engine: Engine, creative_id: int) -> Path | None:
    with session_scope(engine) as s:
        return remove_creative(s, program.users["root"].scope, program.tiny.settings.creatives_dir, creative_id)


@pytest.mark.parametrize(
    ("kind", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_each_banner_format_is_stored_with_the_size_read_from_the_image(
    offers: Program,  # noqa: F811
    store_engine: Engine,
    kind: str,
    mime: str,
) -> None:
    content = _image(kind, 728, 90)
    creative_id = _add(offers, store_engine, NewCreative("banner.png", content, "", offers.tiny.offer, "ru"))
    with session_scope(store_engine) as s:
        row = s.get(Creative, creative_id)
        assert (row.name, row.width, row.height, row.mime_type, row.locale, row.size_bytes) == (
            "banner", 728, 90, mime, "ru", len(content))  # fmt: skip
        extension = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}[kind]  # from the image, not the name
        assert row.file_path == f"uploads/{hashlib.sha256(content).hexdigest()[:32]}.{extension}"
        assert (offers.tiny.settings.creatives_dir / row.file_path).read_bytes() == content
        seen = [i.name for i in partner_creatives(s, offers.users["p_bronze"].scope, None)]
        log = s.scalar(select(AuditLog).where(AuditLog.action == "creative_added"))
    assert seen == ["banner"]  # the casino offer is open to every tier
    assert (log.actor_username, log.target, log.details["size"]) == ("root", f"creative {creative_id}", "728x90")


def _bomb() -> bytes:
    """A 10,000-pixel square PNG of one bit per pixel: 100M pixels, which Pillow takes for a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    return out.getvalue()


def _truncated_png() -> bytes:
    whole = _image("PNG", 400, 400)
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "catalogue.file_empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "catalogue.bad_format"),
        (b"just some text named like a picture", "catalogue.bad_format"),
        (_truncated_png(), "catalogue.bad_format"),
        (_image("BMP"), "catalogue.bad_format"),
        (_image("PNG", 4001, 10), "catalogue.too_big"),
        (_bomb(), "catalogue.too_big"),  # over Pillow's pixel limit: said too large too, not "cannot be read whole"
    ],
)
def test_what_is_not_a_whole_banner_is_refused_and_nothing_is_stored(
    program: Program, store_engine: Engine, content: bytes, key: str
) -> None:
    with pytest.raises(CreativeError) as refused:
        _add(program, store_engine, NewCreative("evil.png", content))
    assert refused.value.key == key and refused.value.params["file"] == "evil.png"
    uploads = program.tiny.settings.creatives_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    with session_scope(store_engine) as s:
        assert s.scalar(select(func.count()).select_from(Creative)) == 0


def test_a_batch_with_one_refused_file_leaves_no_file_of_the_others(program: Program, store_engine: Engine) -> None:
    uploads = program.tiny.settings.creatives_dir / "uploads"
    root = program.users["root"].scope
    with pytest.raises(CreativeError) as refused, session_scope(store_engine) as s:  # as the catalogue's upload form
        for new in (NewCreative("ok.png", _image("PNG")), NewCreative("fake.png", b"not an image")):
            add_creative(s, root, program.tiny.settings.creatives_dir, new)
    assert refused.value.params["file"] == "fake.png"
    assert not uploads.exists() or not any(uploads.iterdir())  # the first was written, then removed with the rollback
    kept = _add(program, store_engine, NewCreative("ok.png", _image("PNG")))  # a committed one stays
    with session_scope(store_engine) as s:
        assert (program.tiny.settings.creatives_dir / s.get(Creative, kept).file_path).is_file()


def test_a_file_over_the_byte_limit_is_refused(
    program: Program, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = _image("PNG")
    monkeypatch.setattr(creatives_admin, "MAX_BYTES", len(content) - 1)
    with pytest.raises(CreativeError) as refused:
        _add(program, store_engine, NewCreative("big.png", content))
    assert refused.value.key == "catalogue.file_too_large"


def test_one_file_is_stored_once_and_goes_with_its_last_creative(program: Program, store_engine: Engine) -> None:
    tiny, content = program.tiny, _image("PNG")
    first = _add(program, store_engine, NewCreative("a.png", content, "Casino square", tiny.offer))
    with pytest.raises(CreativeError) as twin:
        _add(program, store_engine, NewCreative("copy.png", content, "", tiny.offer))
    assert (twin.value.key, twin.value.params["creative"]) == ("catalogue.file_twin", first)
    second = _add(program, store_engine, NewCreative("a.png", content, "Shop square", tiny.other_offer))
    program_wide = _add(program, store_engine, NewCreative("a.png", content))  # the whole program's
    with session_scope(store_engine) as s:
        paths = set(s.scalars(select(Creative.file_path).where(Creative.id.in_([first, second, program_wide]))))
    assert len(paths) == 1
    stored = tiny.settings.creatives_dir / paths.pop()
    assert _remove(program, store_engine, first) is None and _remove(program, store_engine, second) is None
    assert _remove(program, store_engine, program_wide) == stored.resolve()  # the last one: the caller deletes it
    with session_scope(store_engine) as s:
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions.count("creative_removed") == 3


def test_a_row_naming_a_file_outside_the_uploads_never_has_it_deleted(program: Program, store_engine: Engine) -> None:
    root = program.tiny.settings.creatives_dir
    root.mkdir(parents=True, exist_ok=True)
    (root / "demo.png").write_bytes(_image("PNG"))
    with session_scope(store_engine) as s:
        rows = [Creative(name="Demo", file_path="demo.png"), Creative(name="Sneaky", file_path="uploads/../../x")]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    assert [_remove(program, store_engine, i) for i in ids] == [None, None]
    with pytest.raises(CreativeError):
        _remove(program, store_engine, ids[0])  # gone already


def test_only_an_admin_as_themselves_adds_or_removes(program: Program, store_engine: Engine) -> None:
    new = NewCreative("a.png", _image("PNG"))
    for user in ("mgr", "p_parent"):
        with pytest.raises(ScopeError):
            _add(program, store_engine, new, user)
    viewing = build_session_user(store_engine, "root", impersonate_partner_id=program.tiny.parent)
    assert viewing is not None
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        add_creative(s, viewing.scope, program.tiny.settings.creatives_dir, new)
    creative_id = _add(program, store_engine, new)
    with session_scope(store_engine) as s, pytest.raises(ScopeError):
        remove_creative(s, program.users["mgr"].scope, program.tiny.settings.creatives_dir, creative_id)
    for bad, key in (({"offer_id": 9999}, "catalogue.no_such_offer"), ({"locale": "de"}, "catalogue.bad_locale")):
        with pytest.raises(CreativeError) as refused:
            _add(program, store_engine, NewCreative(**{**new.__dict__, **bad}))
        assert refused.value.key == key


def _in_mode(mode: str, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (400, 100), 1000 if mode.startswith("I") else 1).save(out, format=kind)
    return out.getvalue()


def test_a_16_bit_greyscale_banner_is_stored_as_an_8_bit_png_of_the_same_shade(
    program: Program, store_engine: Engine
) -> None:
    """Streamlit draws it re-encoded as JPEG, which cannot hold its pixels: stored as uploaded, it broke the pages."""
    creative_id = _add(program, store_engine, NewCreative("grey.png", _in_mode("I;16"), "", program.tiny.offer))
    with session_scope(store_engine) as s:
        row = s.get(Creative, creative_id)
        stored = (program.tiny.settings.creatives_dir / row.file_path).read_bytes()
        assert (row.mime_type, row.width, row.height, row.size_bytes) == ("image/png", 400, 100, len(stored))
        assert row.file_path == f"uploads/{hashlib.sha256(stored).hexdigest()[:32]}.png"  # named by what is stored
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.mode, img.getextrema()) == ("L", (3, 3))  # 1000 of 65535 is 3 of 255, not clipped to white


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("CMYK", "JPEG"), ("L", "GIF"),
     ("RGBA", "WEBP")],
)  # fmt: skip
def test_a_banner_the_pages_draw_as_it_is_is_stored_as_uploaded(
    program: Program, store_engine: Engine, mode: str, kind: str
) -> None:
    content = _in_mode(mode, kind)
    creative_id = _add(program, store_engine, NewCreative(f"banner.{kind.lower()}", content))
    with session_scope(store_engine) as s:
        assert (program.tiny.settings.creatives_dir / s.get(Creative, creative_id).file_path).read_bytes() == content
