"""`cabinet restore`: a backup of `cabinet.backup` put back into the data directory of a stopped cabinet.

The backup is checked whole first (its manifest, every file it lists at its size), then copied into a staging
directory beside its place; only then are the current warehouse, SQLite store (with its journal files: SQLite would
roll a stale `cabinet.db-journal` into the restored file), creatives and secrets file moved aside into
`<data dir>/before-restore-<UTC time>/` and the copies renamed in; a warehouse or creatives directory the backup has
none of is moved aside all the same (its figures are of another state). A copy that fails changes nothing.

Modes as the cabinet gives them: the store 0600 (`cabinet init`), the warehouse 0750 with its files 0640 (the ETL's,
so app processes of the service's group read it), the secrets file 0600, the creatives owner-only (as backed up).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cabinet.backup import (
    CREATIVES,
    FORMAT,
    MANIFEST,
    PG_DUMP_FILE,
    SECRETS,
    STORE_FILE,
    WAREHOUSE,
    BackupError,
    private_umask,
    store_kind,
)
from cabinet.config import Settings
from etl.lock import WAREHOUSE_MODE, describe_holder, running_holder

STAGING = ".restore-staging"
JOURNALS = ("-journal", "-wal", "-shm")


@dataclass
class RestoreResult:
    """What a restore put back, where the replaced files went, and what the operator must do."""

    aside: Path
    restored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_manifest(source: Path) -> dict[str, object]:
    """The manifest of the backup in `source`; BackupError naming what is missing when it is not a complete one."""
    path = Path(source) / MANIFEST
    if not Path(source).is_dir():
        raise BackupError(f"{source} is not a directory")
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} is not a complete backup: {MANIFEST} is missing") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a complete backup: {MANIFEST} cannot be read ({exc})") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(f"{path} is not a manifest of this version's backups")
    missing, short = [], []
    for rel, size in manifest["files"].items():
        path = Path(source) / rel
        if not path.is_file():
            missing.append(rel)
        elif path.stat().st_size != size:
            short.append(f"{rel} ({path.stat().st_size} bytes, not {size})")
    if missing or short:
        said = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"changed {', '.join(short)}"] if short else []
        )
        raise BackupError(f"{source} is not a complete backup: {'; '.join(said)}")
    return manifest


def cabinet_running(cfg: Settings) -> str | None:
    """Why the cabinet of `cfg` seems to be running (an ETL run holding its lock; a process with a file of the data
    directory open, the inbox's aside; a process of the cabinet started for it), or None when nothing says so.
    Processes are found through /proc (Linux), those of other users only when this one may read them; this process
    and those that started it (a shell, sudo) are not counted."""
    holder = running_holder(cfg.warehouse_dir, None)
    if holder is not None:
        return f"an ETL run is going on ({describe_holder(holder)})"
    data_dir = str(cfg.data_dir.resolve())
    _, store = store_kind(cfg.store_url)
    watched = [str(store.resolve())] if store else []
    ours = _ancestors()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        if proc.name in ours:
            continue
        if _opened(proc, data_dir, str(cfg.inbox_dir.resolve()), watched) or _started_for(proc, data_dir):
            found.append(f"pid {proc.name} ({_command(proc)})")
    return f"processes use {cfg.data_dir}: {', '.join(found[:5])}" if found else None


def _ancestors() -> set[str]:
    """The pids of this process and the processes that started it."""
    pids, pid = set(), str(os.getpid())
    while pid not in ("0", "") and pid not in pids:
        pids.add(pid)
        try:
            stat = (Path("/proc") / pid / "stat").read_text()
        except OSError:
            break
        pid = stat.rsplit(")", 1)[-1].split()[1]  # the field after the state; the name may hold spaces and ")"
    return pids


def _opened(proc: Path, data_dir: str, inbox: str, watched: list[str]) -> bool:
    try:
        links = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
    except OSError:  # gone, or another user's
        return False
    return any((link.startswith(data_dir + os.sep) and not link.startswith(inbox + os.sep)) or link in watched
               for link in links)  # fmt: skip


def _started_for(proc: Path, data_dir: str) -> bool:
    """A process of the cabinet (its command line names it) whose environment names this data directory: `cabinet
    serve` and its children, which get it as an absolute path (the ETL schedule between runs holds no file open).
    Any other process (a shell) with the variable is not counted."""
    if not any(word in _command(proc) for word in ("cabinet", "asgi.py", "streamlit")):
        return False
    try:
        env = (proc / "environ").read_bytes().split(b"\0")
    except OSError:
        return False
    named = [e.split(b"=", 1)[1] for e in env if e.startswith(b"CABINET_DATA_DIR=")]
    return any(os.path.realpath(os.fsdecode(n)) == data_dir for n in named)


def _command(proc: Path) -> str:
    try:
        return " ".join(os.fsdecode(a) for a in (proc / "cmdline").read_bytes().split(b"\0") if a)[:100] or "?"
    except OSError:
        return "?"


def restore_backup(cfg: Settings, source: Path, now: datetime | None = None) -> RestoreResult:
    """Put the backup in `source` in place of the cabinet's files; the result says where the old ones went.
    BackupError (nothing changed) when the backup is incomplete or does not fit the configured store."""
    source = Path(source).absolute()
    manifest = read_manifest(source)
    kind, store_path = store_kind(cfg.store_url)
    backup_store = manifest.get("store") or {}
    assert isinstance(backup_store, dict)
    if backup_store.get("kind") != kind:
        raise BackupError(f"the backup holds a {backup_store.get('kind')} store, CABINET_STORE_URL names a {kind} one")
    files: dict[str, int] = manifest["files"]  # type: ignore[assignment]
    now = now or datetime.now(UTC)
    data_dir = cfg.data_dir
    result = RestoreResult(_aside_dir(data_dir, now))
    staging = data_dir / STAGING
    moves: list[tuple[Path | None, Path]] = []  # (staged copy, its place); None: the backup had none, only aside
    with private_umask():
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(staging, ignore_errors=True)  # left by a restore that was killed
            staging.mkdir()
            if WAREHOUSE + "/CURRENT" in files:
                shutil.copytree(source / WAREHOUSE, staging / WAREHOUSE)
                _group_readable(staging / WAREHOUSE)
                moves.append((staging / WAREHOUSE, cfg.warehouse_dir))
            else:  # nothing was published when it was taken: figures of another state must not stay
                moves.append((None, cfg.warehouse_dir))
            creatives = staging / CREATIVES if (source / CREATIVES).is_dir() else None
            if creatives is not None:
                shutil.copytree(source / CREATIVES, creatives)
            moves.append((creatives, cfg.creatives_dir))
            if STORE_FILE in files and store_path is not None:
                staged = store_path.with_name(store_path.name + ".restoring")
                shutil.copyfile(source / STORE_FILE, staged)
                os.chmod(staged, 0o600)
                moves.append((staged, store_path))
            if SECRETS in files:
                cfg.secrets_path.parent.mkdir(parents=True, exist_ok=True)
                staged = cfg.secrets_path.with_name(cfg.secrets_path.name + ".restoring")
                shutil.copyfile(source / SECRETS, staged)
                os.chmod(staged, 0o600)
                moves.append((staged, cfg.secrets_path))
        except OSError as exc:
            _drop([staging, *(s for s, _ in moves if s is not None)])
            raise BackupError(
                f"cannot copy the backup in ({exc.filename}): {exc.strerror or exc}; nothing changed"
            ) from exc
        result.aside.mkdir(parents=True)
        try:
            for staged, place in moves:
                _move_aside(place, result.aside)
                if place == store_path:
                    for suffix in JOURNALS:  # SQLite would roll a stale journal into the restored file
                        _move_aside(place.with_name(place.name + suffix), result.aside)
                if staged is not None:
                    os.rename(staged, place)
                    result.restored.append(str(place))
        except OSError as exc:
            raise BackupError(
                f"the restore stopped at {exc.filename}: {exc.strerror or exc}; put back so far: "
                f"{', '.join(result.restored) or 'nothing'}; the replaced files are in {result.aside}"
            ) from exc
        shutil.rmtree(staging, ignore_errors=True)
        if not any(result.aside.iterdir()):  # a fresh data directory: nothing was replaced
            result.aside.rmdir()
    if kind == "postgresql":
        dump = source / PG_DUMP_FILE if backup_store.get("file") else None
        result.notes.append(
            f"the store is PostgreSQL and was not changed: put it back with `pg_restore --clean --if-exists "
            f"--dbname=<the store's database> {dump}`" if dump else
            "the store is PostgreSQL and this backup has no dump of it: restore it from your own pg_dump"
        )  # fmt: skip
    elif kind != "sqlite":
        result.notes.append(f"the store is {kind}: it was not changed, restore it with its own tool")
    if SECRETS not in files:
        result.notes.append("the backup has no secrets file: the current one stays")
    return result


def _aside_dir(data_dir: Path, now: datetime) -> Path:
    base = data_dir / f"before-restore-{now:%Y%m%dT%H%M%SZ}"
    aside, n = base, 1
    while aside.exists():
        n += 1
        aside = base.with_name(f"{base.name}-{n}")
    return aside


def _move_aside(path: Path, aside: Path) -> None:
    """`path` (a file or directory) moved into `aside` when it exists."""
    if path.exists() or path.is_symlink():
        shutil.move(path, aside / path.name)


def _group_readable(warehouse: Path) -> None:
    """The warehouse as the ETL keeps it: directories 0750, files 0640 (app processes of the group read it)."""
    for folder, _, names in os.walk(warehouse):
        os.chmod(folder, WAREHOUSE_MODE)
        for name in names:
            os.chmod(Path(folder) / name, 0o640)


def _drop(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
