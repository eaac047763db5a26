"""Settings, link signing and `cabinet init` behave as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cabinet.config import ConfigError, Settings
from cabinet.links import sign_link, verify_link


def test_link_token_roundtrip_and_forgery_rejected() -> None:
    key = b"k" * 32
    token = sign_link(12345, key)
    assert verify_link(token, key) == 12345
    assert verify_link(token, b"other-key" * 4) is None
    payload, tag = token.split(".")
    assert verify_link(f"{payload}1.{tag}", key) is None
    assert verify_link("not-a-token", key) is None


def test_placeholder_cookie_key_refused_outside_demo_mode(tmp_path: Path) -> None:
    env = {"CABINET_DATA_DIR": str(tmp_path), "CABINET_COOKIE_KEY": "CHANGE-ME"}
    with pytest.raises(ConfigError, match="cookie_key"):
        Settings.from_env(env=env, secrets_path=tmp_path / "none.toml").require_cookie_key()
    demo = Settings.from_env(env={**env, "CABINET_DEMO_MODE": "1"}, secrets_path=tmp_path / "none.toml")
    assert len(demo.require_cookie_key()) >= 32


def _cabinet(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_init_writes_secrets_and_admin_non_interactively(tmp_path: Path) -> None:
    env = {
        "CABINET_DATA_DIR": str(tmp_path / "data"),
        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
        "CABINET_STORE_URL": f"sqlite:///{tmp_path / 'data' / 'cabinet.db'}",
        "CABINET_ADMIN_PASSWORD": "a-strong-password-1",
        "CABINET_COOKIE_KEY": "",
        "CABINET_LINK_SIGNING_KEY": "",
    }
    done = _cabinet(["init", "--admin-user", "root"], env)
    assert done.returncode == 0, done.stderr
    secrets = (tmp_path / "secrets.toml").read_text()
    cfg = Settings.from_env(env={k: v for k, v in env.items() if not k.endswith("_KEY")})
    assert len(cfg.require_cookie_key()) >= 32 and cfg.require_link_key() != cfg.cookie_key.encode()
    again = _cabinet(["init", "--admin-user", "root"], env)
    assert again.returncode == 0 and "already exists" in again.stdout
    assert (tmp_path / "secrets.toml").read_text() == secrets, "init must not rotate existing keys"


def test_init_without_password_fails_clearly(tmp_path: Path) -> None:
    env = {
        "CABINET_DATA_DIR": str(tmp_path / "data"),
        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
        "CABINET_STORE_URL": f"sqlite:///{tmp_path / 'data' / 'cabinet.db'}",
    }
    done = _cabinet(["init", "--admin-user", "root"], {**env, "CABINET_ADMIN_PASSWORD": "short"})
    assert done.returncode == 1
    assert "at least 10 characters" in done.stderr
