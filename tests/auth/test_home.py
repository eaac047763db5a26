"""The home page after login says what data is loaded: the published snapshot, or that nothing is published yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cabinet.config import Settings
from cabinet.passwords import hash_password
from cabinet.program import ensure_program_defaults
from cabinet.store.db import session_scope
from cabinet.store.models import User

PASSWORD = "correct-horse-battery"
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def store(store_engine: Engine) -> Engine:
    with session_scope(store_engine) as s:
        ensure_program_defaults(s, name="Acme Partners")
        s.add(User(username="ann", email="a@example.com", display_name="Ann", role="manager", locale="ru",
                   password_hash=hash_password(PASSWORD)))  # fmt: skip
    return store_engine


def _publish(settings: Settings, data_as_of: str | None) -> None:
    """A `CURRENT` pointer as `etl.publish` writes it."""
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    doc = {"snapshot": "r000003.duckdb", "run_id": 3, "data_as_of": data_as_of, "published_at": "2026-11-02T06:00:00"}
    (settings.warehouse_dir / "CURRENT").write_text(json.dumps(doc))


def _home(store: Engine) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("ann")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_home_says_no_data_is_published_yet_in_the_users_language(store: Engine) -> None:
    at = _home(store)
    assert at.title[0].value == "Acme Partners"
    assert "cabinet etl run" in at.info[0].value and not at.success
    assert at.info[0].value.startswith("Данные ещё не опубликованы"), "a Russian-speaking user gets Russian"


def test_home_names_the_snapshot_and_its_data_time(store: Engine, settings: Settings) -> None:
    _publish(settings, "2026-11-01T23:59:00")
    at = _home(store)
    said = "1 нояб. 2026\u202fг., 23:59 UTC"  # in the login's language, as the date fields and charts write dates
    assert f"Данные на {said} (снимок r000003" in at.success[0].value
    assert f"Данные на {said}" in [c.value for c in at.sidebar.caption]  # the menu's line the same


def test_home_survives_a_snapshot_without_events(store: Engine, settings: Settings) -> None:
    _publish(settings, None)
    at = _home(store)
    assert not at.success  # its publish time is not the data's: the pages and the menu say no events either
    assert "опубликован 2 нояб. 2026\u202fг., 06:00 UTC" in at.info[0].value and "r000003" in at.info[0].value
    menu = [c.value for c in at.sidebar.caption]
    assert "Событий пока не загружено." in menu and not any("06:00" in c for c in menu)


@pytest.mark.parametrize("current", ["named file missing", "damaged"])
def test_a_snapshot_that_cannot_be_read_is_not_said_to_be_unpublished(
    store: Engine, settings: Settings, current: str
) -> None:
    """A `CURRENT` cut short by a full disk or edited by hand, or naming a snapshot deleted by hand: the pages said
    "no data has been published yet" of a warehouse with data, to the operator too."""
    _publish(settings, "2026-11-01T23:59:00")  # names r000003.duckdb, which is not there
    if current == "damaged":
        (settings.warehouse_dir / "CURRENT").write_text('{"snapshot": "r00')
    at = _home(store)
    at.switch_page("pages/01_dashboard.py").run()
    assert not at.exception, at.exception
    said = " ".join(m.value for m in [*at.info, *at.warning])
    assert "не опубликованы" not in said and "не читаются" in said and "cabinet etl status" in said, said
