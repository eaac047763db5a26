"""The command line with bad or unusual input: one clear line and a non-zero exit, nothing lost or half-written;
`cabinet init` run again keeps every real secret."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cabinet.config import Settings
from cabinet.store.db import session_scope
from cabinet.store.models import Partner, ProgramSettings, User
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture
from tests.conftest import TEST_LINK_KEY


def _said(done: object) -> str:
    return " ".join((done.stdout + done.stderr).split())  # type: ignore[attr-defined]


def test_init_again_fills_only_placeholder_keys_and_keeps_the_rest(
    alice: Engine,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A demo install may keep a placeholder cookie key; `init` once wrote a whole new file for it, and the real link
    key, the replaced keys, demo mode and the mail settings went with it."""
    monkeypatch.delenv("CABINET_COOKIE_KEY")
    monkeypatch.delenv("CABINET_LINK_SIGNING_KEY")
    settings.secrets_path.write_text(
        "# mine\n[cabinet]\n"
        'cookie_key = "CHANGE-ME"\n'
        f'link_signing_key = "{TEST_LINK_KEY}"\n'
        'previous_link_keys = ["an-older-link-signing-key-0123456789abcdef"]\n'
        'demo_mode = true\nsmtp_url = "smtp://mail.example.com:25"\n'
    )
    done = _cli(["init"])
    assert done.returncode == 0, done.stderr
    after = Settings.from_env()
    assert after.link_signing_key == TEST_LINK_KEY and after.previous_link_keys[0].startswith("an-older")
    assert after.demo_mode and after.smtp_url == "smtp://mail.example.com:25"
    assert after.cookie_key != "CHANGE-ME" and len(after.cookie_key) >= 32
    assert settings.secrets_path.read_text().startswith("# mine")
    text = settings.secrets_path.read_text()
    assert _cli(["init"]).returncode == 0 and settings.secrets_path.read_text() == text  # nothing left to fill


def test_keys_rotate_writes_through_a_link_and_says_an_unwritable_file_in_one_line(
    alice: Engine,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("CABINET_LINK_SIGNING_KEY")
    real = tmp_path / "real.toml"
    real.write_text(f'[cabinet]\nlink_signing_key = "{TEST_LINK_KEY}"\n')
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    monkeypatch.setenv("CABINET_SECRETS_FILE", str(link))
    assert _cli(["keys", "rotate"]).returncode == 0
    assert link.is_symlink() and Settings.from_env().previous_link_keys == (TEST_LINK_KEY,)  # the target has it
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("CABINET_SECRETS_FILE", str(blocked / "secrets.toml"))  # its folder is a file
    monkeypatch.setenv("CABINET_LINK_SIGNING_KEY", TEST_LINK_KEY)  # read from the environment, as no file can be
    refused = _cli(["keys", "rotate"])
    assert refused.returncode == 1 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no file left half-written


def test_users_add_checks_as_the_cabinet_does(alice: Engine) -> None:  # noqa: F811
    env = {"CABINET_USER_PASSWORD": "a-long-password"}
    assert _cli(["users", "add", "bob", "--role", "manager"], env).returncode == 0
    for args, said in (
        (["users", "add", "BOB", "--role", "manager"], "taken"),  # another case is the same name
        (["users", "add", "ab", "--role", "manager"], "3–64 Latin letters"),
        (["users", "add", "carol", "--role", "manager", "--email", "not an email"], "email address is not valid"),
        (["users", "add", "carol", "--role", "manager", "--locale", "de"], "locale must be one of"),
        (["users", "add", "eve", "--role", "partner", "--partner-id", "99999999999999999999"], "no partner with id"),
        (["users", "lock", "bob", "--minutes", "9999999999"], "less than or equal to"),
    ):
        done = _cli(args, env)
        assert done.returncode != 0 and said in _said(done) and "Traceback" not in done.stderr, args
    # the value refused, not an address made up for a login without --email
    assert _said(_cli(["users", "add", "ab", "--role", "manager"], env)).rstrip().endswith("or '.'. ('ab')")
    said = _said(_cli(["users", "add", "carol", "--role", "manager", "--email", "x@y"], env)).rstrip()
    assert said.endswith("not valid. ('x@y')"), said
    with session_scope(alice) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 2  # alice and bob
        s.scalar(select(ProgramSettings)).default_locale = "ru"
    assert _cli(["users", "add", "dasha", "--role", "manager"], env).returncode == 0
    with session_scope(alice) as s:  # no --locale: the program's language of new users
        assert s.scalar(select(User.locale).where(User.username == "dasha")) == "ru"


def test_users_add_does_what_the_logins_page_does(alice: Engine) -> None:  # noqa: F811
    """No login for a partner blocked or not approved yet; a partner's login in the partner's time zone, staff in
    the program's, as `logins_admin.add_login` makes them."""
    env = {"CABINET_USER_PASSWORD": "a-long-password"}
    with session_scope(alice) as s:
        s.scalar(select(ProgramSettings)).default_timezone = "Asia/Tokyo"
        blocked = Partner(name="Blocked", tier_code="bronze", status="blocked", timezone="Europe/Berlin")
        berlin = Partner(name="Berlin", tier_code="bronze", timezone="Europe/Berlin")
        s.add_all([blocked, berlin])
        s.flush()
        blocked_id, berlin_id = blocked.id, berlin.id
    done = _cli(["users", "add", "eve", "--role", "partner", "--partner-id", str(blocked_id)], env)
    assert done.returncode != 0 and f"Partner {blocked_id} is blocked" in _said(done) and "Traceback" not in done.stderr
    with session_scope(alice) as s:  # an application not approved yet: its own login only
        s.get(Partner, blocked_id).status = "pending"
    done = _cli(["users", "add", "eve", "--role", "partner", "--partner-id", str(blocked_id)], env)
    assert done.returncode != 0 and "is not approved yet" in _said(done) and "Traceback" not in done.stderr
    for args in (["frank", "--role", "partner", "--partner-id", str(berlin_id)], ["gina", "--role", "manager"]):
        assert _cli(["users", "add", *args], env).returncode == 0, args
    with session_scope(alice) as s:
        made = {
            u.username: (u.timezone, u.payouts_access) for u in s.scalars(select(User).where(User.username != "alice"))
        }
    assert made == {"frank": ("Europe/Berlin", True), "gina": ("Asia/Tokyo", True)}


def test_serve_and_demo_refuse_bad_options_before_starting(settings: Settings) -> None:
    for args, said in (
        (["serve", "--etl-every", "0"], "--etl-every: invalid interval '0'"),
        (["serve", "--mail-every", "1x"], "--mail-every: invalid interval '1x'"),
        (["serve", "--postbacks-every", "500ms"], "--postbacks-every: must be at least 1s"),  # as the sender says
        (["serve", "--port", "99999"], "less than or equal to 65535"),
        (["demo", "--seed", "-1"], "greater than or equal to 0"),
        (["demo", "--end", "9999-12-31", "--clicks", "1000", "--days", "7"], "--end 9999-12-31: give a day from"),
    ):
        done = _cli(args)
        assert done.returncode != 0 and said in _said(done) and "Traceback" not in done.stderr, args
    assert not any(settings.inbox_dir.rglob("*.*"))  # the demo wrote no file
    with patch("cabinet.cli.setup.subprocess.Popen", side_effect=AssertionError("a process was started")):
        done = _cli(["serve"], {"CABINET_HOT_DAYS": "abc"})  # a setting the ETL schedule beside it would refuse
    assert done.returncode != 0 and "CABINET_HOT_DAYS" in _said(done) and "cabinet on" not in done.stdout


def test_an_etl_memory_limit_out_of_range_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from cabinet.config import ConfigError
    from etl.connect import limits

    monkeypatch.setenv("CABINET_ETL_MEMORY_MB", "99999999999999")
    with pytest.raises(ConfigError, match="CABINET_ETL_MEMORY_MB"):
        limits()
    monkeypatch.setenv("CABINET_ETL_MEMORY_MB", "4096")
    assert limits()[0] == 4096


def test_init_replaces_every_key_the_other_commands_refuse(
    alice: Engine,  # noqa: F811
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`init` kept a key only the exact placeholders named ("CHANGE-ME " with a space, a short key) while every other
    command refused it and said "Run `cabinet init`"."""
    monkeypatch.delenv("CABINET_COOKIE_KEY")
    monkeypatch.delenv("CABINET_LINK_SIGNING_KEY")
    settings.secrets_path.write_text('[cabinet]\ncookie_key = "too-short-a-key"\nlink_signing_key = "CHANGE-ME "\n')
    done = _cli(["init"])
    assert done.returncode == 0, done.stderr
    after = Settings.from_env()
    assert after.require_cookie_key() != "too-short-a-key" and after.require_link_key() != b"CHANGE-ME "
    assert _cli(["keys", "rotate"]).returncode == 0
    from cabinet.cli import setup

    with patch.object(setup, "secrets_lock", side_effect=AssertionError("locked")):  # a read-only secrets folder
        assert _cli(["init"]).returncode == 0  # nothing to write: no lock taken


def test_init_admin_user_says_when_the_name_is_not_an_admin(alice: Engine) -> None:  # noqa: F811
    assert (
        _cli(["users", "add", "bob", "--role", "manager"], {"CABINET_USER_PASSWORD": "a-long-password"}).returncode == 0
    )
    done = _cli(["init", "--admin-user", "bob"])
    assert done.returncode == 1 and "user bob exists with role manager, not admin" in _said(done)
    again = _cli(["init", "--admin-user", "alice"])
    assert again.returncode == 0 and "admin alice already exists" in _said(again)


def test_init_says_the_admin_is_created_only_once_it_is(alice: Engine) -> None:  # noqa: F811
    from cabinet.cli import setup

    real_scope = setup.session_scope

    @contextmanager
    def refused_commit(engine: Engine) -> Iterator[Session]:
        with real_scope(engine) as session:
            yield session
            raise OperationalError("COMMIT", {}, Exception("database is locked"))

    with patch.object(setup, "session_scope", refused_commit):
        done = _cli(["init", "--admin-user", "carol"], {"CABINET_ADMIN_PASSWORD": "a-long-password"})
    assert done.returncode == 1 and "database is locked" in _said(done) and "created admin" not in done.stdout
    with session_scope(alice) as s:
        assert s.scalar(select(User).where(User.username == "carol")) is None
    done = _cli(["init", "--admin-user", "carol"], {"CABINET_ADMIN_PASSWORD": "a-long-password"})
    assert done.returncode == 0 and "created admin carol" in done.stdout


@pytest.mark.parametrize(
    ("content", "said"),
    [(b'[cabinet]\ncookie_key = "caf\xe9"\n', "is not UTF-8 text"), (b'cabinet = "x"\n', "must be a table")],
)
def test_a_secrets_file_the_cabinet_cannot_use_is_said_in_one_line(
    settings: Settings, content: bytes, said: str
) -> None:
    settings.secrets_path.write_bytes(content)
    for args in (["init"], ["users", "list"]):
        done = _cli(args)
        assert done.returncode == 1 and said in _said(done) and str(settings.secrets_path) in _said(done), args
        assert "Traceback" not in done.stderr
    assert settings.secrets_path.read_bytes() == content


def test_serve_gives_its_processes_the_paths_it_checked(
    store_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The processes run in the project's directory: relative paths there named another install (or data/)."""
    from cabinet.cli import setup
    from cabinet.config import PROJECT_ROOT

    monkeypatch.chdir(tmp_path)
    relative = {"CABINET_DATA_DIR": "data", "CABINET_SECRETS_FILE": "secrets.toml",
                "CABINET_STORE_URL": "sqlite:///data/cabinet.db"}  # fmt: skip
    started: dict[str, tuple[list[str], dict[str, str], Path]] = {}

    def popen(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, **_: object) -> object:
        name = cmd[3] if cmd[1] == "-c" else "app"
        started[name] = (cmd, dict(env or os.environ), cwd)
        return object()

    with patch.object(setup.subprocess, "Popen", popen), patch.object(setup, "_supervise", return_value=0):
        done = _cli(["serve", "--port", "8599", "--postbacks-every", "off"], relative)
    assert done.returncode == 0, done.stderr
    assert sorted(started) == ["app", "etl", "mail"]
    for _cmd, env, cwd in started.values():
        assert cwd == PROJECT_ROOT
        assert env["CABINET_DATA_DIR"] == str(settings.data_dir)
        assert env["CABINET_SECRETS_FILE"] == str(tmp_path / "secrets.toml")
        assert env["CABINET_STORE_URL"] == settings.store_url
    assert "--server.port=8599" in started["app"][0] and "--every=60s" in started["etl"][0]
