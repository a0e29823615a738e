"""The library's error and warning messages are what people read when something goes wrong (the
CLI's ``error:`` line, the dashboard's error box, a notebook's traceback), so they go through
gettext like every other message: a Spanish user gets a Spanish sentence, the structured
fields (``source``, ``column``, ``parameter``) stay as they were.

The static check reads the sources: a message given to an error of ours, to
:func:`geo_outreach.errors.warn` or to :func:`warnings.warn` must come from ``_()`` /
``ngettext()`` (directly, through ``.format``, or through a local variable built so); a plain
string, an f-string or a concatenation is an untranslated message.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "geo_outreach"

#: our exceptions: every GeoOutreachError subclass, found in the sources
_BASES = {"GeoOutreachError", "InputError", "NoSolutionError", "SolverError"}
_TRANSLATORS = {"_", "ngettext", "gettext", "pgettext"}


def _error_classes() -> set[str]:
    names = set(_BASES) | {"CRSError", "OSMFormatError", "NetworkError"}
    grew = True
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PKG.rglob("*.py")]
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


class _Checker(ast.NodeVisitor):
    def __init__(self, errors: set[str]) -> None:
        self.errors = errors
        self.bad: list[int] = []
        self.scopes: list[dict[str, list[ast.expr]]] = [{}]

    # the values each local name is given in the enclosing function (or module)
    def _assignments(self, body: ast.AST) -> dict[str, list[ast.expr]]:
        found: dict[str, list[ast.expr]] = {}
        for node in ast.walk(body):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        found.setdefault(t.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign | ast.AugAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                found.setdefault(node.target.id, []).append(node.value)
        return found

    def visit_Module(self, node: ast.Module) -> None:
        self.scopes = [self._assignments(node)]
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append(self._assignments(node))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 (ast.NodeVisitor's name)

    def translated(self, expr: ast.expr, seen: frozenset[str] = frozenset()) -> bool:
        if isinstance(expr, ast.Call):
            name = _callee(expr)
            if name in _TRANSLATORS:
                return True
            if name == "format" and isinstance(expr.func, ast.Attribute):
                return self.translated(expr.func.value, seen)
            if name == "join" and isinstance(
                expr.func, ast.Attribute
            ):  # " ".join(translated parts)
                return isinstance(expr.func.value, ast.Constant) and all(
                    self.translated(a, seen) for a in expr.args
                )
            return True  # a helper that builds the message (checked where it is written)
        if isinstance(expr, ast.Constant):  # punctuation between translated parts is fine
            return not isinstance(expr.value, str) or not any(c.isalpha() for c in expr.value)
        if isinstance(expr, ast.JoinedStr):  # f"{path}: {exc}" has no words of its own
            return all(self.translated(v, seen) for v in expr.values if isinstance(v, ast.Constant))
        if isinstance(expr, ast.BinOp):
            return self.translated(expr.left, seen) and self.translated(expr.right, seen)
        if isinstance(expr, ast.IfExp):
            return self.translated(expr.body, seen) and self.translated(expr.orelse, seen)
        if isinstance(expr, ast.List | ast.Tuple | ast.GeneratorExp | ast.ListComp):
            return True  # parts joined elsewhere
        if isinstance(expr, ast.Name):
            if expr.id in seen:
                return True
            values = self.scopes[-1].get(expr.id) or self.scopes[0].get(expr.id) or []
            return all(self.translated(v, seen | {expr.id}) for v in values)
        return True  # attributes, subscripts: data, not sentences

    def visit_Raise(self, node: ast.Raise) -> None:
        exc = node.exc
        call = isinstance(exc, ast.Call) and _callee(exc) in self.errors and exc.args
        if call and not self.translated(exc.args[0]):
            self.bad.append(node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        message = None
        if name == "warn":
            is_warnings = (
                isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", "") == "warnings"
            )
            index = 0 if is_warnings else 1
            if len(node.args) > index:
                message = node.args[index]
            elif not is_warnings:
                message = next((k.value for k in node.keywords if k.arg == "message"), None)
        if message is not None and not self.translated(message):
            self.bad.append(node.lineno)
        self.generic_visit(node)


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "locale" not in p.parts)


@pytest.fixture(scope="module")
def error_classes() -> set[str]:
    return _error_classes()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_error_and_warning_messages_go_through_gettext(path: Path, error_classes: set[str]):
    checker = _Checker(error_classes)
    checker.visit(ast.parse(path.read_text(encoding="utf-8")))
    where = ", ".join(f"{path.relative_to(PKG.parent)}:{n}" for n in checker.bad)
    assert not checker.bad, f"untranslated error or warning messages at {where}: wrap them in _()"


def test_the_checker_catches_plain_and_f_string_messages(error_classes: set[str]):
    src = """
def f(x):
    msg = f"bad {x}"
    if x:
        raise InputError("plain")
    if x > 1:
        raise CRSError(f"fstring {x}")
    if x > 2:
        raise InputError(msg)
    raise InputError(_("fine {x}").format(x=x) + " " + _("also fine"), source="a")
"""
    checker = _Checker(error_classes)
    checker.visit(ast.parse(src))
    assert checker.bad == [5, 7, 9]
