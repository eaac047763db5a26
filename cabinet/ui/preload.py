"""The served cabinet's modules loaded at its start, then kept out of the garbage collector's full walks.

Streamlit runs a full garbage collection after every script run (`runner.postScriptGC`, to keep a server's memory
flat). A full collection walks every tracked object of the process, and nearly all of them are the modules' (the
cabinet, SQLAlchemy, polars, plotly, pandas, pyarrow): ~255,000 objects once the pages have run, 196-479 ms a walk on
this machine, holding the GIL, so every click of every user waited for it and held every other session up as long.
`preload` imports what the pages import, and what Streamlit and plotly import when they first draw a table or a
chart, then freezes the collector's generations (`gc.freeze`): later walks see only what was made since, 21-60 ms
(`bench/bench_gc.py`). Streamlit's collection still frees a run's cyclic garbage; objects freed by their reference
count are freed as before, frozen or not.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import logging
import sys
from pathlib import Path

from cabinet.config import PROJECT_ROOT

log = logging.getLogger(__name__)

# Imported on a page's first table or chart, by Streamlit (Arrow, pandas) and plotly (its express module), or by
# the login (the user-agent parser), not by a page's own imports
DRAWING_MODULES = ("pandas", "pyarrow", "plotly.express", "plotly.io", "ua_parser")


def page_imports(root: Path = PROJECT_ROOT) -> tuple[list[str], list[str]]:
    """The absolute modules `app.py` and the pages import at their top level, and the names they import from them
    (`from m import n` gives `m`, and `m.n`, which is a submodule or not), each sorted."""
    modules: set[str] = set()
    names: set[str] = set()
    for script in [root / "app.py", *sorted((root / "pages").glob("*.py"))]:
        for node in ast.parse(script.read_text(encoding="utf-8"), str(script)).body:
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(modules), sorted(names - modules)


def preload(root: Path = PROJECT_ROOT) -> int:
    """Import the pages' modules (and the submodules they import names from) and `DRAWING_MODULES`, collect, and
    freeze what is left; returns the number of objects frozen. A module that does not import is logged and skipped
    (its page says so when it runs)."""
    modules, names = page_imports(root)
    for name in (*modules, *DRAWING_MODULES):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            log.warning("preload: %s did not import: %s", name, exc)
    for name in names:  # `from m import n`: n is a name m defines, or a submodule when m is a package
        parent, _, attr = name.rpartition(".")
        module = sys.modules.get(parent)
        if module is not None and hasattr(module, "__path__") and not hasattr(module, attr):
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
