"""Passwords are hashed at bcrypt's cost 12 (the suite hashes at cost 4: tests/conftest.py)."""

from __future__ import annotations

import bcrypt
import pytest

from cabinet import passwords
from tests.conftest import PRODUCTION_COST


def test_passwords_are_hashed_at_cost_12_and_a_login_with_no_password_costs_as_much(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert PRODUCTION_COST == 12
    monkeypatch.setattr(passwords, "COST", PRODUCTION_COST)
    hashed = passwords.hash_password("a long enough password")
    assert hashed.startswith("$2b$12$")
    assert passwords.check_password("a long enough password", hashed)
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, against: bytes) -> bool:
        checked.append(against)
        return real(password, against)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    assert not passwords.check_password("a guess", passwords.UNUSABLE_HASH)
    assert checked[-1].startswith(b"$2b$12$")  # the stand-in check works as hard as a real one
