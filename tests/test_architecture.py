"""The architecture holds: one-directional layers, one settings module, no streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "geo_outreach"

#: Layer of each subpackage (a module may import its own layer and the layers below).
LAYERS = {
    "errors": 0, "config": 0, "i18n": 0, "files": 0, "validation": 0, "palettes": 0, "domain": 0,
    "data": 1, "network": 2, "analysis": 3, "optimize": 4, "present": 5,
    "visits": 5, "team": 5, "api": 6, "cli": 7, "__main__": 7,
}  # fmt: skip


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "geo_outreach" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def test_layers_import_only_downwards():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        own = LAYERS.get(rel.parts[0].removesuffix(".py"))
        if own is None:
            continue
        for line, module in _imports(path):
            layer = _layer(module)
            if layer is not None and layer > own:
                bad.append(f"{rel}:{line} imports {module}")
    assert not bad, "\n".join(sorted(set(bad)))


def test_no_streamlit_in_the_library():
    hits = [
        f"{p.relative_to(PKG)}:{line}"
        for p in PKG.rglob("*.py")
        for line, module in _imports(p)
        if module.split(".")[0] == "streamlit"
    ]
    assert not hits


def test_settings_are_read_in_one_module():
    """Only ``geo_outreach/config.py`` reads the environment, in the package and the app
    (a name held in a constant counts too); the OS user name is not a setting."""
    allowed = {'os.environ.get("USER")', 'os.environ.get("USERNAME")'}
    reads = re.compile(r"os\.environ\.get\([^)]*\)|os\.getenv\([^)]*\)|os\.environ\[[^]]*\]")
    hits = []
    for path in [*PKG.rglob("*.py"), *(PKG.parent / "app").rglob("*.py")]:
        if path.name == "config.py" and path.parent == PKG:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(m not in allowed for m in reads.findall(line)):
                hits.append(f"{path.relative_to(PKG.parent)}:{i}")
    assert not hits, hits
