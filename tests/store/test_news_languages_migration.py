"""Migration 0033 on SQLite and PostgreSQL: a news item posted before has no version in another language (read in its
default one), a new one keeps its Russian version; the downgrade drops the column and keeps the items and the index on
their publishing time."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select, text

from cabinet.store.db import alembic_config, make_engine, migrate, session_scope
from cabinet.store.models import Announcement

RU = {"ru": {"title": "Новость", "body": "Текст."}}


def test_items_posted_before_have_no_other_version_and_the_downgrade_keeps_them(store_url: str) -> None:
    migrate(store_url, "0032")
    eng = make_engine(store_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("insert into announcements (id, title, body, published_at, archived) values "
                              "(1, 'News', 'Text.', '2026-11-01 10:00:00', false)"))  # fmt: skip
        migrate(store_url)
        with session_scope(eng) as s:
            assert s.scalar(select(Announcement.translations)) == {}
            s.add(Announcement(id=2, title="News 2", body="Text 2.", translations=RU))
        with session_scope(eng) as s:
            assert dict(s.execute(select(Announcement.id, Announcement.translations)).tuples().all()) == {1: {}, 2: RU}
        command.downgrade(alembic_config(store_url), "0032")
        with eng.connect() as conn:
            assert "translations" not in {c["name"] for c in inspect(conn).get_columns("announcements")}
            assert conn.execute(text("select id, title from announcements order by id")).all() == [
                (1, "News"), (2, "News 2")]  # fmt: skip
            assert "ix_announcements_published_at" in {i["name"] for i in inspect(conn).get_indexes("announcements")}
    finally:
        eng.dispose()
