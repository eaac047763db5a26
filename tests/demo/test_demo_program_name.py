"""`cabinet demo` after `cabinet init --program-name "Acme Partners"` keeps the operator's name; a fresh install's
default name becomes the demo's. It renamed any program "Demo Affiliate Program" without a word."""

from __future__ import annotations

from pathlib import Path

from cabinet.demo.program import DEMO_NAME
from cabinet.program import DEFAULT_NAME
from cabinet.store.db import make_engine, session_scope
from cabinet.store.models import ProgramSettings
from tests.demo.test_demo_base_currency import SMALL, _cli, store  # noqa: F401 - the fixture


def _name(url: str) -> str:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            return s.get(ProgramSettings, 1).name
    finally:
        engine.dispose()


def test_the_demo_keeps_a_name_init_gave(store: str, tmp_path: Path) -> None:  # noqa: F811
    assert _cli("init", "--program-name", "Acme Partners").exit_code == 0
    out = _cli("demo", *SMALL)
    assert out.exit_code == 0, out.output
    assert _name(store) == "Acme Partners"


def test_a_fresh_install_gets_the_demos_name(store: str, tmp_path: Path) -> None:  # noqa: F811
    assert _cli("init").exit_code == 0
    assert _name(store) == DEFAULT_NAME
    out = _cli("demo", *SMALL)
    assert out.exit_code == 0, out.output
    assert _name(store) == DEMO_NAME
