"""`cabinet backup`: the store, the published warehouse, the creatives and the secrets file, taken while the cabinet
and its ETL schedule run.

The SQLite store is copied through SQLite's online backup API (a plain copy may catch a write half done); a
PostgreSQL store is dumped with `pg_dump` (custom format) when the program is installed, else the backup says that
the store is not in it. The warehouse is `CURRENT`, read first, and the snapshot (and a split warehouse's history
file) it names: published files are never written again and are kept at least 10 minutes after `CURRENT` moves on,
so the copy is one consistent set even while runs publish; should a named file vanish all the same, `CURRENT` is read
again. The working files (`work.duckdb`, `history.duckdb`) are not a backup while a run goes on and are left out.

Everything is written under umask 077 (files 0600, directories 0700) into a hidden temporary directory beside the
target, with `MANIFEST.json` (every file and its size) written last, and renamed to the target at the end: a backup
killed half-way leaves no directory that looks whole, and `cabinet restore` refuses one without its manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

from cabinet.config import Settings
from etl.publish import fsync_dir
from queries.warehouse import CURRENT_FILE, SNAPSHOT_DIR, CurrentError, read_current

MANIFEST = "MANIFEST.json"
FORMAT = 1
STORE_FILE = "cabinet.db"
PG_DUMP_FILE = "store.pgdump"
WAREHOUSE = "warehouse"
CREATIVES = "creatives"
SECRETS = "secrets.toml"
CURRENT_TRIES = 3  # CURRENT read again when a file it named was deleted before it was copied


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says what and where, in one line."""


@dataclass
class BackupResult:
    """A finished backup: its directory, each part's files and bytes, and what the operator must know."""

    directory: Path
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)  # part -> (files, bytes)
    notes: list[str] = field(default_factory=list)


def store_kind(store_url: str) -> tuple[str, Path | None]:
    """('sqlite', its file), ('postgresql', None) or (another backend's name, None) for a store URL."""
    try:
        url = make_url(store_url)
    except ArgumentError as exc:
        raise BackupError(f"CABINET_STORE_URL is not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise BackupError(f"the store {store_url} is not a SQLite file this command can copy")
        return backend, Path(database).absolute()
    return backend, None


@contextmanager
def private_umask() -> Iterator[None]:
    """Umask 077 for what is made inside (files 0600, directories 0700), the previous one after."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def take_backup(cfg: Settings, target: Path, *, exact: bool, now: datetime | None = None) -> BackupResult:
    """Back the cabinet of `cfg` up into `target` (`exact`) or a new `target/<UTC time>` directory; the result says
    what went in. BackupError when the directory is not empty or any part cannot be copied; nothing is left then."""
    now = now or datetime.now(UTC)
    final = Path(target).absolute() if exact else Path(target).absolute() / f"{now:%Y%m%dT%H%M%SZ}"
    with private_umask():
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            raise BackupError(f"{final} is not an empty directory: give a new or empty one (nothing was written)")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
        except OSError as exc:
            raise BackupError(f"cannot write into {final.parent}: {exc.strerror or exc}") from exc
        try:
            result = BackupResult(final)
            files: dict[str, int] = {}
            store = _backup_store(cfg, work, files, result)
            current = _backup_warehouse(cfg.warehouse_dir, work, files, result)
            _backup_tree(cfg.creatives_dir, work / CREATIVES, CREATIVES, files, result)
            secrets = _backup_secrets(cfg.secrets_path, work, files, result)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "data_dir": str(cfg.data_dir),
                "store": store,
                "current": current,
                "secrets_path": secrets,
                "files": files,
            }
            _write_synced(work / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
            fsync_dir(work)
            os.rename(work, final)  # onto an empty directory too; a non-empty one made meanwhile refuses it
            fsync_dir(final.parent)
        except BaseException as exc:
            shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                raise BackupError(f"the backup failed{where}: {exc.strerror or exc}; nothing was kept") from exc
            raise
    return result


def _backup_store(cfg: Settings, work: Path, files: dict[str, int], result: BackupResult) -> dict[str, object]:
    """The store into `work`: the manifest's `store` entry."""
    kind, path = store_kind(cfg.store_url)
    if kind == "sqlite":
        assert path is not None
        if not path.is_file():
            raise BackupError(f"the store {path} does not exist: run `cabinet init` first, or set CABINET_STORE_URL")
        copy = work / STORE_FILE
        try:
            _sqlite_copy(path, copy)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot copy the store {path}: {exc}") from exc
        _count(files, result, "store", STORE_FILE, copy.stat().st_size)
        return {"kind": kind, "file": STORE_FILE}
    if kind == "postgresql" and (pg_dump := shutil.which("pg_dump")):
        _pg_dump(pg_dump, make_url(cfg.store_url), work / PG_DUMP_FILE)
        _count(files, result, "store", PG_DUMP_FILE, (work / PG_DUMP_FILE).stat().st_size)
        result.notes.append(
            f"the store is PostgreSQL: dumped with pg_dump into {PG_DUMP_FILE} (`pg_restore` puts it back)"
        )
        return {"kind": kind, "file": PG_DUMP_FILE}
    tool = "pg_dump (not installed here)" if kind == "postgresql" else "its own dump tool"
    result.notes.append(
        f"the store is {kind}, NOT in this backup: dump it with {tool} beside this directory; the rest is copied"
    )
    return {"kind": kind, "file": None}


def _sqlite_copy(source: Path, copy: Path) -> None:
    """A consistent copy of a SQLite file being written to, through the online backup API, checked after."""
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)  # in one step, under a read lock: writers wait (busy timeout) rather than restart it
            checked = dst.execute("pragma quick_check").fetchone()
            if not checked or checked[0] != "ok":
                raise sqlite3.DatabaseError(f"the copy fails SQLite's check: {checked}")
        finally:
            dst.close()
    finally:
        src.close()
    with open(copy, "rb") as fh:
        os.fsync(fh.fileno())


def _pg_dump(program: str, url: URL, out: Path) -> None:
    """`pg_dump --format=custom` of the store at `url` into `out`; the password goes by the environment, not the
    command line (where `ps` shows it)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dbname = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(  # the program found on PATH, no shell
        [program, "--format=custom", "--no-password", f"--file={out}", f"--dbname={dbname}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise BackupError(f"pg_dump could not dump the store: {said}")


def _backup_warehouse(
    warehouse_dir: Path, work: Path, files: dict[str, int], result: BackupResult
) -> dict[str, object] | None:
    """`CURRENT` and the files it names into `work/warehouse`: the manifest's `current` entry (None: nothing
    published yet)."""
    source = Path(warehouse_dir)
    copy = work / WAREHOUSE
    for attempt in range(CURRENT_TRIES):
        try:
            raw = (source / CURRENT_FILE).read_bytes()
        except FileNotFoundError:
            result.notes.append(f"no warehouse snapshot published yet in {source}: the warehouse is not in it")
            return None
        (copy / SNAPSHOT_DIR).mkdir(parents=True, exist_ok=True)
        _write_synced(copy / CURRENT_FILE, raw)
        try:
            info = read_current(copy)
        except CurrentError as exc:
            raise BackupError(f"{source / CURRENT_FILE} does not name a snapshot; run `cabinet etl run` first") from exc
        assert info is not None
        names = [info.path.name] + ([info.history.name] if info.history else [])
        try:
            sizes = {name: _copy_file(source / SNAPSHOT_DIR / name, copy / SNAPSHOT_DIR / name) for name in names}
        except FileNotFoundError:  # replaced and deleted meanwhile (a copy slower than the grace period)
            shutil.rmtree(copy)
            if attempt + 1 == CURRENT_TRIES:
                raise BackupError(
                    f"the snapshots {source / CURRENT_FILE} named were deleted before they were copied, "
                    f"{CURRENT_TRIES} times: is the backup's disk that slow?"
                ) from None
            continue
        _count(files, result, "warehouse", f"{WAREHOUSE}/{CURRENT_FILE}", len(raw))
        for name, size in sizes.items():
            _count(files, result, "warehouse", f"{WAREHOUSE}/{SNAPSHOT_DIR}/{name}", size)
        doc = json.loads(raw)
        return {"snapshot": doc.get("snapshot"), "history": doc.get("history"), "run_id": doc.get("run_id"),
                "published_at": doc.get("published_at")}  # fmt: skip
    return None  # not reached: the last attempt returns or raises


def _backup_tree(source: Path, copy: Path, part: str, files: dict[str, int], result: BackupResult) -> None:
    """The regular files under `source` (creatives) into `copy`; a file removed while copying is left out."""
    if not source.is_dir():
        result.notes.append(f"no {part} directory {source}: none in the backup")
        return
    copy.mkdir()
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        rel = here.relative_to(source)
        for name in sorted(dirs):
            (copy / rel / name).mkdir()
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file() or name.endswith(".part"):  # `.x.part`: an upload being written
                continue
            try:
                size = _copy_file(path, copy / rel / name)
            except FileNotFoundError:  # deleted on the Creatives page meanwhile
                continue
            _count(files, result, part, (Path(part) / rel / name).as_posix(), size)
    result.parts.setdefault(part, (0, 0))


def _backup_secrets(path: Path, work: Path, files: dict[str, int], result: BackupResult) -> str | None:
    """The secrets file into `work`: its original path for the manifest (None: there is none)."""
    if not path.is_file():
        result.notes.append(
            f"no secrets file at {path} (keys from the environment?): keep CABINET_COOKIE_KEY and "
            "CABINET_LINK_SIGNING_KEY elsewhere, without them no tracking link or two-step login works"
        )
        return None
    _count(files, result, "secrets", SECRETS, _copy_file(path, work / SECRETS))
    return str(Path(path).absolute())


def _copy_file(source: Path, copy: Path) -> int:
    """Copy `source` (contents and times, not its mode) to `copy`, 0600, synced; the bytes copied."""
    with open(source, "rb") as fin:
        stat = os.fstat(fin.fileno())
        with open(copy, "xb") as fout:
            shutil.copyfileobj(fin, fout, length=16 * 1024 * 1024)
            fout.flush()
            os.fsync(fout.fileno())
    os.chmod(copy, 0o600)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    size = copy.stat().st_size
    if size != stat.st_size:
        raise BackupError(f"{source} changed while it was copied ({stat.st_size} bytes, {size} copied)")
    return size


def _count(files: dict[str, int], result: BackupResult, part: str, rel: str, size: int) -> None:
    files[rel] = size
    n, total = result.parts.get(part, (0, 0))
    result.parts[part] = (n + 1, total + size)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
