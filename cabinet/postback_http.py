"""One postback call over HTTP(S): a GET within a deadline for the whole call, to an address postbacks may reach.

Each address a host name resolves to is checked before it is connected to (a name may resolve differently than when
the URL was saved), and the address connected to again before anything is sent: only public addresses, or private
ones too with `postbacks_allow_private`; never link-local ones (a cloud's metadata service). A refused address is
never connected to, so whether a port is open there is not told to whoever chose the name. The deadline covers the
name lookup, the connection, the request and the answer: a socket's timeout bounds each wait, not the call.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cabinet.postbacks import ascii_url, refused

TIMEOUT = 5.0
EXCERPT = 200  # characters of an answer's body kept with a call that failed, and shown for a test
USER_AGENT = "PartnerCabinet-Postback/1"


class AddressNotAllowed(ConnectionError):
    """The call connected to an address postbacks may not reach."""


@dataclass(frozen=True)
class Answer:
    """A server's answer to a call."""

    status: int
    excerpt: str  # the start of the body
    location: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _Checked(http.client.HTTPConnection):
    """A connection that refuses, before sending anything, a peer address postbacks may not reach, and that another
    thread can cut off when its call's time is up (`cut_off`)."""

    private_ok = False
    late = False  # the call's time ran out
    ends_at = float("inf")  # `time.monotonic()` at which the call's time runs out

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = self._open  # what `connect` opens its socket with

    def _open(self, address: tuple[str, int], timeout: float, source: tuple[str, int] | None = None) -> socket.socket:
        """`socket.create_connection`, the name looked up within the call's time: the resolver's own timeouts
        (seconds per server and try) are not the call's, and a socket's deadline cannot reach a lookup."""
        host, port = address
        error: OSError | None = None
        for *_, peer in _lookup(host, port, self.ends_at - time.monotonic()):
            self._in_time()
            if refused(str(peer[0]), self.private_ok):  # never connected to: whether a port is open there (and
                # the address itself) is not told to whoever chose the host name
                error = AddressNotAllowed(f"{host}: not an address postbacks may call")
                continue
            try:
                return socket.create_connection((peer[0], peer[1]), timeout, source)
            except OSError as exc:
                error = exc
        raise error or OSError(f"{host} has no address")

    def connect(self) -> None:
        super().connect()
        self._in_time()
        peer = self.sock.getpeername()[0]
        if refused(peer, self.private_ok):
            self.sock.close()
            self.sock = None
            raise AddressNotAllowed(f"{self.host} is at {peer}, not an address postbacks may call")

    def cut_off(self) -> None:
        """End the call, from a timer: a socket's timeout bounds each wait, not the call, so a server sending a byte
        a second would hold it (and its sender) as long as it liked."""
        self.late = True
        if self.sock is not None:
            with contextlib.suppress(OSError):  # closed already, or not connected yet (`connect` checks `late`)
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)  # wakes a blocked read; plain and TLS alike

    def _in_time(self) -> None:
        if self.late:
            raise TimeoutError("the call's time ran out")


class LookupTimeout(TimeoutError):
    """The name lookup outlasted the call's time: said as such, even when the call's deadline fired beside it."""


def _lookup(host: str, port: int, seconds: float) -> list[tuple[object, ...]]:
    """The TCP addresses of `host`, waited for at most `seconds`; TimeoutError after that. The lookup runs in a
    thread of its own, left to end when the resolver gives up (Python cannot stop it)."""
    found: list[tuple[object, ...]] = []
    failed: list[OSError] = []

    def look() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            failed.append(exc)

    worker = threading.Thread(target=look, name="postback-lookup", daemon=True)
    worker.start()
    worker.join(max(seconds, 0))
    if worker.is_alive():
        raise LookupTimeout(f"the name lookup of {host} took longer than the call's time")
    if failed:
        raise failed[0]
    return found


class _CheckedTLS(http.client.HTTPSConnection, _Checked):
    """HTTPS: the address is checked after the TCP connection, before the TLS handshake."""

    def connect(self) -> None:
        _Checked.connect(self)
        # the handshake runs on the TLS socket once it is `self.sock`, where `cut_off` can reach it
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host, do_handshake_on_connect=False)
        self._in_time()
        self.sock.do_handshake()


def fetch(url: str, private_ok: bool = False, timeout: float = TIMEOUT) -> Answer:
    """GET `url` (redirects not followed), the whole call (connection, request and answer) within `timeout` seconds;
    AddressNotAllowed, OSError (TimeoutError when the time ran out) or HTTPException when there is no answer. A URL
    saved with characters outside ASCII (before `check_url` encoded them) is called encoded."""
    parts = urlsplit(ascii_url(url))
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    if parts.scheme == "https":
        conn: _Checked = _CheckedTLS(host, parts.port, timeout=timeout, context=ssl.create_default_context())
    elif parts.scheme == "http":
        conn = _Checked(host, parts.port, timeout=timeout)
    else:
        raise ValueError(f"not an http(s) URL: {parts.scheme!r}")
    conn.private_ok = private_ok
    conn.ends_at = time.monotonic() + timeout
    deadline = threading.Timer(timeout, conn.cut_off)
    deadline.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        body = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        answer = Answer(response.status, body, response.getheader("Location"))
    except (OSError, http.client.HTTPException) as exc:
        if conn.late and not isinstance(exc, LookupTimeout):  # whatever the cut-off socket made of it
            raise TimeoutError(f"no whole answer within {timeout:g} s") from exc
        raise
    finally:
        deadline.cancel()
        conn.close()
    if conn.late:  # cut off as the answer ended: part of it may be missing
        raise TimeoutError(f"no whole answer within {timeout:g} s")
    return answer
