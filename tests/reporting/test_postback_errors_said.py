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


def test_a_refused_address_and_a_redirect_are_said_in_the_sessions_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call given up for its address or for a redirect read in English alone on a Russian page ("HTTP 302:
    redirects are not followed; …"); a refused address is said as the test call says it, the kind named as it is
    kept now and told by its words in a call kept before."""
    from cabinet.postback_http import AddressNotAllowed, Answer
    from cabinet.postback_send import _outcome
    from cabinet.ui import postbacks

    monkeypatch.setattr(postbacks, "t", lambda key, **values: translate(key, "ru", **values))
    private = translate("postbacks.no_answer_private", "ru")
    _, kept = _outcome(None, AddressNotAllowed("t.example: not an address postbacks may call"))
    assert kept == "AddressNotAllowed: t.example: not an address postbacks may call"
    assert said_error(kept) == f"{private} ({kept})"
    before = "t.example is at 10.0.0.5, not an address postbacks may call"
    assert said_error(before) == f"{private} ({before})"
    _, redirect = _outcome(Answer(302, "", "https://new.example/pb?x=1"), None)
    said = said_error(redirect or "")
    assert said.startswith("HTTP 302: перенаправление") and "https://new.example/pb?x=1" in said


def test_a_call_superseded_by_a_later_status_is_said_in_words() -> None:
    from cabinet.postback_send import SUPERSEDED

    assert said_error(SUPERSEDED) == translate("postbacks.said_superseded")
