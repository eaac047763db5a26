"""The secrets file (`.streamlit/secrets.toml`): its `[cabinet]` values changed in place, everything else kept.

`cabinet init` fills in keys that are missing or placeholders, and `cabinet keys rotate` replaces the link signing
key. Both go through `update_secrets`: the file is parsed with tomlkit (comments, other values and tables stay as
they were), written beside its real path (a symlinked file is written where the link points), fsynced and renamed
over it, with mode 0600. A file that cannot be written raises `SecretsWriteError` naming it, and leaves nothing
behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError

from cabinet.config import ConfigError

HEADER = "Written by `cabinet init`. Never commit this file."


class SecretsWriteError(ConfigError):
    """The secrets file could not be written; the message says which file and why."""


def update_secrets(path: Path, values: dict[str, object]) -> None:
    """Set `values` in the `[cabinet]` table of the secrets file at `path` (created with a header comment if
    missing); every other line stays."""
    target = path.resolve()
    try:
        text = target.read_text(encoding="utf-8") if target.is_file() else ""
        doc = tomlkit.parse(text) if text else tomlkit.document()
    except (OSError, TOMLKitError) as exc:
        raise SecretsWriteError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    if not text:
        doc.add(tomlkit.comment(HEADER))
    section = doc.get("cabinet")
    if section is None:
        section = tomlkit.table()
        doc["cabinet"] = section
    for key, value in values.items():
        if isinstance(value, list):
            listed = tomlkit.array()
            listed.extend(value)
            listed.multiline(len(value) > 0)
            value = listed
        section[key] = value
    tmp = target.with_name(f".{target.name}.writing")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tomlkit.dumps(doc))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SecretsWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
