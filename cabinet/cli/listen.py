"""What `cabinet serve` checks of where it listens before anything starts: that the address and port can be bound
(`check_listen`), and that a demo without a cookie key of its own stays on this machine (`check_demo_key`)."""

from __future__ import annotations

import errno
import ipaddress
import socket

from cabinet.cli._app import CliError
from cabinet.config import Settings, usable_key


def check_demo_key(cfg: Settings, address: str) -> None:
    """CliError when a demo without its own cookie key would listen beyond this machine: demo mode signs logins with
    a key printed in the source (`Settings.require_cookie_key`), with which anyone could forge an admin's cookie.
    `cabinet init` writes a key of its own; on localhost the demo runs as it is."""
    if not cfg.demo_mode or usable_key(cfg.cookie_key):
        return
    try:
        found = {info[4][0] for info in socket.getaddrinfo(address, None, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        return  # `check_listen` says so
    if all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in found):
        return
    raise CliError(
        f"--address {address}: demo mode without a cookie key of its own signs logins with a key anyone can read in "
        "the source, so anyone reaching this address could log in as an admin; run `cabinet init` (it writes a key "
        "to the secrets file) or set CABINET_COOKIE_KEY, or listen on localhost"
    )


def check_listen(address: str, port: int) -> None:
    """CliError when the app could not listen on `address`:`port` (a name that does not resolve, an address this
    machine does not have, a port in use or not allowed): said in one line before anything starts, where the app
    beside the senders ended with a traceback, or after the logins and "cabinet on ..." were printed."""
    try:
        found = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CliError(f"--address {address}: not an address or host name of this machine ({exc})") from exc
    refused: list[tuple[str, OSError]] = []
    for family, kind, proto, _, where in found:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the app's server binds
            try:
                sock.bind(where)
            except OSError as exc:
                refused.append((where[0], exc))
    # a port in use or not allowed anywhere is refused; an address family the machine lacks ("localhost" naming ::1
    # without IPv6) only when no address of the name can be used
    stop = [r for r in refused if r[1].errno in (errno.EADDRINUSE, errno.EACCES)] or (
        refused if len(refused) == len(found) else []
    )
    if stop:
        where, exc = stop[0]
        raise CliError(f"cannot listen on {where} port {port}: {exc.strerror or exc}")
