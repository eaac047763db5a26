"""The layout's import rules (DESIGN.md "Layout"): pages and the home page reach the store and the warehouse only
through `cabinet.ui` and `queries`; nothing outside pages and `cabinet/ui/` imports Streamlit."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE_LIBRARIES = {"streamlit", "plotly", "polars"}  # polars: the frames `queries` hands over


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _page_may_import(module: str) -> bool:
    top = module.split(".")[0]
    return (
        module in ("cabinet.ui", "queries")
        or module.startswith(("cabinet.ui.", "queries."))
        or top in PAGE_LIBRARIES
        or top in sys.stdlib_module_names
    )


def _python_files(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (ROOT / part).rglob("*.py"))


@pytest.mark.parametrize("page", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))], ids=lambda p: p.name)
def test_pages_import_only_the_ui_layer_and_queries(page: Path) -> None:
    wrong = sorted(m for m in _imports(page) if not _page_may_import(m))
    assert not wrong, f"{page.name} imports {wrong}: go through cabinet.ui (store actions, widgets) or queries"


def test_only_pages_and_cabinet_ui_import_streamlit() -> None:
    files = [p for p in _python_files("cabinet", "queries", "etl") if "ui" not in p.relative_to(ROOT).parts[:2]]
    assert len(files) > 40
    wrong = [str(p.relative_to(ROOT)) for p in files if any(m.split(".")[0] == "streamlit" for m in _imports(p))]
    assert not wrong


def test_the_rule_itself_catches_a_page_that_opens_the_store(tmp_path: Path) -> None:
    page = tmp_path / "99_bad.py"
    page.write_text("import streamlit as st\nfrom cabinet.store.db import session_scope\nfrom queries import reports\n")
    assert [m for m in _imports(page) if not _page_may_import(m)] == ["cabinet.store.db"]
