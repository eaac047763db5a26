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
    inbox = tmp_path / "data" / "inbox"
    assert sorted(p.name for p in inbox.iterdir()) == ["clicks", "commissions", "conversions", "fx_rates"]
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


def test_init_reads_the_admin_password_from_a_pipe_or_stdin_and_refuses_bad_files(tmp_path: Path) -> None:
    """`--admin-password-file <(pass show x)` hands over /dev/fd/N, a pipe: any readable path works, `-` is stdin."""
    env = {
        "CABINET_DATA_DIR": str(tmp_path / "data"),
        "CABINET_SECRETS_FILE": str(tmp_path / "secrets.toml"),
        "CABINET_STORE_URL": f"sqlite:///{tmp_path / 'data' / 'cabinet.db'}",
    }
    read, write = os.pipe()
    os.write(write, b"a-strong-password-1\n")
    os.close(write)
    piped = subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "init", "--admin-user", "root",
         "--admin-password-file", f"/dev/fd/{read}"],
        env={**os.environ, **env}, capture_output=True, text=True, pass_fds=(read,), timeout=120,
    )  # fmt: skip
    os.close(read)
    assert piped.returncode == 0 and "created admin root" in piped.stdout, piped.stderr
    stdin = subprocess.run(
        [sys.executable, "-c", "from cabinet.cli import main; main()", "users", "add", "ann", "--role", "manager",
         "--password-file", "-"],
        env={**os.environ, **env}, input="another-password-2\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert stdin.returncode == 0 and "added manager ann" in stdin.stdout, stdin.stderr
    (tmp_path / "empty").write_text("\n")
    for path, message in ((tmp_path, "is a directory"), (tmp_path / "empty", "is empty"),
                          (tmp_path / "missing", "does not exist")):  # fmt: skip
        done = _cabinet(["users", "add", "bo", "--role", "manager", "--password-file", str(path)], env)
        assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_serve_names_a_child_that_ended_and_stops_the_other(capsys: pytest.CaptureFixture[str]) -> None:
    """`cabinet serve` stopped with a bare "stopped" when the schedule beside the app exited (a bad setting)."""
    from cabinet.cli.setup import _supervise

    quick = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    assert _supervise({"the ETL schedule": quick, "the app": slow}) == 1  # `cabinet serve` exits 1 then
    assert slow.poll() is not None  # stopped with it, not left running
    out = " ".join(capsys.readouterr().out.split())
    assert "the ETL schedule ended (exit code 3): stopping the cabinet" in out and "the app ended" not in out


def test_an_email_address_must_be_one_mail_can_be_sent_to() -> None:
    from cabinet.account import EMAIL

    good = ["a@example.com", "first.last+tag@mail.example.co.uk", "x@xn--e1afmkfd.xn--p1ai", "a-b@my-host.io", "A@B.CO"]
    bad = ["qa@..com", "qa@-.com", "a@x-.com", "a@x_y.com", "a..b@x.com", ".a@x.com", "a.@x.com", "a@x..com",
           "a b@x.com", "a@b", "a@x.c", "a@x.123", "a@@x.com", "ivan@пример.рф", "sub@example"]  # fmt: skip
    assert [g for g in good if not EMAIL.match(g)] == [] and [b for b in bad if EMAIL.match(b)] == []


def test_the_suite_keeps_only_the_folders_of_failed_tests() -> None:
    """A test's warehouse files take ~11 MB: keeping the folder of every passed test filled 24 GB of /tmp per run and
    failed a CI run for lack of disk. pytest removes a passed test's `tmp_path` only under this policy."""
    import tomllib

    ini = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert ini["tmp_path_retention_policy"] == "failed"
    assert int(ini["tmp_path_retention_count"]) <= 1
