"""`cabinet serve` on an address or port the app cannot listen on says so in one line before anything starts: the app
beside the senders ended with a Streamlit traceback (an unknown host name), or after the demo logins and "cabinet on
http://..." were printed (a port in use), the ETL and mail senders started and stopped again."""

from __future__ import annotations

import socket
from unittest.mock import patch

import pytest
from sqlalchemy import Engine

from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture

QUIET = ["--etl-every", "off", "--mail-every", "off", "--postbacks-every", "off"]


def _serve(*args: str) -> tuple[int, str, str]:
    with patch("cabinet.cli.setup.subprocess.Popen", side_effect=AssertionError("a process was started")):
        done = _cli(["serve", *args, *QUIET])
    return done.returncode, done.stdout, " ".join(done.stderr.split())


def test_a_port_in_use_is_refused_before_anything_starts(alice: Engine) -> None:  # noqa: F811
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = _serve("--address", "127.0.0.1", "--port", str(port))
    assert code == 1 and err.startswith(f"error: cannot listen on 127.0.0.1 port {port}: ") and "in use" in err
    assert "cabinet on" not in out and "Traceback" not in err


def test_an_address_that_is_not_this_machines_is_refused(alice: Engine) -> None:  # noqa: F811
    code, out, err = _serve("--address", "no-such-host.invalid")
    assert code == 1 and err.startswith("error: --address no-such-host.invalid: not an address or host name")
    assert "cabinet on" not in out and "Traceback" not in err


EVERYWHERE = "0.0.0.0"  # noqa: S104 - the address refused to a demo without its own key


def test_a_demo_without_its_own_cookie_key_listens_only_on_this_machine(alice: Engine) -> None:  # noqa: F811
    """Demo mode signs logins with a key printed in the source when no key was set: on an address others reach,
    anyone could forge an admin's cookie. Refused there; on localhost the demo runs as it is."""
    from dataclasses import replace

    from cabinet.cli._app import CliError
    from cabinet.cli.listen import check_demo_key
    from cabinet.config import Settings

    demo = {"CABINET_DEMO_MODE": "1", "CABINET_COOKIE_KEY": "CHANGE-ME"}
    with patch("cabinet.cli.setup.subprocess.Popen", side_effect=AssertionError("a process was started")):
        done = _cli(["serve", "--address", EVERYWHERE, *QUIET], demo)
    err = " ".join(done.stderr.split())
    assert done.returncode == 1 and err.startswith(f"error: --address {EVERYWHERE}: demo mode without a cookie key")
    assert "run `cabinet init`" in err and "cabinet on" not in done.stdout
    placeholder = replace(Settings.from_env(), demo_mode=True, cookie_key="CHANGE-ME")
    for local in ("localhost", "127.0.0.1", "::1"):
        check_demo_key(placeholder, local)  # on this machine: served as it is
    check_demo_key(replace(placeholder, cookie_key="k" * 40), EVERYWHERE)  # a key of its own: anywhere
    with pytest.raises(CliError):
        check_demo_key(placeholder, EVERYWHERE)
