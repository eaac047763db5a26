"""Arguments and settings the command line cannot use: one line naming them and a non-zero exit, never a traceback
(and never a password)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from cabinet.config import Settings
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture


def test_an_argument_that_is_not_utf8_is_named(alice: Engine) -> None:  # noqa: F811
    """Bytes that are not UTF-8 reach Python as lone surrogates: the store and DuckDB raised on them mid-command."""
    for args in (["users", "lock", "\udcffbob"], ["etl", "quarantine", "--reason", "\udcff"]):
        done = _cli(args)
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"error: argument '{args[-1].replace(chr(0xDCFF), chr(92) + 'xff')}' is not valid UTF-8\n"
    assert _cli(["users", "lock", "jörg"]).stderr.startswith("error: no user")  # UTF-8 letters are fine


def test_demo_says_a_data_directory_or_inbox_that_is_a_file_and_bounds_its_clicks(
    settings: Settings, tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    for args, env, said in (
        (["demo", "--clicks", "1000"], {"CABINET_DATA_DIR": str(afile)}, f"data directory {afile}: it is not a"),
        (["demo", "--clicks", "1000", "--inbox", str(afile)], {}, f"inbox {afile}: it is not a directory"),
    ):
        done = _cli(args, env)
        assert done.returncode == 1 and done.stderr.startswith("error: cannot use the ") and said in done.stderr, args
    done = _cli(["demo", "--clicks", "99999999999999999999"])  # was a numpy allocation of 142 PiB
    assert done.returncode == 2 and "100000000" in done.stderr and "Traceback" not in done.stderr


def test_an_smtp_url_that_is_not_a_url_is_a_config_error_without_its_password(settings: Settings) -> None:
    done = _cli(["mail", "status"], {"CABINET_SMTP_URL": "smtps://u:s3cret@[mail.example:465"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: smtp_url is not a URL") and "s3cret" not in done.stderr


def test_a_usage_error_is_one_line_naming_the_help(alice: Engine) -> None:  # noqa: F811
    """An option out of range, a command or option that does not exist, a required one missing: click's box of usage,
    hint and error (five lines) is one line, as every other error of the command line is."""
    for args, said, command in (
        (["users", "lock", "alice", "--minutes", "0"], "Invalid value for '--minutes'", "users lock"),
        (["keys", "frobnicate"], "No such command 'frobnicate'", "keys"),
        (["users", "list", "--bogus"], "No such option: --bogus", "users list"),
        (["report", "--from", "2026-11-01"], "Missing option '--as'", "report"),
    ):
        done = _cli(args)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith("error: ") and said in line and line.endswith(f"(see `cabinet {command} --help`)"), line
    assert _cli(["users", "--help"]).returncode == 0
    assert _cli(["users"]).returncode == 2  # no subcommand: its help, as before


def test_users_lock_says_until_when(alice: Engine) -> None:  # noqa: F811
    done = _cli(["users", "lock", "alice", "--minutes", "1"])
    assert done.returncode == 0 and done.stdout.startswith("locked alice for 1 minute, until "), done.stdout
    assert _cli(["users", "unlock", "alice"]).returncode == 0


def test_init_help_names_the_defaults_of_a_new_program() -> None:
    """`[default: ...]` in a help text is rich markup to typer: it vanished, leaving "for a new program ."."""
    done = _cli(["init", "--help"], {"COLUMNS": "300"})
    assert "(default: Partner Program)" in done.stdout and "(default for a new program: USD)" in done.stdout
