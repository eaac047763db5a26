"""The error a refused request raises: a message for logs and the command line, and a translation key with values
that say it in the interface's language (`cabinet.ui.widgets.show_refusal`)."""

from __future__ import annotations


class RefusedRequest(ValueError):
    """A request the cabinet cannot carry out; `key`/`params` say why in the interface's language."""

    def __init__(self, message: str, key: str, **params: object) -> None:
        super().__init__(message)
        self.key, self.params = key, params
