"""A store on PostgreSQL gets its driver from the install: `make install` / `make run` with CABINET_STORE_URL naming
PostgreSQL install the package's `postgresql` extra, and a command run without it says what to install. psycopg was
only among the test tools: an operator following the production notes after `make run` got "its driver is not
installed (No module named 'psycopg')" and nothing saying where it comes from."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy.exc import ArgumentError

from cabinet.store.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql+psycopg://cabinet:s3cret@db.example/cabinet"


def test_the_package_has_a_postgresql_extra_with_its_driver() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("psycopg") for dep in extras["postgresql"])


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_adds_the_driver_when_the_store_is_postgresql() -> None:
    def planned(*args: str) -> str:
        done = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), "install", *args], capture_output=True,
                              text=True, check=True)  # fmt: skip
        return done.stdout

    assert "'.[postgresql]'" in planned(f"CABINET_STORE_URL={PG_URL}")
    assert "'.[postgresql]'" in subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), "run"], capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "CABINET_STORE_URL": PG_URL},
    ).stdout  # fmt: skip
    assert "postgresql" not in planned()  # the default SQLite store needs nothing more
    assert "postgresql" not in planned("CABINET_STORE_URL=sqlite:////srv/cabinet/cabinet.db")


def test_a_missing_driver_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # an install without the extra
    with pytest.raises(ArgumentError) as caught:
        make_engine(PG_URL)
    said = str(caught.value)
    assert "its driver is not installed" in said and "-e '.[postgresql]'" in said and "s3cret" not in said
    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    with pytest.raises(ArgumentError) as other:
        make_engine("mysql://u@127.0.0.1/cabinet")
    assert "postgresql" not in str(other.value)  # the hint is PostgreSQL's only
