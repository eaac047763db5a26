"""Numbers in a form's text field as the session's language types them ("1,5" in Russian), read back by the store
whichever way they are typed (`cabinet.formatting.number_text`)."""

from __future__ import annotations

import re

from babel.numbers import get_decimal_symbol

from cabinet.ui.text import current_locale

_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")  # a number as the store keeps it ("1.5")


def typed(value: object) -> str:
    """A stored number as the session's language types it, for a form's field: "1,5" in Russian, as tables and cards
    there write it ("1.5" read as another spelling than theirs), never grouped ("1 000" or "1,000", which the save
    could read two ways); anything else (a value kept as typed after a refusal) as it is."""
    text = "" if value is None else str(value)
    return text.replace(".", get_decimal_symbol(current_locale())) if _PLAIN.match(text) else text
