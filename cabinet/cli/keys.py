"""`cabinet keys rotate`: replace the link signing key, keeping what was made with the old one working.

Everything the install signs or seals derives from `link_signing_key`: tracking-link tokens, invitations, password
resets, the two-step secrets' encryption and the ip pseudonym. A key that leaked (a copied secrets file, a former
colleague) is replaced by rotating it:
- the secrets file gets a new random `link_signing_key`, and the old one goes first in `previous_link_keys`;
- tracking links keep counting: the ETL accepts a token any key of the ring signed (a token is public in the link's
  address anyway; the signature only stops guessing), and new links are signed with the new key;
- two-step secrets are sealed again with the new key here; a process still running with the old file reads the
  old seal through the ring until it restarts;
- invitations and password-reset links made with the old key stop working: they are what a leaked key could forge.
  Partners' Sub-partners pages show a new invitation link at once;
- the ip pseudonym changes: a visitor seen on both sides of the rotation counts as unique once more.

The secrets file is replaced atomically (`cabinet.secrets_file`: written beside, fsynced, renamed; mode 0600; comments
kept; a symlink written through) before the store is touched, so a failure part way leaves every secret readable.
The whole rotation holds the secrets file's lock and reads the file again under it: two at once run one after the
other, the second replacing the first's key (kept in `previous_link_keys`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer

from cabinet.cli._app import CliError, app, console, settings, store_engine
from cabinet.config import Settings
from cabinet.secrets_file import secrets_lock, update_secrets

if TYPE_CHECKING:
    from sqlalchemy import Engine

keys = typer.Typer(help="The install's secret keys.", no_args_is_help=True)
app.add_typer(keys, name="keys")


def rotate_link_key(cfg: Settings, engine: Engine) -> dict[str, int]:
    """Replace the link signing key in `cfg`'s secrets file and seal every two-step secret of `engine`'s store with
    the new one; the counts of what was done (`resealed`, `unreadable` secrets, `previous` keys kept)."""
    from cryptography.fernet import InvalidToken
    from sqlalchemy import select

    from cabinet.auth import audit
    from cabinet.passwords import random_key
    from cabinet.store.db import session_scope
    from cabinet.store.models import User
    from cabinet.twofactor import resealed

    if os.environ.get("CABINET_LINK_SIGNING_KEY") or os.environ.get("CABINET_PREVIOUS_LINK_KEYS"):
        raise CliError(
            "the link signing key comes from the environment (CABINET_LINK_SIGNING_KEY): set a new key there and "
            "the old one first in CABINET_PREVIOUS_LINK_KEYS (comma-separated), then restart the cabinet"
        )
    # one rotation at a time, from the file as it is now: another one may have replaced the key `cfg` was read with
    with secrets_lock(cfg.secrets_path):
        cfg = Settings.from_env(secrets_path=cfg.secrets_path)
        ring = cfg.link_keys()  # refuses a missing or placeholder key before anything is written
        new_key = random_key()
        previous = [cfg.link_signing_key, *[k for k in cfg.previous_link_keys if k != cfg.link_signing_key]]
        update_secrets(cfg.secrets_path, {"link_signing_key": new_key, "previous_link_keys": previous})
        new_ring = (new_key.encode(), *ring)
        counts = {"resealed": 0, "unreadable": 0, "previous": len(previous)}
        with session_scope(engine) as session:
            for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
                try:
                    if (stored := resealed(user.totp_secret or "", new_ring)) is not None:
                        user.totp_secret = stored
                        counts["resealed"] += 1
                except InvalidToken:  # sealed with a key nobody kept: it stays unreadable (`cabinet users reset-2fa`)
                    counts["unreadable"] += 1
            audit(session, "link_key_rotated", username="cli", target="install", details=dict(counts))
    return counts


@keys.command("rotate")
def rotate() -> None:
    """Replace the link signing key: tracking links and two-step logins keep working, invitations and reset links
    made before stop; restart `cabinet serve` afterwards."""
    cfg = settings()
    counts = rotate_link_key(cfg, store_engine())  # the store is opened (and checked) before the file is written
    console.print(
        f"new link signing key written to {cfg.secrets_path}; {counts['previous']} replaced key(s) kept in "
        f"previous_link_keys; two-step secrets sealed again: {counts['resealed']}"
        + (
            f"; unreadable with any key: {counts['unreadable']} (`cabinet users reset-2fa`)"
            if counts["unreadable"]
            else ""
        )
    )
    console.print("restart the cabinet (`cabinet serve`) so every process signs with the new key")
