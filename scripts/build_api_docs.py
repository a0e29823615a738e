"""Build the API reference (HTML) from the docstrings, and fail on a broken reference.

Usage: ``python scripts/build_api_docs.py [-o docs/api-reference]``

Two checks make it fail (exit 1) rather than publish a wrong page:

* pdoc itself warns (a docstring it cannot parse, a module that does not import);
* a cross reference in a docstring (``:func:`geo_outreach.analyze```, ``:class:`~.Plan```,
  ``:mod:`geo_outreach.files```...) names nothing that exists.  Each is resolved as Python
  would: absolute (``geo_outreach...``), relative to its module (``.io.read_visits_csv``),
  or a name of its module or class; references to other libraries (pandas, numpy...) are
  resolved only when the library is importable.

The output folder is written aside and renamed into place when complete.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`<>]+?)(?:\s*<([^>]+)>)?`")


def modules(package: str = "geo_outreach") -> list[ModuleType]:
    """Every module of the package, imported."""
    pkg = importlib.import_module(package)
    out = [pkg]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if ".migrations" in info.name or info.name.endswith("__main__"):  # not API
            continue
        out.append(importlib.import_module(info.name))
    return out


def _lookup(path: str) -> bool:
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def resolves(name: str, module: ModuleType, owner: Any | None) -> bool:
    """Whether ``name`` (a docstring reference) names an existing object."""
    name = re.sub(r"\s+", "", name).rstrip("()")
    if name.startswith("."):
        base = module.__name__
        package = base if hasattr(module, "__path__") else base.rsplit(".", 1)[0]
        rel = name.lstrip(".")
        up = len(name) - len(rel) - 1
        for _ in range(up):
            package = package.rsplit(".", 1)[0]
        if _lookup(f"{package}.{rel}") or _lookup(f"{base}.{rel}"):
            return True
        # ``~.Name`` in Sphinx searches the whole package for a unique match
        return _search_package(rel)
    head = name.split(".")[0]
    if owner is not None and hasattr(owner, head):
        return _lookup_in(owner, name)
    if hasattr(module, head):
        return _lookup_in(module, name)
    if _lookup(name):
        return True
    if importlib.util.find_spec(head) is None and head not in ("geo_outreach",):
        return True  # another library that is not installed here: not ours to check
    return _search_package(name)


def _lookup_in(obj: Any, name: str) -> bool:
    for attr in name.split("."):
        if not hasattr(obj, attr):
            return False
        obj = getattr(obj, attr)
    return True


_ALL: list[ModuleType] = []


def _search_package(name: str) -> bool:
    return any(_lookup_in(m, name) for m in _ALL)


def docstrings(module: ModuleType) -> list[tuple[str, str, Any]]:
    """``(where, docstring, owner class or None)`` of the module and what it defines."""
    out = [(module.__name__, module.__doc__ or "", None)]
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            out.append((f"{module.__name__}.{name}", obj.__doc__ or "", None))
        elif inspect.isclass(obj):
            out.append((f"{module.__name__}.{name}", obj.__doc__ or "", obj))
            for mname, member in vars(obj).items():
                fn = member.fget if isinstance(member, property) else member
                doc = getattr(fn, "__doc__", None)
                if doc and (inspect.isfunction(fn) or isinstance(member, property)):
                    out.append((f"{module.__name__}.{name}.{mname}", doc, obj))
    return out


def broken_references(mods: list[ModuleType]) -> list[str]:
    """``where: reference`` for every docstring reference that names nothing."""
    _ALL[:] = mods
    bad = []
    for module in mods:
        for where, doc, owner in docstrings(module):
            for m in ROLE.finditer(doc):
                target = m.group(2) or m.group(1)
                if not resolves(target, module, owner):
                    bad.append(f"{where}: {m.group(0)}")
    return bad


class _RefusedError(Exception):
    pass


def build(output: Path) -> list[str]:
    """Write the HTML reference to ``output``; return the problems found (nothing is written
    when there is one)."""
    import pdoc
    import pdoc.render

    from geo_outreach.files import atomic_dir

    mods = modules()
    problems = [f"broken reference {b}" for b in broken_references(mods)]
    if problems:
        return problems
    pdoc.render.configure(docformat="numpy", search=True, show_source=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings(record=True) as caught, atomic_dir(output) as tmp:
            warnings.simplefilter("always")
            # every module by name: the package's __all__ lists the API only, so pdoc
            # would not walk into the layers by itself
            pdoc.pdoc(*[m.__name__ for m in mods], output_directory=tmp)
            problems = [
                f"pdoc: {w.message}"
                for w in caught
                if ("pdoc" in (w.filename or "") or "pdoc" in str(w.message).lower())
                and "has already been added" not in str(w.message)  # a package and its module
            ]
            if problems:
                raise _RefusedError
    except _RefusedError:
        pass
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "docs" / "api-reference"))
    args = ap.parse_args(argv)
    problems = build(Path(args.output))
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s); the API reference was not published", file=sys.stderr)
        return 1
    print(f"wrote the API reference to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
