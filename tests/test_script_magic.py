"""Streamlit's "magic" is off (`.streamlit/config.toml`): a bare expression in a page is not written to it. No page
may lean on it, and none may be left with an expression it would have written: that one would now show nothing."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner.magic import add_magic

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / "app.py", ROOT / "asgi.py", *sorted((ROOT / "pages").glob("*.py"))]


def test_magic_is_off_where_the_cabinet_is_run() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["magicEnabled"] is False


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_page_has_an_expression_magic_would_write(script: Path) -> None:
    rewritten = ast.unparse(add_magic(script.read_text(), str(script)))
    written = [line.strip() for line in rewritten.splitlines() if "transparent_write(" in line]
    assert written == []
