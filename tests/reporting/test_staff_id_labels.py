"""Russian labels write an identifier "ID", as the rest of the cabinet does: the Partners page's add form read
"Id родительского партнёра" above its move form's "ID родительского партнёра", and the Logins page "Id партнёра"."""

from __future__ import annotations

import json
import re

import pytest

from cabinet.config import PROJECT_ROOT


@pytest.mark.parametrize("area", ["partners", "logins", "catalogue", "plans", "offers", "program", "loads"])
def test_no_russian_text_of_a_staff_area_writes_id_as_id(area: str) -> None:
    texts = json.loads((PROJECT_ROOT / "cabinet" / "locales" / "ru" / f"{area}.json").read_text(encoding="utf-8"))
    assert [key for key, text in texts.items() if re.search(r"\bId\b", text)] == []
