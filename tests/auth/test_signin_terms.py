"""The Russian sign-in texts name two-step login and its recovery codes as the Account page's section does ('вход в
два шага', 'коды восстановления'): its sign-in activity, under that section, read 'Двухэтапный вход включён' and
'Созданы новые резервные коды', as if of something else."""

from __future__ import annotations

import json

import pytest

from cabinet.config import PROJECT_ROOT

AREAS = sorted(p.stem for p in (PROJECT_ROOT / "cabinet" / "locales" / "ru").glob("*.json"))  # the audit log, too
OTHER_NAMES = ("двухэтапн", "резервн")  # the cabinet's words are "вход в два шага" and "коды восстановления"


@pytest.mark.parametrize("area", AREAS)
def test_russian_sign_in_texts_use_the_cabinets_terms(area: str) -> None:
    texts = json.loads((PROJECT_ROOT / "cabinet" / "locales" / "ru" / f"{area}.json").read_text(encoding="utf-8"))
    odd = {key: text for key, text in texts.items() if any(word in text.lower() for word in OTHER_NAMES)}
    assert not odd
