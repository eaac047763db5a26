"""Keeping the served cabinet's clicks clear of a full garbage collection over the libraries it loaded.

Streamlit collects garbage across all generations after every script run (`runner.postScriptGC`), holding the GIL:
every click of every session waits for it. Nearly all the objects it walks belong to the modules the pages imported
(SQLAlchemy, polars, plotly, pandas, pyarrow, the cabinet), which live as long as the process. `freeze_loaded` moves
what is alive into the collector's permanent generation whenever more modules were loaded than at its last freeze,
so later collections walk only what the runs since then made.

Nothing is imported at start for it: the pages load what they use when first opened (importing the login's cookie
manager before Streamlit's first script run keeps a browser's re-authentication cookie from being written again).
"""

from __future__ import annotations

import gc
import sys
import threading

from streamlit import config, runtime

_lock = threading.Lock()
_frozen_at = 0  # how many modules were loaded at the last freeze


def freeze_loaded() -> bool:
    """Collect, then freeze what is alive, when the served cabinet (Streamlit's runtime collecting after each run)
    has loaded modules since the last freeze; whether it froze. Called at the start of every page run: the run before
    imported what it needed and was collected after."""
    global _frozen_at
    if not runtime.exists() or not config.get_option("runner.postScriptGC"):
        return False  # AppTest and `runner.postScriptGC = false`: no collection after each run to keep short
    with _lock:
        loaded = len(sys.modules)
        if loaded <= _frozen_at:
            return False
        gc.collect()  # garbage made since the last run's collection is not kept for the process's life
        gc.freeze()
        _frozen_at = loaded
        return True
