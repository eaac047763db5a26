"""The error a refused request raises: a message for logs and the command line, and a translation key with values
that say it in the interface's language (`cabinet.ui.widgets.show_refusal`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class RefusedRequest(ValueError):
    """A request the cabinet cannot carry out; `key`/`params` say why in the interface's language."""

    def __init__(self, message: str, key: str, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params


@dataclass(frozen=True)
class Label:
    """A field's name as a refusal names it, said in the interface's language: `key` translated with `values`, after
    `prefix` (a tier's "#2 · "). In a log or on the command line it reads in English."""

    key: str
    values: tuple[tuple[str, object], ...] = ()
    prefix: str = ""

    def text(self, locale: str | None = None) -> str:
        from cabinet.i18n import translate

        return self.prefix + translate(self.key, locale, **dict(self.values))

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class FieldsNow(Label):
    """Fields and what they hold now ("CPA · FTD: 250; Hold days: 7"), said in the interface's language: what a form
    refused to write over names (a value a `Label` too, "Status: Paused")."""

    fields: tuple[tuple[Label, object], ...] = ()

    def text(self, locale: str | None = None) -> str:
        return "; ".join(f"{f.text(locale)}: {v.text(locale) if isinstance(v, Label) else v}" for f, v in self.fields)


@dataclass(frozen=True)
class Number:
    """A bound or count a refusal says, written as the interface's language writes numbers ("1,000,000", "1 000 000"
    in Russian; "2.5"); in a log or on the command line as English writes it. An id stays a plain value."""

    value: int | float | Decimal

    def text(self, locale: str | None = None) -> str:
        from babel.numbers import format_decimal

        return format_decimal(Decimal(str(self.value)), locale=locale or "en", decimal_quantization=False)

    def __str__(self) -> str:
        return self.text()


def localised(params: dict[str, object], locale: str | None) -> dict[str, object]:
    """A refusal's values for a message in `locale`: each `Label` and `Number` as its text there."""
    return {k: v.text(locale) if isinstance(v, Label | Number) else v for k, v in params.items()}
