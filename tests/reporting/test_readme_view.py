"""README's "Adding a view": its query module and page file, as written there, work in a copy of the app."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.session import SESSION_KEY
from cabinet.ui import menu
from tests.reporting.conftest import Program

ROOT = Path(__file__).resolve().parents[2]


def _example(path: str) -> str:
    section = (ROOT / "README.md").read_text().split("## Adding a view", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    [code] = [b for b in blocks if b.startswith(f"# {path}\n")]
    return code


def test_the_readme_example_view_is_two_files_and_keeps_to_the_scope(
    program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "top_subs.py"
    module.write_text(_example("queries/top_subs.py"))
    spec = importlib.util.spec_from_file_location("queries.top_subs", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "queries.top_subs", loaded)
    spec.loader.exec_module(loaded)
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    (tmp_path / "pages" / "24_top_subs.py").write_text(_example("pages/24_top_subs.py"))
    monkeypatch.setattr(menu, "PROJECT_ROOT", tmp_path)

    def page(user: str) -> AppTest:
        at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = program.users[user]
        at.run()
        at = at.switch_page("pages/24_top_subs.py").run()
        assert not at.exception, at.exception
        return at

    admin = page("root")
    assert "Top subs" in [link.proto.label for link in admin.get("page_link")]
    every = admin.dataframe[0].value
    assert every["ftds"].sum() >= 1 and every["conversions"].sum() >= every["ftds"].sum()
    partner = page("p_parent")  # a partner is refused by the guard, and has no menu entry
    assert partner.error and not partner.dataframe
    assert "Top subs" not in [link.proto.label for link in partner.get("page_link")]
    scoped = loaded.top_subs(program.users["p_child"].scope, wh=_warehouse(program), date_from=date(2026, 11, 1),
                             date_to=date(2026, 11, 2), tz="UTC")  # fmt: skip
    assert scoped["conversions"].sum() < every["conversions"].sum()  # the child's scope holds less than the program
    test = tmp_path / "test_top_subs.py"  # the test the guide has a new view's author write, as written there
    test.write_text(_example("tests/reporting/test_top_subs.py"))
    spec = importlib.util.spec_from_file_location("readme_test_top_subs", test)
    assert spec is not None and spec.loader is not None
    written = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(written)
    written.test_top_subs_keeps_to_the_scope(program)


def test_the_readme_example_page_takes_a_free_number() -> None:
    """`12_top_subs.py` stood beside `12_program.py`: two pages of one number."""
    name = Path(_example("pages/24_top_subs.py").splitlines()[0].removeprefix("# ")).name
    taken = {p.name.split("_", 1)[0] for p in (ROOT / "pages").glob("*.py")}
    assert name.split("_", 1)[0] not in taken


def _warehouse(program: Program):  # type: ignore[no-untyped-def]
    from queries.warehouse import Warehouse

    return Warehouse(program.tiny.settings.warehouse_dir)
