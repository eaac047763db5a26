"""Creatives added and removed by admins: image banners uploaded into the data directory's `creatives/uploads/`.

An upload is taken only when Pillow reads it whole as PNG, JPEG, GIF or WebP within the size limits; its pixel size
and type come from the image, not from the file's name or what the browser said. SVG is refused: it can carry script,
and partners open creatives in their browsers. Files are named by their content's SHA-256, so the same file uploaded
twice is stored once; a file is deleted with the last creative that names it. Every addition and removal is
audit-logged.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cabinet.access import Scope, ScopeError
from cabinet.auth import audit
from cabinet.errors import RefusedRequest
from cabinet.i18n import LOCALES
from cabinet.store.models import Creative, Offer, User

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 4000  # pixels: the largest banner sizes are 970x250 and 300x1050; a poster fits too
NAME_MAX = 200
UPLOADS = "uploads"
FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"), "GIF": ("image/gif", "gif"),
           "WEBP": ("image/webp", "webp")}  # fmt: skip


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
                                        side=MAX_SIDE)  # fmt: skip
                img.load()  # decodes the pixels: a truncated or damaged file fails here, not in a partner's browser
    except CreativeError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:  # fmt: skip
        raise CreativeError(f"not a readable image: {exc}", "catalogue.bad_format", file=filename) from exc
    mime, extension = FORMATS[kind]
    return Picture(mime, extension, width, height)


def write_whole(path: Path, content: bytes) -> None:
    """Write a file whole or not at all (a temporary name, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    with temporary.open("wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def add_creative(session: Session, scope: Scope, creatives_dir: Path, new: NewCreative) -> Creative:
    """Store an uploaded banner and its row (audit-logged)."""
    _admin(scope)
    if new.offer_id is not None and session.get(Offer, new.offer_id) is None:
        raise CreativeError(f"no offer {new.offer_id}", "catalogue.no_such_offer", offer=new.offer_id)
    if new.locale is not None and new.locale not in LOCALES:
        raise CreativeError(f"no language {new.locale!r}", "catalogue.bad_locale")
    picture = read_picture(new.content, new.filename)
    name = " ".join((new.name or Path(new.filename).stem).split())[:NAME_MAX] or f"{picture.width}x{picture.height}"
    relative = f"{UPLOADS}/{hashlib.sha256(new.content).hexdigest()[:32]}.{picture.extension}"
    twin = session.scalar(select(Creative.id).where(Creative.file_path == relative,
                                                    Creative.offer_id.is_(None) if new.offer_id is None
                                                    else Creative.offer_id == new.offer_id))  # fmt: skip
    if twin is not None:
        raise CreativeError(f"creative {twin} is this file already", "catalogue.file_twin", file=new.filename,
                            creative=twin)  # fmt: skip
    target = creatives_dir / relative
    if not target.is_file():
        write_whole(target, new.content)
    creative = Creative(offer_id=new.offer_id, name=name, kind="banner", width=picture.width, height=picture.height,
                        locale=new.locale, file_path=relative, mime_type=picture.mime_type,
                        size_bytes=len(new.content))  # fmt: skip
    session.add(creative)
    session.flush()
    audit(session, "creative_added", user=session.get(User, scope.user_id), username=scope.username,
          target=f"creative {creative.id}", details={"offer_id": new.offer_id, "name": name, "file": relative,
                                                     "size": f"{picture.width}x{picture.height}"})  # fmt: skip
    return creative


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
