"""Translations: `cabinet/locales/<locale>/<area>.json` files merged per locale; keys are `area.name`.

Each part of the cabinet owns its own area file, so adding a page means adding one pair of files. A test fails
when a key exists in one language and not the other, or when code asks for a key that exists in neither.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"


class MissingTranslation(KeyError):
    """A key that no locale file defines."""


@cache
def catalog(locale: str) -> dict[str, str]:
    """All keys of one locale, merged from its area files (a key defined twice is an error)."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"translation key {key!r} defined twice (second time in {path})")
            merged[key] = value
    return merged


def normalise_locale(locale: str | None) -> str:
    """A supported locale for a user preference such as 'ru_RU' or None."""
    short = (locale or DEFAULT_LOCALE).split("_")[0].split("-")[0].lower()
    return short if short in LOCALES else DEFAULT_LOCALE


def translate(key: str, locale: str | None = None, **values: object) -> str:
    """The text of `key` in `locale` (falling back to English), with `{name}` placeholders filled."""
    loc = normalise_locale(locale)
    text = catalog(loc).get(key)
    if text is None:
        text = catalog(DEFAULT_LOCALE).get(key)
    if text is None:
        raise MissingTranslation(key)
    return text.format(**values) if values else text
