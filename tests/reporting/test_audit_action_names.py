"""Every action the cabinet writes to the audit log has a name on the audit log page in English and in Russian: the
action codes are read from the code that writes them, so a new one without its names fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from cabinet.i18n import LOCALES, catalog
from cabinet.payouts import NEXT

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"audit": 1, "audit_acted": 2}  # `cabinet.auth`'s writers: the action's place among their arguments
# codes made at run time from a value the module does not hold: how the rest of the code base bounds that value
FORMED = {("cabinet/payouts.py", "f'payout_{status}'"): {f"payout_{s}" for steps in NEXT.values() for s in steps}}


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _params(func: ast.FunctionDef) -> list[str]:
    return [a.arg for a in (*func.args.posonlyargs, *func.args.args)]


class _Module:
    """One module's audit-log writes: the codes it writes, and the action expressions it could not resolve."""

    def __init__(self, path: Path) -> None:
        self.path = str(path.relative_to(ROOT))
        self.tree = ast.parse(path.read_text(encoding="utf-8"), self.path)
        self.constants = {
            t.id: n.value.value
            for n in self.tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        self.all_calls: list[tuple[ast.FunctionDef | None, ast.Call]] = []
        self._collect(self.tree, None)
        self.writers = dict(WRITERS)  # and this module's own helpers that pass their `action` on to one
        self.codes: set[str] = set()
        self.unresolved: set[str] = set()

    def _calls(self, names: set[str]) -> list[tuple[ast.FunctionDef | None, ast.Call]]:
        """The calls of `names`, each with the function it is in (None: at the module's top)."""
        return [(func, call) for func, call in self.all_calls if _name(call.func) in names]

    def _collect(self, node: ast.AST, func: ast.FunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                self.all_calls.append((func, child))
            self._collect(child, child if isinstance(child, ast.FunctionDef) else func)

    def find_writers(self) -> None:
        """Helpers taking the action as a parameter and handing it to a writer (`_log`, `_audit`, `audit_acted`)."""
        grew = True
        while grew:
            grew = False
            for func, call in self._calls(set(self.writers)):
                action = _argument(call, self.writers[_name(call.func) or ""], "action")
                if (
                    func
                    and isinstance(action, ast.Name)
                    and action.id in _params(func)
                    and func.name not in self.writers
                ):
                    self.writers[func.name] = _params(func).index(action.id)
                    grew = True

    def _values(self, node: ast.expr | None, func: ast.FunctionDef | None) -> set[str] | None:
        """The strings `node` can be inside `func`; None when they cannot be told from this module."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            body, orelse = self._values(node.body, func), self._values(node.orelse, func)
            return None if body is None or orelse is None else body | orelse
        if isinstance(node, ast.Name) and isinstance(self.constants.get(node.id), str):
            return {self.constants[node.id]}
        if isinstance(node, ast.Name) and func is not None and node.id in _params(func):
            return self._passed(func, _params(func).index(node.id), node.id)
        if isinstance(node, ast.JoinedStr):
            out = {""}
            for part in node.values:
                got = self._values(part.value if isinstance(part, ast.FormattedValue) else part, func)
                if got is None:
                    return None
                out = {a + b for a in out for b in got}
            return out
        return None

    def _passed(self, func: ast.FunctionDef, position: int, name: str) -> set[str] | None:
        """What this module's calls of `func` pass as its parameter `name`; None if one passes what it cannot tell."""
        calls = self._calls({func.name})
        out: set[str] = set()
        for caller, call in calls:
            got = self._values(_argument(call, position, name), caller)
            if got is None:
                return None
            out |= got
        return out if calls else None

    def scan(self) -> None:
        self.find_writers()
        for func, call in self._calls(set(self.writers)):
            action = _argument(call, self.writers[_name(call.func) or ""], "action")
            if func and func.name in self.writers and isinstance(action, ast.Name) and action.id in _params(func):
                continue  # a helper passing its own parameter on: its callers are scanned
            got = self._values(action, func)
            if got is None:
                self.unresolved.add(ast.unparse(action) if action else "?")
            else:
                self.codes |= got
        for node in ast.walk(self.tree):  # a row inserted as is (a migration's `audit_log.insert().values(...)`)
            if isinstance(node, ast.Call) and _name(node.func) not in self.writers:
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    self.codes.add(action.value)


def written_codes(*parts: str) -> set[str]:
    """Every action code the Python files under `parts` write to the audit log (FORMED stands for the codes made
    from a value the writing module does not bound); AssertionError naming a write whose codes cannot be told."""
    codes: set[str] = set()
    for path in sorted(p for part in parts for p in (ROOT / part).rglob("*.py")):
        module = _Module(path)
        module.scan()
        codes |= module.codes
        for expression in module.unresolved:
            formed = FORMED.get((module.path, expression))
            assert formed is not None, f"{module.path} writes the audit action {expression}: add its codes to FORMED"
            codes |= formed
    return codes


def test_every_action_written_has_a_name_in_each_language() -> None:
    codes = written_codes("cabinet", "migrations")
    assert {"login", "login_failed", "impersonate", "weekly_summaries", "staff_digests", "payout_details_viewed",
            "payout_paid", "offer_access_revoked", "promo_code_issued", "link_archived", "postback_paused",
            "etl_reprocess_requested", "plan_changed", "payout_cancelled"} <= codes  # fmt: skip
    assert len(codes) >= 80, sorted(codes)
    for locale in LOCALES:
        missing = sorted(c for c in codes if f"audit.action_{c}" not in catalog(locale))
        assert not missing, f"audit actions without a name in {locale}: {missing}"


def test_the_scan_finds_codes_through_helpers_constants_and_choices(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "cabinet").mkdir()
    (tmp_path / "cabinet" / "thing.py").write_text(
        "ACTION = 'thing_swept'\n"
        "def _log(session, scope, action, item):\n    audit(session, action, target=item)\n"
        "def _decide(session, scope, status):\n    _log(session, scope, f'thing_{status}', 1)\n"
        "def approve(session, scope, yes):\n    _decide(session, scope, 'approved' if yes else 'rejected')\n"
        "def sweep(session):\n    audit(session, ACTION)\n    audit_acted(session, None, 'thing_seen', 't', {})\n"
    )
    (tmp_path / "cabinet" / "loose.py").write_text("def step(session, status):\n    audit(session, f'x_{status}')\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    module = _Module(tmp_path / "cabinet" / "thing.py")
    module.scan()
    assert module.codes == {"thing_approved", "thing_rejected", "thing_swept", "thing_seen"}
    assert not module.unresolved
    loose = _Module(tmp_path / "cabinet" / "loose.py")
    loose.scan()
    assert loose.unresolved == {"f'x_{status}'"}
