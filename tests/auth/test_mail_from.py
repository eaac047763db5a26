"""A `mail_from` that is not one address is refused where mail settings are checked, before any message is tried:
an SMTP server refuses such a sender, and each message of the outbox was given up at once, lost to a typo."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import patch

import pytest
from sqlalchemy import Engine

from cabinet.config import ConfigError, Settings
from cabinet.mail import transport_for
from tests.auth.test_auth import _cli, alice  # noqa: F401 - the fixture


@pytest.mark.parametrize("value", ["not an address", "no-reply", "Program <no-reply>", "a@", "a@b.org, c@d.org"])
def test_a_mail_from_that_is_not_one_address_is_refused(settings: Settings, value: str) -> None:
    with pytest.raises(ConfigError, match="mail_from must be one email address"):
        transport_for(replace(settings, mail_from=value, smtp_url="smtp://relay.example.com"))


@pytest.mark.parametrize("value", ["", "no-reply@example.com", "Партнёрская программа <no-reply@example.com>"])
def test_an_address_with_or_without_a_name_is_taken(settings: Settings, value: str) -> None:
    assert transport_for(replace(settings, mail_from=value)).describe().startswith("files in ")


def test_the_commands_say_it_before_sending_or_starting(alice: Engine) -> None:  # noqa: F811
    bad = {"CABINET_MAIL_FROM": "Partner Program"}
    done = _cli(["mail", "send"], bad)
    assert done.returncode == 1 and "mail_from must be one email address" in done.stderr, done.stderr
    with patch("cabinet.cli.setup.subprocess.Popen", side_effect=AssertionError("a process was started")):
        done = _cli(["serve", "--etl-every", "off"], bad)
    assert done.returncode == 1 and "mail_from must be one email address" in done.stderr and not done.stdout
