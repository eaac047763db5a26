"""`cabinet keys rotate`: a new link signing key; tracking links and two-step secrets made with the old one keep
working, a token no key of the ring signed does not, and invitations and reset links made before stop."""

from __future__ import annotations

import contextlib
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import Engine, select

from cabinet.cli import keys as keys_cli
from cabinet.config import ConfigError, Settings
from cabinet.invites import InviteError, invite_token, inviting_partner
from cabinet.links import sign_link
from cabinet.store.db import session_scope
from cabinet.store.models import AuditLog, TrackingLink, User
from cabinet.twofactor import seal, unseal
from etl.runner import run_etl
from tests.auth.test_auth import _cli
from tests.conftest import TEST_COOKIE_KEY, TEST_LINK_KEY
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _secrets_file(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The install's keys in its secrets file, as `cabinet init` writes them, not in the environment."""
    settings.secrets_path.write_text(
        "# Written by `cabinet init`. Never commit this file.\n[cabinet]\n"
        f'cookie_key = "{TEST_COOKIE_KEY}"\nlink_signing_key = "{TEST_LINK_KEY}"\ndemo_mode = true\n'
    )
    monkeypatch.delenv("CABINET_LINK_SIGNING_KEY")


def _link(engine: Engine, tiny: Tiny, key: bytes) -> str:
    with session_scope(engine) as s:
        link = TrackingLink(partner_id=tiny.child, offer_id=tiny.other_offer, landing_url="https://y.example")
        s.add(link)
        s.flush()
        link.token = sign_link(link.id, key)
        return link.token


def test_old_links_keep_counting_new_ones_use_the_new_key_and_a_stranger_key_does_not(
    tiny: Tiny, store_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _secrets_file(tiny.settings, monkeypatch)
    old = TEST_LINK_KEY.encode()
    with session_scope(store_engine) as s:
        s.add(User(username="root", email="r@example.com", display_name="Root", role="admin", password_hash="x",
                   totp_secret=seal(SECRET, old)))  # fmt: skip
    invitation = invite_token(tiny.parent, old, datetime.now(UTC))

    done = _cli(["keys", "rotate"])
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())  # the console wraps long lines
    assert "1 replaced key(s) kept" in said and "two-step secrets sealed again: 1" in said
    after = Settings.from_env()
    new = after.require_link_key()
    assert new != old and after.previous_link_keys == (TEST_LINK_KEY,)
    text = tiny.settings.secrets_path.read_text()
    assert text.startswith("# Written by `cabinet init`") and "demo_mode = true" in text and TEST_COOKIE_KEY in text
    assert stat.S_IMODE(tiny.settings.secrets_path.stat().st_mode) == 0o600

    with session_scope(store_engine) as s:
        stored = s.scalar(select(User.totp_secret).where(User.username == "root")) or ""
        assert unseal(stored, new) == SECRET  # sealed with the new key: the old one no longer reads it
        with pytest.raises(InvalidToken):
            unseal(stored, old)
        assert s.scalars(select(AuditLog.action)).all()[-1] == "link_key_rotated"
        with pytest.raises(InviteError):  # what a leaked key could forge stops working
            inviting_partner(s, invitation, new)

    made_after = _link(store_engine, tiny, new)
    stranger = _link(store_engine, tiny, b"a-key-this-install-never-had-0123456789")
    tiny.write(
        "clicks",
        "rotated.csv",
        CLICK_HEADER
        + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,,,198.51.100.7,\n"  # made before the rotation
        + f"k2,2026-11-01T10:05:00Z,{made_after},,,,,,198.51.100.8,\n"
        + f"k3,2026-11-01T10:10:00Z,{stranger},,,,,,198.51.100.9,\n",
    )
    run_etl(after, grace_s=0)
    assert tiny.rows("select click_id, partner_id from clicks order by 1") == [("k1", tiny.parent), ("k2", tiny.child)]
    assert tiny.rows("select row_number, reason from quarantine") == [(3, "unknown_link_token")]
    conserved(tiny)

    # a second rotation keeps both replaced keys, newest first: the first links still count
    assert _cli(["keys", "rotate"]).returncode == 0
    again = Settings.from_env()
    assert again.previous_link_keys == (new.decode(), TEST_LINK_KEY)
    tiny.write("clicks", "twice.csv", CLICK_HEADER + f"k4,2026-11-01T11:00:00Z,{tiny.token},,,,,,198.51.100.7,\n")
    run_etl(again, grace_s=0)
    assert tiny.rows("select count(*) from clicks where click_id = 'k4'") == [(1,)]


def test_a_key_from_the_environment_is_not_rotated_in_a_file(tiny: Tiny) -> None:
    refused = _cli(["keys", "rotate"])  # the test install's key comes from CABINET_LINK_SIGNING_KEY
    assert refused.returncode == 1 and "CABINET_PREVIOUS_LINK_KEYS" in refused.stderr
    assert not tiny.settings.secrets_path.exists()


def test_previous_keys_must_be_a_list_of_real_keys(settings: Settings) -> None:
    settings.secrets_path.write_text('[cabinet]\nprevious_link_keys = "one-key"\n')
    with pytest.raises(ConfigError, match="must be a list of strings"):
        Settings.from_env()
    settings.secrets_path.write_text('[cabinet]\nprevious_link_keys = ["short"]\n')
    with pytest.raises(ConfigError, match=r"previous_link_keys in .* shorter than 32 bytes"):
        Settings.from_env().link_keys()


def test_two_rotations_at_once_run_one_after_the_other(
    store_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two `cabinet keys rotate` at once each wrote a key and resealed with theirs: the store ended sealed with a key
    the file did not hold, and the first new key was lost from `previous_link_keys`."""
    _secrets_file(settings, monkeypatch)
    with session_scope(store_engine) as s:
        s.add(User(username="root", email="r@example.com", display_name="Root", role="admin", password_hash="x",
                   totp_secret=seal(SECRET, TEST_LINK_KEY.encode())))  # fmt: skip
    both_writing = threading.Barrier(2, timeout=2)
    write = keys_cli.update_secrets

    def meet_then_write(path: Path, values: dict[str, object]) -> None:
        # unlocked, both rotations get here having read the same key; locked, the second waits for the first to end
        with contextlib.suppress(threading.BrokenBarrierError):
            both_writing.wait()
        write(path, values)

    monkeypatch.setattr(keys_cli, "update_secrets", meet_then_write)
    failures: list[BaseException] = []

    def rotate() -> None:
        try:
            keys_cli.rotate_link_key(settings, store_engine)  # both with the settings read before either started
        except BaseException as exc:  # said by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=rotate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    after = Settings.from_env()
    assert len(after.previous_link_keys) == 2 and after.previous_link_keys[1] == TEST_LINK_KEY  # both rotations kept
    with session_scope(store_engine) as s:
        stored = s.scalar(select(User.totp_secret).where(User.username == "root")) or ""
    assert unseal(stored, after.require_link_key()) == SECRET  # sealed with the key the file holds
    assert not [p.name for p in settings.secrets_path.parent.iterdir() if p.name.startswith(".")]  # no lock, no temp
