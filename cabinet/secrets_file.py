"""The secrets file (`.streamlit/secrets.toml`): its `[cabinet]` values changed in place, everything else kept.

`cabinet init` fills in keys that are missing or placeholders, and `cabinet keys rotate` replaces the link signing
key. Both go through `update_secrets`: the file is parsed with tomlkit (comments, other values and tables stay as
they were), written beside its real path (a symlinked file is written where the link points), fsynced and renamed
over it, with mode 0600. A file that cannot be written raises `SecretsWriteError` naming it, and leaves nothing
behind. Each write has a temporary file of its own, so two at once leave one whole file or the other.

A read-decide-write (`cabinet keys rotate` reseals the store with the key it wrote) holds `secrets_lock` around all of
it and reads the file again inside: without it two rotations each wrote a key and resealed with theirs, and the store
ended sealed with a key the file no longer held."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from cabinet.config import ConfigError

HEADER = "Written by `cabinet init`. Never commit this file."


class SecretsWriteError(ConfigError):
    """The secrets file could not be written; the message says which file and why."""


@contextlib.contextmanager
def secrets_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the secrets file at `path` (its real path: two links to one file share it) until
    the block ends; another holder waits. The lock file beside it, `.<name>.lock`, is removed on release."""
    target = path.resolve()
    lock = target.with_name(f".{target.name}.lock")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                # the holder before may have removed the file after this process opened it: lock the one there
                if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                    break
            except FileNotFoundError:
                pass
            except OSError:
                os.close(fd)
                raise
            os.close(fd)
    except OSError as exc:
        raise SecretsWriteError(f"cannot lock {path}: {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


def update_secrets(path: Path, values: dict[str, object]) -> None:
    """Set `values` in the `[cabinet]` table of the secrets file at `path` (created with a header comment if
    missing); every other line stays."""
    import tomlkit  # here: `cabinet` starts without it, and only a command writing the file uses it
    from tomlkit.exceptions import TOMLKitError

    target = path.resolve()
    try:
        text = target.read_text(encoding="utf-8") if target.is_file() else ""
        doc = tomlkit.parse(text) if text else tomlkit.document()
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        raise SecretsWriteError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    if not text:
        doc.add(tomlkit.comment(HEADER))
    section = doc.get("cabinet")
    if section is None:
        section = tomlkit.table()
        doc["cabinet"] = section
    elif not isinstance(section, MutableMapping):
        raise SecretsWriteError(f"cannot write {path}: `cabinet` in it must be a table ([cabinet]), not a value")
    for key, value in values.items():
        if isinstance(value, list):
            listed = tomlkit.array()
            listed.extend(value)
            listed.multiline(len(value) > 0)
            value = listed
        section[key] = value
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".writing", dir=target.parent)  # mode 0600
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tomlkit.dumps(doc))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise SecretsWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
