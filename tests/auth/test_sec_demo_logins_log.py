"""`cabinet serve` prints the demo logins' passwords for a demo install (`make run`), and never for one that is not
marked a demo any more: under a service manager each start wrote them into the system log, and the demo's admin
password is often still the admin's."""

from __future__ import annotations

import json

import pytest

from cabinet.cli.setup import print_demo_logins
from cabinet.config import Settings

LOGINS = [{"username": "admin", "password": "demo-admin-pass-1", "role": "admin", "note": "all partners"}]


@pytest.mark.parametrize("demo", [True, False])
def test_the_demo_passwords_are_printed_only_for_a_demo(
    settings: Settings, capsys: pytest.CaptureFixture[str], demo: bool
) -> None:
    settings.demo_logins_path.write_text(json.dumps(LOGINS))
    cfg = Settings(**{**settings.__dict__, "demo_mode": demo})
    print_demo_logins(cfg)
    assert ("demo-admin-pass-1" in capsys.readouterr().out) is demo
