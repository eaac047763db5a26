"""Counts on the staff pages read as sentences ("Partners on this plan: 7."), as the Russian texts do, never with a
"(s)" after the noun ("7 partner(s) on this plan", "1 more offer(s) need a manager's approval")."""

from __future__ import annotations

import json
import re

import pytest

from cabinet.i18n import LOCALES_DIR

STAFF_AREAS = ("access", "catalogue", "emails", "offers", "plans", "postbacks", "review")


@pytest.mark.parametrize("area", STAFF_AREAS)
def test_no_english_text_counts_with_a_parenthesised_plural(area: str) -> None:
    texts = json.loads((LOCALES_DIR / "en" / f"{area}.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in texts.items() if re.search(r"[a-z]\(s\)", v.replace("http(s)", ""))} == {}
