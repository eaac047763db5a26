"""Creatives added and removed by admins: image banners uploaded into the data directory's `creatives/uploads/`, and
text ads written in the cabinet (a partner's link goes where the text says `{link}`).

An upload is taken only when Pillow reads it whole as PNG, JPEG, GIF or WebP within the size limits; its pixel size
and type come from the image, not from the file's name or what the browser said. SVG is refused: it can carry script,
and partners open creatives in their browsers. An image whose pixels the pages cannot draw as they are (a 16-bit
greyscale PNG: Streamlit re-encodes a picture without transparency as JPEG, which cannot hold them) is stored as an
8-bit PNG of the same picture (`drawable`), so what partners are shown is what was checked. Files are named by their
content's SHA-256, so the same file uploaded twice is stored once; a file is deleted with the last creative that
names it. Every addition and removal is audit-logged.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import Number, RefusedRequest
from cabinet.i18n import LOCALES
from cabinet.store.models import Creative, Offer, User

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 4000  # pixels: the largest banner sizes are 970x250 and 300x1050; a poster fits too
NAME_MAX = 200
TEXT_MAX = 2000  # characters of a text ad: an email's paragraph, a post, a message
LINK = "{link}"  # where a text ad puts the partner's link (`cabinet.creatives.with_link`)
UPLOADS = "uploads"
FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
           "WEBP": ("image/webp", "webp")}  # fmt: skip
DRAWN_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "CMYK"})  # what st.image and st.logo can re-encode
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
               Image.DecompressionBombError)  # fmt: skip


class CreativeError(RefusedRequest):
    """An upload or removal that cannot be made; `key`/`params` say why in the interface's language."""


@dataclass(frozen=True)
class NewCreative:
    """An upload: the file as sent, its name for partners (empty: the file's name), its offer (None: the whole
    program) and language (None: any)."""

    filename: str
    content: bytes
    name: str = ""
    offer_id: int | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Picture:
    """What Pillow found in an upload."""

    mime_type: str
    extension: str
    width: int
    height: int


def _admin(scope: Scope) -> None:
    if not scope.is_admin or scope.impersonated_by:
        raise ScopeError(f"{scope.username!r} may not change creatives", "catalogue.admin_only")


def read_picture(content: bytes, filename: str = "") -> Picture:
    """The image's type and size, or `CreativeError` (naming `filename`) when it is not one of FORMATS read whole
    within the limits."""
    if not content:
        raise CreativeError("the file is empty", "catalogue.file_empty", file=filename)
    if len(content) > MAX_BYTES:
        raise CreativeError("the file is too large", "catalogue.file_too_large", file=filename,
                            mb=MAX_BYTES // (1024 * 1024))  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as img:
                kind, (width, height) = img.format, img.size
                if kind not in FORMATS:
                    raise CreativeError(f"{kind} is not a banner format", "catalogue.bad_format", file=filename)
                if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
                    raise CreativeError(f"{width}x{height} is too large", "catalogue.too_big", file=filename,
                                        side=Number(MAX_SIDE))  # fmt: skip
                img.load()  # decodes the pixels: a truncated or damaged file fails here, not in a partner's browser
    except CreativeError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:  # over 89M pixels: a side over
        # 9,000, well past MAX_SIDE; "not an image that can be read whole" sent the admin looking for a damaged file
        raise CreativeError(
            f"too many pixels: {exc}", "catalogue.too_big", file=filename, side=Number(MAX_SIDE)
        ) from exc
    except _UNREADABLE as exc:
        raise CreativeError(f"not a readable image: {exc}", "catalogue.bad_format", file=filename) from exc
    mime, extension = FORMATS[kind]
    return Picture(mime, extension, width, height)


def drawable(content: bytes) -> bytes | None:
    """The image as the pages can draw it: `content` itself when its pixels are in one of DRAWN_MODES, else the same
    picture as an 8-bit PNG; None when Pillow cannot read it. Only the header is read when nothing needs converting:
    the Creatives page asks for every card it draws."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as img:
                if img.mode in DRAWN_MODES:
                    return content
                if img.mode.startswith("I"):  # 16-bit greyscale (I;16; I as older Pillow reads it): 0–65535 → 0–255
                    eight = img.convert("I").point(lambda v: v / 256).convert("L")
                else:
                    eight = img.convert("RGBA")
                out = io.BytesIO()
                eight.save(out, format="PNG")
                return out.getvalue()
    except _UNREADABLE:
        return None


def stored_picture(content: bytes, filename: str = "") -> tuple[bytes, Picture]:
    """An upload as it is stored, and what it is: checked by `read_picture`, then made `drawable`."""
    picture = read_picture(content, filename)
    shown = drawable(content)
    if shown is None:
        raise CreativeError("not a picture the pages can draw", "catalogue.bad_format", file=filename)
    return (content, picture) if shown is content else (shown, read_picture(shown, filename))


def write_whole(path: Path, content: bytes) -> None:
    """Write a file whole or not at all (a temporary name, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    with temporary.open("wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


@dataclass(frozen=True)
class NewText:
    """A text ad: its name for partners, the text (with `LINK` where the partner's link goes), its offer (None: the
    whole program) and language (None: any)."""

    name: str
    text: str
    offer_id: int | None = None
    locale: str | None = None


def _checked_target(session: Session, offer_id: int | None, locale: str | None) -> None:
    if offer_id is not None and session.get(Offer, offer_id) is None:
        raise CreativeError(f"no offer {offer_id}", "catalogue.no_such_offer", offer=offer_id)
    if locale is not None and locale not in LOCALES:
        raise CreativeError(f"no language {locale!r}", "catalogue.bad_locale")


_WRITTEN = "creatives_written"  # session.info: files this session wrote, removed again if it rolls back


def _write_new(session: Session, target: Path, content: bytes) -> None:
    """Write a file no creative had yet; the session's rollback (another upload of the batch refused, a failed
    commit) removes it again, so a refusal leaves no file behind."""
    if target.is_file():
        return
    write_whole(target, content)
    if _WRITTEN not in session.info:
        event.listen(session, "after_rollback", _remove_written)
        event.listen(session, "after_commit", lambda s: s.info.pop(_WRITTEN, None))
    session.info.setdefault(_WRITTEN, []).append(target)


def _remove_written(session: Session) -> None:
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)


def _store(session: Session, scope: Scope, creatives_dir: Path, content: bytes, extension: str, shown_as: str,
           creative: Creative) -> Creative:  # fmt: skip
    """Write the file (named by its SHA-256, once) and the row, refusing a twin of the same offer; audit-logged."""
    relative = f"{UPLOADS}/{hashlib.sha256(content).hexdigest()[:32]}.{extension}"
    twin = session.scalar(select(Creative.id).where(Creative.file_path == relative,
                                                    Creative.offer_id.is_(None) if creative.offer_id is None
                                                    else Creative.offer_id == creative.offer_id))  # fmt: skip
    if twin is not None:
        raise CreativeError(f"creative {twin} is this file already", "catalogue.file_twin", file=shown_as,
                            creative=twin)  # fmt: skip
    _write_new(session, creatives_dir / relative, content)
    creative.file_path, creative.size_bytes = relative, len(content)
    session.add(creative)
    session.flush()
    size = f"{creative.width}x{creative.height}" if creative.width else f"{len(content)} bytes"
    details = {"offer_id": creative.offer_id, "name": creative.name, "kind": creative.kind, "file": relative,
               "size": size}  # fmt: skip
    audit(session, "creative_added", user=session.get(User, scope.user_id), username=scope.username,
          target=f"creative {creative.id}", details=details)  # fmt: skip
    return creative


def _typed_name(typed: str) -> str:
    """A creative's name as typed, its spaces collapsed; refused over `NAME_MAX` characters, never cut."""
    name = " ".join(typed.split())
    if len(name) > NAME_MAX:
        raise CreativeError(f"the name is longer than {NAME_MAX} characters", "catalogue.creative_name_too_long",
                            n=NAME_MAX)  # fmt: skip
    return name


def add_creative(session: Session, scope: Scope, creatives_dir: Path, new: NewCreative) -> Creative:
    """Store an uploaded banner and its row (audit-logged)."""
    _admin(scope)
    _checked_target(session, new.offer_id, new.locale)
    typed = _typed_name(new.name)  # a file's own name, when none is typed, is cut to the limit
    content, picture = stored_picture(new.content, new.filename)
    name = typed or " ".join(Path(new.filename).stem.split())[:NAME_MAX] or f"{picture.width}x{picture.height}"
    row = Creative(offer_id=new.offer_id, name=name, kind="banner", width=picture.width, height=picture.height,
                   locale=new.locale, mime_type=picture.mime_type)  # fmt: skip
    return _store(session, scope, creatives_dir, content, picture.extension, new.filename, row)


def add_text(session: Session, scope: Scope, creatives_dir: Path, new: NewText) -> Creative:
    """Store a text ad and its row (audit-logged): 1–`TEXT_MAX` characters naming `LINK` once or more."""
    _admin(scope)
    _checked_target(session, new.offer_id, new.locale)
    name = _typed_name(new.name)
    text = "\n".join(line.rstrip() for line in new.text.strip().replace("\r\n", "\n").split("\n"))
    if not name:
        raise CreativeError("a text ad needs a name", "catalogue.text_no_name")
    if not 1 <= len(text) <= TEXT_MAX:
        raise CreativeError("the text is empty or too long", "catalogue.text_length", n=Number(TEXT_MAX))
    if LINK not in text:
        raise CreativeError("the text does not say where the link goes", "catalogue.text_no_link", link=LINK)
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise CreativeError("the text has control characters", "catalogue.text_control")
    row = Creative(offer_id=new.offer_id, name=name, kind="text", locale=new.locale, mime_type="text/plain")
    return _store(session, scope, creatives_dir, text.encode(), "txt", name, row)


def remove_creative(session: Session, scope: Scope, creatives_dir: Path, creative_id: int) -> Path | None:
    """Take a creative off the shelf (audit-logged). Returns its uploaded file when no other creative names it, for
    the caller to delete once the change is committed (a failed commit then loses no file); else None."""
    _admin(scope)
    creative = session.get(Creative, creative_id)
    if creative is None:
        raise CreativeError(f"no creative {creative_id}", "catalogue.no_such_creative", creative=creative_id)
    path, details = creative.file_path, {"offer_id": creative.offer_id, "name": creative.name}
    session.delete(creative)
    session.flush()
    others = session.scalar(select(func.count()).where(Creative.file_path == path)) or 0
    audit(session, "creative_removed", user=session.get(User, scope.user_id), username=scope.username,
          target=f"creative {creative_id}", details=details | {"file": path})  # fmt: skip
    root = (creatives_dir / UPLOADS).resolve()
    file = (creatives_dir / path).resolve()
    return file if not others and file.is_relative_to(root) and file.is_file() else None  # never outside the uploads
