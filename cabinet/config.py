"""Settings built once from the environment and `.streamlit/secrets.toml`, so tests inject their own."""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_KEYS = {"", "CHANGE-ME", "changeme", "secret"}
MIN_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and what to do."""


def env_number(
    name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None, integer: bool = False
) -> float:
    """A number from the environment variable `name` (unset or empty: `default`); ConfigError naming the variable
    when it is not a number (a whole one with `integer`) of at least `minimum` (and at most `maximum`)."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if (
        value is None
        or not math.isfinite(value)  # "inf" and "nan" parse as floats
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        kind = "a whole number" if integer else "a number"
        shown = (lambda v: str(int(v))) if integer else (lambda v: f"{v:g}")  # 1099511627776, not 1.1e+12
        bounds = (
            f"from {shown(minimum)} to {shown(maximum)}" if maximum is not None else f"of at least {shown(minimum)}"
        )
        raise ConfigError(f"{name} must be {kind} {bounds}, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything a process of the cabinet needs to find its state and secrets."""

    data_dir: Path
    store_url: str
    cookie_key: str = ""
    link_signing_key: str = ""
    # keys the link signing key replaced (`cabinet keys rotate`): tracking links and two-step secrets made with them
    # still work; newest first
    previous_link_keys: tuple[str, ...] = ()
    demo_mode: bool = False
    public_url: str = ""  # the cabinet's address for links in emails; never taken from a request's Host header
    smtp_url: str = ""  # smtp://, smtp+starttls:// or smtps://user:password@host:port; empty: files in data/outbox
    mail_from: str = ""
    etl_alert_to: str = ""  # the operator's addresses for ETL failures and stops, comma-separated (`cabinet.etl_alert`)
    # postbacks may call addresses of private networks (an on-premises tracker, tests); off: the public internet only
    postbacks_private_ok: bool = False
    secrets_path: Path = field(default=PROJECT_ROOT / ".streamlit" / "secrets.toml")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, secrets_path: Path | None = None) -> Settings:
        """Read `CABINET_*` variables, falling back to the secrets file and defaults."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("CABINET_DATA_DIR") or PROJECT_ROOT / "data").resolve()
        secrets_path = Path(
            secrets_path or env.get("CABINET_SECRETS_FILE") or PROJECT_ROOT / ".streamlit" / "secrets.toml"
        )
        secrets = _read_secrets(secrets_path)
        store_url = env.get("CABINET_STORE_URL") or f"sqlite:///{data_dir / 'cabinet.db'}"
        demo_raw = env.get("CABINET_DEMO_MODE", str(secrets.get("demo_mode", "false")))
        private_raw = env.get("CABINET_POSTBACKS_ALLOW_PRIVATE", str(secrets.get("postbacks_allow_private", "false")))
        return cls(
            data_dir=data_dir,
            store_url=store_url,
            cookie_key=env.get("CABINET_COOKIE_KEY") or str(secrets.get("cookie_key", "")),
            link_signing_key=env.get("CABINET_LINK_SIGNING_KEY") or str(secrets.get("link_signing_key", "")),
            previous_link_keys=_previous_keys(env.get("CABINET_PREVIOUS_LINK_KEYS"), secrets.get("previous_link_keys")),
            demo_mode=_yes(demo_raw),
            public_url=(env.get("CABINET_PUBLIC_URL") or str(secrets.get("public_url", ""))).strip(),
            smtp_url=(env.get("CABINET_SMTP_URL") or str(secrets.get("smtp_url", ""))).strip(),
            mail_from=(env.get("CABINET_MAIL_FROM") or str(secrets.get("mail_from", ""))).strip(),
            etl_alert_to=(env.get("CABINET_ETL_ALERT_TO") or str(secrets.get("etl_alert_to", ""))).strip(),
            postbacks_private_ok=_yes(private_raw),
            secrets_path=secrets_path,
        )

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def creatives_dir(self) -> Path:
        return self.data_dir / "creatives"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def demo_logins_path(self) -> Path:
        return self.data_dir / "demo_logins.json"

    def require_link_key(self) -> bytes:
        """The link-signing key as bytes; refuses a missing or placeholder key."""
        return _checked_key(self.link_signing_key, "link_signing_key", self.secrets_path)

    def link_keys(self) -> tuple[bytes, ...]:
        """The link signing key, then the keys it replaced: what a tracking link or a sealed secret may be checked
        with. Anything new is signed or sealed with the first only."""
        previous = tuple(_checked_key(k, "previous_link_keys", self.secrets_path) for k in self.previous_link_keys)
        return (self.require_link_key(), *previous)

    def require_cookie_key(self) -> str:
        """The cookie key; a placeholder is allowed only in demo mode."""
        if self.demo_mode and self.cookie_key in PLACEHOLDER_KEYS:
            return "demo-mode-cookie-key-not-for-production-use-0000"
        return _checked_key(self.cookie_key, "cookie_key", self.secrets_path).decode()


def _previous_keys(env_value: str | None, secrets_value: object) -> tuple[str, ...]:
    """The replaced link keys: the environment's comma-separated list, else the secrets file's list of strings."""
    if env_value:
        return tuple(k.strip() for k in env_value.split(",") if k.strip())
    if secrets_value is None:
        return ()
    if not isinstance(secrets_value, list) or not all(isinstance(k, str) for k in secrets_value):
        raise ConfigError("previous_link_keys in the secrets file must be a list of strings")
    return tuple(secrets_value)


def _yes(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def usable_key(value: str) -> bool:
    """Whether `value` may sign or seal: not a placeholder and at least MIN_KEY_BYTES long. The one test every
    command applies, so `cabinet init` replaces exactly the keys the others refuse."""
    return value.strip() not in PLACEHOLDER_KEYS and len(value.encode()) >= MIN_KEY_BYTES


def _checked_key(value: str, name: str, path: Path) -> bytes:
    if not usable_key(value):
        raise ConfigError(
            f"{name} in {path} is missing, a placeholder or shorter than {MIN_KEY_BYTES} bytes. "
            "Run `cabinet init` to write random keys, or set "
            f"CABINET_{name.upper()} in the environment."
        )
    return value.encode()


def _read_secrets(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            parsed = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8 only; a file saved as Latin-1 or cp1251 stops here
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    section = parsed.get("cabinet", {})
    if not isinstance(section, dict):  # else every key would read as missing and `cabinet init` could not fill it
        raise ConfigError(f"`cabinet` in {path} must be a table ([cabinet]), got {type(section).__name__}")
    return dict(section)
