"""The secrets file as `cabinet init` and `cabinet keys rotate` write it: two writers at once each leave a whole
file, and a file the cabinet cannot use is said in one line naming it."""

from __future__ import annotations

import os
import threading
import tomllib
from pathlib import Path
from unittest.mock import patch

import pytest

from cabinet.config import ConfigError, Settings
from cabinet.secrets_file import SecretsWriteError, secrets_lock, update_secrets

KEY_A = "a" * 40
KEY_B = "b" * 40


def test_two_writes_at_once_both_leave_a_whole_file(tmp_path: Path) -> None:
    """Both writers once used the same temporary name: the second truncated the first's file and then found it
    renamed away ("cannot write ...: No such file or directory")."""
    path = tmp_path / "secrets.toml"
    path.write_text("# mine\n[cabinet]\ndemo_mode = true\n")
    both_written = threading.Barrier(2, timeout=10)
    fsync = os.fsync

    def meet(fd: int) -> None:  # each writer has written its temporary file; neither has renamed it yet
        fsync(fd)
        both_written.wait()

    failures: list[BaseException] = []

    def write(key: str) -> None:
        try:
            update_secrets(path, {"link_signing_key": key})
        except BaseException as exc:  # said by the assertion below
            failures.append(exc)

    with patch.object(os, "fsync", meet):
        threads = [threading.Thread(target=write, args=(key,)) for key in (KEY_A, KEY_B)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    text = path.read_text()
    assert text.startswith("# mine") and tomllib.loads(text)["cabinet"]["link_signing_key"] in {KEY_A, KEY_B}
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.toml"]  # no temporary file left


def test_the_lock_is_held_until_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait(10)
        with secrets_lock(path):
            order.append("second")

    other = threading.Thread(target=second)
    other.start()
    with secrets_lock(path):
        inside.set()
        other.join(0.5)  # the other one is waiting for the lock, not done
        order.append("first")
    other.join()
    assert order == ["first", "second"] and list(tmp_path.iterdir()) == []  # the lock file went with the lock


def test_a_secrets_file_that_is_not_utf8_is_named_not_a_traceback(settings: Settings) -> None:
    settings.secrets_path.write_bytes(b'[cabinet]\ncookie_key = "caf\xe9"\n')  # Latin-1
    with pytest.raises(ConfigError, match=rf"{settings.secrets_path} is not UTF-8 text"):
        Settings.from_env()
    with pytest.raises(SecretsWriteError, match=rf"cannot read {settings.secrets_path}"):
        update_secrets(settings.secrets_path, {"cookie_key": KEY_A})


def test_a_cabinet_value_that_is_not_a_table_is_refused(settings: Settings) -> None:
    settings.secrets_path.write_text('cabinet = "x"\n')
    with pytest.raises(ConfigError, match=r"`cabinet` in .* must be a table"):
        Settings.from_env()
    with pytest.raises(SecretsWriteError, match=r"`cabinet` in it must be a table"):
        update_secrets(settings.secrets_path, {"cookie_key": KEY_A})
    assert settings.secrets_path.read_text() == 'cabinet = "x"\n'
