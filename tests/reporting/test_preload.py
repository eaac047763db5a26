"""The served cabinet loads its pages' modules at start and keeps them out of the collector's full walks
(`cabinet.ui.preload`): Streamlit's collection after every script run then walks what a run made, not ~230,000
module objects."""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cabinet.config import PROJECT_ROOT
from cabinet.ui.preload import DRAWING_MODULES, page_imports, preload

SERVED = """
import gc, json, sys
import asgi
from cabinet.ui.preload import DRAWING_MODULES, page_imports
modules, _ = page_imports()
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "missing": [m for m in (*modules, *DRAWING_MODULES) if m not in sys.modules]}))
"""


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects back in the collector's generations after a test that froze them."""
    yield
    gc.unfreeze()


def test_the_served_cabinet_starts_with_its_pages_modules_loaded_and_frozen(tmp_path: Path) -> None:
    env = {**os.environ, "CABINET_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SERVED], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout  # fmt: skip
    state = json.loads(out.strip().splitlines()[-1])
    assert state["missing"] == []
    assert state["frozen"] > 100_000  # the modules' objects: ~255,000
    assert state["tracked"] < state["frozen"] // 20  # what a full collection still walks


def test_page_imports_are_the_absolute_modules_of_app_and_pages(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("import json\nfrom cabinet.ui import login\n")
    (tmp_path / "pages" / "01_a.py").write_text(
        "import os.path, re\nfrom queries.reports import report\nfrom . import sibling\n"
        "def f():\n    import decimal  # inside a function: when it runs\n"
    )
    modules, names = page_imports(tmp_path)
    assert modules == ["cabinet.ui", "json", "os.path", "queries.reports", "re"]
    assert names == ["cabinet.ui.login", "queries.reports.report"]


def test_preload_imports_submodules_named_by_a_from_import_and_freezes(
    tmp_path: Path, unfrozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json as json_package

    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("from json import tool, dumps\n")
    monkeypatch.delitem(sys.modules, "json.tool", raising=False)
    monkeypatch.delattr(json_package, "tool", raising=False)
    assert preload(tmp_path) > 0
    assert gc.get_freeze_count() > 0
    assert "json.tool" in sys.modules
    assert all(name in sys.modules for name in DRAWING_MODULES)


def test_a_module_that_does_not_import_is_logged_and_skipped(
    tmp_path: Path, unfrozen: None, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("import json\n")
    (tmp_path / "pages" / "01_a.py").write_text("import no_such_module_of_the_cabinet\nfrom json import nothing\n")
    with caplog.at_level(logging.WARNING, logger="cabinet.ui.preload"):
        assert preload(tmp_path) > 0
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["preload"]
    assert "no_such_module_of_the_cabinet" in caplog.text
