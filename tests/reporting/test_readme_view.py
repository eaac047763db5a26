"""README's "Adding a view": its query module, page file and test, as written there, work in a copy of the app; its
notebook lines read the warehouse; the helpers it names exist."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import shutil
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from streamlit.testing.v1 import AppTest

from cabinet.access import Scope
from cabinet.session import SESSION_KEY, SessionUser
from cabinet.ui import menu
from queries.reports import ReportRequest, performance
from queries.warehouse import SnapshotInfo, Warehouse
from tests.reporting.conftest import Program
from tests.reporting.test_pages import ROLES, _open, shown_or_refused
from tests.test_layers import _imports as imports
from tests.test_layers import _page_may_import as page_may_import

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    return (ROOT / "README.md").read_text().split("## Adding a view", 1)[1].split("\n## ", 1)[0]


def _example(path: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", _section(), re.S)
    [code] = [b for b in blocks if b.startswith(f"# {path}\n")]
    return code


def _example_pages() -> list[str]:
    """The page files the guide writes out (`pages/24_top_sub_ids.py`, ...)."""
    blocks = re.findall(r"```python\n# (pages/\S+\.py)\n", _section())
    assert len(blocks) >= 2, blocks  # a view with its own query, and one of the cabinet's metrics
    return blocks


def _load(name: str, file: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _app_with_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A copy of the app under `tmp_path` with the guide's pages beside the real ones, its query module importable as
    `queries.top_sub_ids` (returned), and the menu reading the copy's pages."""
    module = tmp_path / "top_sub_ids.py"
    module.write_text(_example("queries/top_sub_ids.py"))
    spec = importlib.util.spec_from_file_location("queries.top_sub_ids", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "queries.top_sub_ids", loaded)
    spec.loader.exec_module(loaded)
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    for page in _example_pages():
        (tmp_path / page).write_text(_example(page))
    monkeypatch.setattr(menu, "PROJECT_ROOT", tmp_path)
    return loaded


def test_the_readme_example_view_is_two_files_and_keeps_to_the_scope(
    program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _app_with_example(tmp_path, monkeypatch)

    def page(user: str) -> AppTest:
        at = AppTest.from_file(str(tmp_path / "app.py"), default_timeout=60)
        at.session_state[SESSION_KEY] = program.users[user]
        at = at.switch_page("pages/24_top_sub_ids.py").run()
        assert not at.exception, at.exception
        return at

    admin = page("root")
    assert "Top sub IDs" in [link.proto.label for link in admin.get("page_link")]
    every = admin.dataframe[0].value
    assert every["ftds"].sum() >= 1 and every["conversions"].sum() >= every["ftds"].sum()
    partner = page("p_parent")  # a partner is refused by the guard, and has no menu entry
    assert partner.error and not partner.dataframe
    assert partner.error[0].value in " ".join(_section().split())  # the refusal as the guide quotes it
    assert "Top sub IDs" not in [link.proto.label for link in partner.get("page_link")]
    scoped = loaded.top_sub_ids(program.users["p_child"].scope, wh=_warehouse(program), date_from=date(2026, 11, 1),
                             date_to=date(2026, 11, 2), tz="UTC")  # fmt: skip
    assert scoped["conversions"].sum() < every["conversions"].sum()  # the child's scope holds less than the program
    # the test the guide has a new view's author write, as written there, where it would stand (its ROOT: the copy)
    test = tmp_path / "tests" / "reporting" / "test_top_sub_ids.py"
    test.parent.mkdir(parents=True)
    test.write_text(_example("tests/reporting/test_top_sub_ids.py"))
    written = _load("readme_test_top_sub_ids", test)
    tests = [f for name, f in inspect.getmembers(written, inspect.isfunction) if name.startswith("test_")]
    assert len(tests) == 2, tests  # the scope test and the page test
    for written_test in tests:
        written_test(program)


@pytest.mark.parametrize("role", ROLES)
def test_the_readme_example_pages_pass_the_every_page_test(
    program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    """The guide's command runs tests/reporting/test_pages.py on the new page: as a partner, whose refusal names a
    page the menu has no label of yet, it raised MissingTranslation 'menu.top_sub_ids'."""
    _app_with_example(tmp_path, monkeypatch)
    for page in _example_pages():
        shown_or_refused(program, page, role, root=tmp_path)


def test_the_readme_metrics_view_keeps_to_the_scope(
    program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide's EPC-by-offer page as a partner holds its own clicks only, by offer name, with their total; staff
    read their partners', or one partner's when picked."""
    _app_with_example(tmp_path, monkeypatch)
    [page] = [p for p in _example_pages() if "data.report(" in _example(p)]
    req = ReportRequest(date(2026, 11, 1), date(2026, 11, 10), "UTC", (), ("clicks",))

    def clicks(user: str) -> int:
        return int(performance(program.users[user].scope, wh=_warehouse(program), req=req)["clicks"].sum())

    def total(at: AppTest) -> int:
        table = at.dataframe[0].value
        assert table.iloc[-1, 0] == "Total" and "·" in table.iloc[0, 0]  # offers by id and name, then the total
        return int(table.iloc[-1]["Clicks"])

    partner = _open(page, program.users["p_parent"], tmp_path)
    assert not partner.exception and "epc_by_offer_partner" not in [box.key for box in partner.selectbox]
    assert total(partner) == clicks("p_parent") < clicks("root")
    assert partner.get("plotly_chart")  # a gold partner sees EPC, and its chart
    staff = _open(page, program.users["mgr"], tmp_path)
    assert total(staff) == clicks("mgr")
    picked = staff.selectbox(key="epc_by_offer_partner").set_value(program.users["p_child"].partner_id).run()
    assert not picked.exception and total(picked) == clicks("p_child") < clicks("mgr")


def test_the_readme_example_pages_keep_the_import_rule(tmp_path: Path) -> None:
    """The guide's pages import only what tests/test_layers.py lets a page import."""
    for name in _example_pages():
        page = tmp_path / Path(name).name
        page.write_text(_example(name))
        assert "cabinet.ui" in imports(page)
        assert not [m for m in imports(page) if not page_may_import(m)]


def test_the_readme_example_pages_take_free_numbers() -> None:
    """`12_top_subs.py` stood beside `12_program.py`: two pages of one number. An example itself, once it stays, is
    its own number's page."""
    names = [Path(page).name for page in _example_pages()]
    assert len({n.split("_", 1)[0] for n in names}) == len(names)
    said = re.search(r"01–(\d+) are taken", " ".join(_section().split()))  # the guide's `ls pages`
    assert said and int(said[1]) == max(int(p.name.split("_", 1)[0]) for p in (ROOT / "pages").glob("*.py"))
    for name in names:
        taken = {p.name.split("_", 1)[0] for p in (ROOT / "pages").glob("*.py") if p.name != name}
        assert name.split("_", 1)[0] not in taken
        assert not [p.name for p in (ROOT / "pages").glob(f"*_{name.split('_', 1)[1]}") if p.name != name]  # one URL


def test_no_test_writes_a_page_of_a_readme_example_name() -> None:
    """The menu's test wrote its own `12_top_subs.py` beside the pages: with the guide's `24_top_subs.py` added as
    the guide says, two pages had the address /top_subs and every page stopped on Streamlit's error."""
    for page in _example_pages():
        name = Path(page).name.split("_", 1)[1]
        written = re.compile(rf'"\d+_{re.escape(name)}"')
        writers = [str(t.relative_to(ROOT)) for t in (ROOT / "tests").rglob("*.py")
                   if t.name != Path(__file__).name and written.search(t.read_text())]  # fmt: skip
        assert not writers, f"{writers} write a page named like the guide's example {name}"


def test_the_readme_notebook_reads_the_published_warehouse(
    program: Program, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CABINET_DATA_DIR", str(program.tiny.settings.data_dir))
    exec(compile(_example("a notebook"), "README notebook", "exec"), {})  # noqa: S102 - the README's own lines
    shown = capsys.readouterr().out
    assert "'clicks'" in shown and "'conversions'" in shown and "mobile" in shown
    work = program.tiny.settings.warehouse_dir / "work.duckdb"
    assert work.name in _section()  # the file it warns about is the ETL's working file
    assert work.is_file()


def test_the_readme_notebook_as_a_login_reads_its_scope(
    program: Program, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lines run as the demo's manager1 does, as the tiny program's manager: its partners' clicks only."""
    monkeypatch.setenv("CABINET_DATA_DIR", str(program.tiny.settings.data_dir))
    code = _example("a notebook, as a login")
    assert code.count('"manager1"') == 1
    names: dict[str, object] = {}
    exec(compile(code.replace('"manager1"', '"mgr"'), "README notebook", "exec"), names)  # noqa: S102
    assert "mobile" in capsys.readouterr().out
    login, req = names["login"], names["req"]
    assert isinstance(login, SessionUser) and login.scope.role == "manager" and isinstance(req, ReportRequest)
    mine = performance(login.scope, wh=_warehouse(program), req=req)["clicks"].sum()
    assert 0 < mine < performance(program.users["root"].scope, wh=_warehouse(program), req=req)["clicks"].sum()


HELPERS = re.compile(r"`((?:cabinet|queries|widgets|dates|data|charts)\.[A-Za-z_][\w.]*)")


def test_the_helpers_the_guide_names_exist() -> None:
    """`widgets.partner_picker`, `queries.reports.performance`...: a rename leaves the guide naming nothing."""
    names = set(HELPERS.findall(_section()))
    assert {"queries.reports.performance", "widgets.period_picker", "cabinet.program.FEATURES"} <= names
    for name in sorted(names):
        full = f"cabinet.ui.{name}" if name.split(".")[0] in ("widgets", "dates", "data", "charts") else name
        parts = full.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(parts[:cut]))
                break
            except ModuleNotFoundError:
                continue
        for attr in parts[cut:]:
            assert hasattr(found, attr), f"README's 'Adding a view' names {name}: {full} has no {attr}"
            found = getattr(found, attr)


FILES = re.compile(r"`((?:cabinet|queries|etl|tests|pages)/[\w./-]+\.(?:py|json))`")
OWNERS: dict[str, type] = {"user": SessionUser, "scope": Scope, "wh": Warehouse, "snap": SnapshotInfo,
                           "program": Program}  # fmt: skip


def test_the_files_and_fields_the_guide_names_exist() -> None:
    """`tests/reporting/view_scope.py`, `etl/schema.py`, `user.visible_metrics`, `snap.data_as_of`...: a file moved
    or a field renamed leaves the guide naming nothing."""
    files = set(FILES.findall(_section()))
    assert {"etl/schema.py", "tests/reporting/view_scope.py", "cabinet/ui/menu.py"} <= files
    assert not [f for f in sorted(files) if not (ROOT / f).is_file()]
    fields = set(re.findall(r"\b(user|scope|wh|snap|program)\.([a-z_]\w*)", _section()))
    assert {("user", "visible_metrics"), ("snap", "snapshot_id"), ("program", "outsider")} <= fields
    for owner, name in sorted(fields):
        kind = OWNERS[owner]
        assert hasattr(kind, name) or name in getattr(kind, "__dataclass_fields__", {}), f"{kind.__name__}.{name}"


def _warehouse(program: Program) -> Warehouse:
    return Warehouse(program.tiny.settings.warehouse_dir)
