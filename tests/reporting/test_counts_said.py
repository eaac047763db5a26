"""A count in a sentence takes its noun's form for the number: English read "1 creatives.", "1 conversions wait",
"on · 1 codes left", "And 1 more values." and "1 approved requests have no method"."""

from __future__ import annotations

import pytest

from cabinet.ui import text

SAID = {
    "creatives.count": ("1 creative.", "2 creatives."),
    "loads.conversions_wait": ("1 conversion waits", "2 conversions wait"),
    "loads.updates_wait": ("1 status update waits", "2 status updates wait"),
    "logins.codes_left": ("on · 1 code left", "on · 2 codes left"),
    "common.chart_more": ("And 1 more value.", "And 2 more values."),
    "payouts.batch_no_method": (
        "1 approved request has no method a file is made for: pay it above.",
        "2 approved requests have no method a file is made for: pay them one by one above.",
    ),
}


@pytest.mark.parametrize("key", sorted(SAID))
def test_one_and_two_take_their_forms_in_english(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "current_locale", lambda: "en")
    assert (text.plural(key, 1), text.plural(key, 2)) == SAID[key]


@pytest.mark.parametrize("key", sorted(SAID))
def test_russian_says_each_count_without_a_stray_form(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "current_locale", lambda: "ru")
    for n in (1, 2, 5, 21):
        said = text.plural(key, n)
        assert str(n) in said and "{" not in said and "|" not in said
