"""Saved views' ids on SQLite and PostgreSQL: a deleted view's id is never given to another view (a tab still showing
the deleted one would act on that one), and migration 0028 keeps the views that are there."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SAWarning

from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import SavedView, User


def _save(engine: Engine, user_id: int, name: str) -> int:
    with session_scope(engine) as s:
        view = SavedView(user_id=user_id, page="reports", name=name, params={})
        s.add(view)
        s.flush()
        return view.id


def _delete(engine: Engine, view_id: int) -> None:
    with session_scope(engine) as s:
        s.delete(s.get(SavedView, view_id))


def test_a_deleted_views_id_is_not_given_again_and_the_migration_keeps_the_views(store_url: str) -> None:
    migrate(store_url)
    engine = make_engine(store_url)
    try:
        with session_scope(engine) as s:
            user = User(username="u", email="u@example.com", display_name="U", password_hash="x", role="admin")
            s.add(user)
            s.flush()
            user_id = user.id
        first, second = _save(engine, user_id, "first"), _save(engine, user_id, "second")
        command.downgrade(alembic_config(store_url), "0027")
        migrate(store_url)
        with session_scope(engine) as s:
            assert [(v.id, v.name) for v in s.scalars(select(SavedView).order_by(SavedView.id))] == [
                (first, "first"), (second, "second")
            ]  # fmt: skip
        _delete(engine, second)  # the newest: SQLite without AUTOINCREMENT gave its id to the next one
        third = _save(engine, user_id, "third")
        assert third > second
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                sql = conn.execute(text("select sql from sqlite_master where name = 'saved_views'")).scalar_one()
            assert "AUTOINCREMENT" in sql
    finally:
        engine.dispose()


def test_a_new_sqlite_store_is_made_without_warnings(tmp_path: Path) -> None:
    """`cabinet init` / `make run` printed SQLAlchemy's 'Skipped unsupported reflection of expression-based index
    uq_users_username_lower' on every new store: migration 0028 read the users table it does not change."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        migrate(f"sqlite:///{tmp_path / 'store.db'}")
