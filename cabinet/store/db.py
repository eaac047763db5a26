"""Store engine, sessions and migrations (Alembic) for any SQLAlchemy URL; SQLite under data/ by default."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text, update
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from cabinet.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
M = TypeVar("M", bound=DeclarativeBase)
PG_DRIVER_HINT = (
    "; install it in the cabinet's virtualenv: `.venv/bin/pip install -c constraints.txt -e '.[postgresql]'` "
    "(`make install` and `make run` do when CABINET_STORE_URL names PostgreSQL)"
)


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)


def _postgresql(url: str) -> bool:
    """True for a PostgreSQL URL (`postgresql://`, `postgresql+psycopg://`, ...), whose driver is the `postgresql`
    extra of this package (the Makefile installs it when CABINET_STORE_URL names PostgreSQL)."""
    return url.split(":", 1)[0].split("+", 1)[0] == "postgresql"


def make_engine(url: str) -> Engine:
    """An engine for the store; SQLite gets foreign keys on and its parent directory created."""
    _ensure_sqlite_dir(url)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except ValueError as exc:  # e.g. a port that is not a number
        raise ArgumentError(_without_password(str(exc), url)) from exc
    except ImportError as exc:  # a database whose driver this install lacks (mysql://, postgresql without psycopg)
        hint = PG_DRIVER_HINT if _postgresql(url) else ""
        raise ArgumentError(_without_password(f"its driver is not installed ({exc}){hint}", url)) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.name == "postgresql":
        _compare_ids_uncast(engine)
    return engine


def _compare_ids_uncast(engine: Engine) -> None:
    """Integers are sent to PostgreSQL without the `::INTEGER` cast SQLAlchemy's psycopg dialect adds to them.

    The store's keys are 32-bit there (64-bit on SQLite): with the cast, a typed id past 2,147,483,647 ("Parent
    partner id" 99999999999, `users add --partner ...`) failed its query with "integer out of range" where SQLite
    said there is no such partner. Without it psycopg sends the value as int8 or numeric, PostgreSQL compares it with
    the column (an index still serves it) and finds no row; writing such a value still fails, as it must."""
    colspecs = dict(engine.dialect.colspecs)
    colspecs[sqltypes.Integer] = sqltypes.Integer
    colspecs[sqltypes.SmallInteger] = sqltypes.SmallInteger
    engine.dialect.colspecs = colspecs  # type: ignore[misc]


def _without_password(text: str, url: str) -> str:
    """`text` with the URL's password (`scheme://user:PASSWORD@host`) masked: messages go to logs and terminals."""
    password = re.search(r"://[^/@:]*:([^/@]+)@", url)
    return text.replace(password[1], "***") if password else text


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()
    dbapi_conn.create_function(SQLITE_FOLD, 1, _fold, deterministic=True)


SQLITE_FOLD = "cabinet_lower"  # queries only (`folded`): never in an index or a view, which other tools must read


def _fold(value: Any) -> Any:
    """SQLite's `cabinet_lower(x)`: a text in lower case as Python (and PostgreSQL's lower()) folds it, every letter;
    anything else (NULL, a number) as it is."""
    return value.lower() if isinstance(value, str) else value


class folded(FunctionElement[str]):
    """A text in lower case, every letter folded: PostgreSQL's lower() (its database's locale's letters: all of
    Unicode under a UTF-8 one), and on SQLite the function `_sqlite_pragmas` adds, as its own lower() and LIKE fold
    only ASCII ("ИВАН@ПРИМЕР.РФ" was not "иван@пример.рф"). For lookups in any case; the unique index on
    lower(username) stays SQLite's own (usernames are ASCII: `cabinet.invites.USERNAME`)."""

    type = sqltypes.String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _folded(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_on_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FOLD}({compiler.process(element.clauses, **kw)})"


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at the project's migrations and the given store URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent); an unusable URL is an ArgumentError, as in `open_store`; a store
    a newer version migrated is `StoreUnavailable` (Alembic's "Can't locate revision" was a traceback)."""
    engine = make_engine(url)  # Alembic would raise the URL's ValueError or ImportError as a traceback
    try:
        if is_initialised(engine):
            current, head = schema_revisions(engine)
            if current is not None and not _code_knows(current):
                raise StoreUnavailable(_newer_store(current, head))
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), revision)


def is_initialised(engine: Engine) -> bool:
    """True when the store has its tables (migrations applied)."""
    return inspect(engine).has_table("users")


def error_line(exc: BaseException) -> str:
    """An error as one line of a log: a store error as its driver's first line ("connection failed: ... Connection
    refused"), without SQLAlchemy's SQL, bound values and link, nor psycopg's hint on a line of its own."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class StoreUnavailable(RuntimeError):
    """The store cannot be read: its file is missing, it is not initialised, or its server refuses. One line."""


def open_store(url: str) -> Engine:
    """An engine for an initialised store, or `StoreUnavailable` saying why not.

    A SQLite path that names no file is refused instead of opened: opening would create an empty store (and its
    directories) where a mistyped path points, or where a deleted store was."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///").split("?")[0]
        if path != ":memory:" and not Path(path).is_file():
            raise StoreUnavailable(
                f"the store is not initialised: run `cabinet init` first ({path} does not exist; "
                "or check CABINET_STORE_URL)"
            )
    try:
        engine = make_engine(url)
    except ArgumentError as exc:  # not a URL, or a database SQLAlchemy has no driver for
        raise StoreUnavailable(f"CABINET_STORE_URL is not a store URL this install can open: {exc}") from exc
    try:
        initialised = is_initialised(engine)
    except SQLAlchemyError as exc:  # e.g. the server is down or refuses the login
        engine.dispose()
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreUnavailable(f"cannot open the store (CABINET_STORE_URL): {first}") from exc
    if not initialised:
        engine.dispose()
        raise StoreUnavailable("the store is not initialised: run `cabinet init` first (or check CABINET_STORE_URL)")
    current, head = schema_revisions(engine)
    if current != head:  # code newer than the store: its queries would name columns the store does not have yet
        engine.dispose()
        if current is not None and not _code_knows(current):  # or older: the code was rolled back after an upgrade
            raise StoreUnavailable(_newer_store(current, head))
        raise StoreUnavailable(
            f"the store's schema is at revision {current}, this version of the cabinet needs {head}: "
            "run `cabinet init` to apply the migrations (it keeps every row)"
        )
    return engine


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the store's migration revision, the newest this code ships)."""
    from alembic.runtime.migration import MigrationContext

    quiet = logging.getLogger("alembic.runtime.migration")  # its INFO lines would repeat on every scheduled run
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        quiet.setLevel(level)
    return current, _code_head()


@cache
def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


@cache
def _code_head() -> str | None:
    """The newest migration this code ships (read once per process: the scheduler checks the store every run)."""
    return _scripts().get_current_head()


def _code_knows(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations (not one a newer version added)."""
    from alembic.util import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:  # alembic's ResolutionError is one
        return False


def _newer_store(current: str, head: str | None) -> str:
    return (
        f"the store's schema is at revision {current}, which this version of the cabinet does not know (its newest is "
        f"{head}): a newer version migrated it. Run that version, or restore the store's backup from before the "
        "upgrade (migrations are not undone)"
    )


def hold_job_lock(session: Session) -> None:
    """Hold the store's lock for jobs that must run once, until `session` ends: a no-op UPDATE of the program's
    settings row (a row lock on PostgreSQL, the write lock on SQLite). A second process running the same job at
    the same moment (two `cabinet serve` beside one store) waits here, then finds what the first one wrote."""
    session.execute(text("update program_settings set id = id"))


def locked_row(session: Session, model: type[M], key: object) -> M | None:
    """The row `key` of `model` as committed now, held until `session` ends (None: there is none): a no-op UPDATE of
    its key first, a row lock on PostgreSQL and the write lock on SQLite. A form's save checks what it was drawn with
    against this row: two admins saving at the same instant then meet here, the second one reading what the first
    wrote, where both would otherwise read the row before either wrote and the later save overwrite the earlier."""
    (column,) = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    session.execute(update(model).where(column == key).values({column.name: column}))
    return session.get(model, key, populate_existing=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
