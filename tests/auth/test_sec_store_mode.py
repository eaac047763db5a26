"""The SQLite store holds every login's password hash, the partners' IBANs and wallets, and the audit log with the
addresses logins came from: `cabinet init` leaves it readable by its owner alone (it was 0644 under the usual umask,
readable by every user of the machine), also a store made before by an earlier version."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cabinet.config import Settings
from tests.auth.test_auth import _cli


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _store(settings: Settings) -> Path:
    return Path(settings.store_url.removeprefix("sqlite:///"))


@pytest.mark.usefixtures("loose_umask")
def test_init_makes_the_store_the_owners_alone(settings: Settings) -> None:
    done = _cli(["init", "--admin-user", "root"], {"CABINET_ADMIN_PASSWORD": "a-long-admin-password-1"})
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(_store(settings).stat().st_mode) == 0o600


@pytest.mark.usefixtures("loose_umask")
def test_init_again_closes_a_store_made_readable_before(settings: Settings) -> None:
    assert _cli(["init"]).returncode == 0
    _store(settings).chmod(0o644)
    assert _cli(["init"]).returncode == 0
    assert stat.S_IMODE(_store(settings).stat().st_mode) == 0o600
