"""The calls table says why a call got no answer in the session's language, then the error as kept: it showed
"gaierror: [Errno -2] Name or service not known" alone, in English on a Russian page too."""

from __future__ import annotations

import pytest

from cabinet.i18n import translate
from cabinet.ui.postbacks import said_error


@pytest.mark.parametrize(
    ("stored", "key"),
    [
        ("gaierror: [Errno -2] Name or service not known", "postbacks.no_answer_dns"),
        ("TimeoutError: no whole answer in 10 s", "postbacks.no_answer_timeout"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "postbacks.no_answer_refused"),
        ("SSLCertVerificationError: certificate verify failed", "postbacks.no_answer_tls"),
        ("RemoteDisconnected: Remote end closed connection without response", "postbacks.no_answer_not_http"),
    ],
)
def test_an_error_of_a_known_kind_is_said_then_kept(stored: str, key: str) -> None:
    assert said_error(stored) == f"{translate(key)} ({stored})"


@pytest.mark.parametrize("stored", ["HTTP 404: nope", "OSError: [Errno 101] Network is unreachable", "", "gaierror"])
def test_an_answers_status_or_an_error_of_no_known_kind_is_as_kept(stored: str) -> None:
    assert said_error(stored) == stored
