"""The program's logo (admins): uploaded in Program settings and shown at the top of the sidebar on every page.

An upload is taken only when Pillow reads it whole as PNG, JPEG, GIF or WebP (`cabinet.creatives_admin.read_picture`;
SVG is refused, as it can carry script) within 1 MB and 2,000 pixels a side, and stored as every page can draw it (a
16-bit greyscale PNG as an 8-bit one: `cabinet.creatives_admin.drawable`). The file is named by its content's
SHA-256 under the data directory's `branding/`; replacing or removing the logo leaves the old file for the caller to
delete once the change is committed. Each change is audit-logged as a change of the program.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from cabinet.access import Scope, acting_admin
from cabinet.auth import audit
from cabinet.creatives_admin import CreativeError, stored_picture, write_whole
from cabinet.errors import Number
from cabinet.store.models import ProgramSettings

MAX_BYTES = 1024 * 1024
MAX_SIDE = 2000
FOLDER = "branding"


def _settings(session: Session) -> ProgramSettings:
    row = session.get(ProgramSettings, 1)
    if row is None:
        raise CreativeError("the store has no program settings: run `cabinet init`", "program.missing")
    return row


def _old_file(data_dir: Path, old: str | None, new: str | None) -> Path | None:
    """The previous logo's file, when it was an upload here and no longer in use."""
    if not old or old == new:
        return None
    root = (data_dir / FOLDER).resolve()
    path = (data_dir / old).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def set_logo(session: Session, scope: Scope, data_dir: Path, filename: str, content: bytes) -> Path | None:
    """Store an uploaded logo and make it the program's; the previous logo's file, for the caller to delete after the
    commit (None: nothing to delete)."""
    admin = acting_admin(session, scope, "program.admin_only")
    if len(content) > MAX_BYTES:
        raise CreativeError("the logo is too large", "catalogue.file_too_large", file=filename, mb=1)
    content, picture = stored_picture(content, filename)
    if picture.width > MAX_SIDE or picture.height > MAX_SIDE:
        raise CreativeError("the logo is too large", "catalogue.too_big", file=filename, side=Number(MAX_SIDE))
    relative = f"{FOLDER}/logo-{hashlib.sha256(content).hexdigest()[:24]}.{picture.extension}"
    if not (data_dir / relative).is_file():
        write_whole(data_dir / relative, content)
    row = _settings(session)
    old, row.logo_path = row.logo_path, relative
    audit(session, "program_changed", user=admin, target="program", details={"logo": [old, relative]})
    session.flush()
    return _old_file(data_dir, old, relative)


def remove_logo(session: Session, scope: Scope, data_dir: Path) -> Path | None:
    """The program goes back to its name alone; the logo's file, for the caller to delete after the commit."""
    admin = acting_admin(session, scope, "program.admin_only")
    row = _settings(session)
    old, row.logo_path = row.logo_path, None
    if old is not None:
        audit(session, "program_changed", user=admin, target="program", details={"logo": [old, None]})
    session.flush()
    return _old_file(data_dir, old, None)
