"""Shared fixtures: an isolated data directory, settings and a migrated store per test."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine
from streamlit.components.v2 import manifest_scanner

from cabinet import passwords
from cabinet.config import Settings
from cabinet.store.db import make_engine, migrate

# A test writes its inbox files and runs the ETL right away: no wait for files still landing (the test of that wait
# sets it itself). Set here, so subprocesses started by tests inherit it too.
os.environ["CABINET_ETL_SETTLE_S"] = "0"

pytest_plugins = ["tests.pg_fixtures"]

# The logins tests make and check hash at bcrypt's lowest cost: at the production cost bcrypt took ~150 of tests/auth's
# ~200 s. The cost itself is tested at its production value (tests/auth/test_password_cost.py). Subprocesses a test
# starts (the CLI, a served cabinet) hash at the production cost.
PRODUCTION_COST = passwords.COST
passwords.COST = 4

# The suite gates every submission, so each property test draws the same examples on every machine (a seed per test);
# searching wider is done by hand, with more examples and random seeds.
hypothesis_settings.register_profile("cabinet", derandomize=True, database=None)
hypothesis_settings.load_profile("cabinet")

# Each AppTest's first run scans the metadata of every installed distribution for Streamlit components: ~0.6 s, two
# thirds of a page test's time. The installed packages do not change while the suite runs: scanned once a process.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

TEST_COOKIE_KEY = "test-cookie-key-0123456789abcdef0123456789abcdef"
TEST_LINK_KEY = "test-link-key-0123456789abcdef0123456789abcdef"


def install_env(root: Path) -> dict[str, str]:
    """The environment of an isolated install under `root` (its data directory `root/data` is created)."""
    data_dir = root / "data"
    data_dir.mkdir()
    return {
        "CABINET_DATA_DIR": str(data_dir),
        "CABINET_STORE_URL": f"sqlite:///{data_dir / 'cabinet.db'}",
        "CABINET_SECRETS_FILE": str(root / "secrets.toml"),
        "CABINET_COOKIE_KEY": TEST_COOKIE_KEY,
        "CABINET_LINK_SIGNING_KEY": TEST_LINK_KEY,
    }


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for an isolated install under tmp_path; also exported to the environment for subprocesses."""
    env = install_env(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings.from_env(env=env)


@pytest.fixture(scope="session")
def migrated_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated to head once per test process; `store_engine` copies it (Alembic takes ~0.3 s)."""
    path = tmp_path_factory.mktemp("migrated_store") / "cabinet.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def store_engine(settings: Settings, migrated_store_file: Path) -> Iterator[Engine]:
    """A migrated SQLite store for one test (a copy of the one migrated at the start)."""
    shutil.copyfile(migrated_store_file, settings.data_dir / "cabinet.db")
    engine = make_engine(settings.store_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches leak between AppTests; clear them around every test."""
    yield
    try:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
    except Exception:  # noqa: S110 - streamlit not importable or no runtime: nothing cached
        pass


@pytest.fixture(autouse=True)
def _cli_console_width() -> Iterator[None]:
    """The CLI consoles follow COLUMNS in every test. `cabinet.cli.main()` fixes their width for its process (160
    when not a terminal), and a console created under pytest-xdist fixes it at the worker's COLUMNS=80; either would
    make a later CliRunner's output (env COLUMNS) wrap differently than when the test runs alone."""
    from cabinet.cli._app import console, err_console

    consoles = (console, err_console)
    widths = [out._width for out in consoles]
    for out in consoles:
        out._width = None
    yield
    for out, width in zip(consoles, widths, strict=True):
        out._width = width
