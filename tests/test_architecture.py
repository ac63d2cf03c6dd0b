"""The package's layers import one way (docs/architecture.md): checked on the source, so a new
upward import, import circle or private cross-module import fails here before review."""

from __future__ import annotations

import ast

from .conftest import ROOT

PACKAGE = ROOT / "classifier"
LAYERS = [
    ("basics", {"classifier.errors", "classifier.defaults", "classifier.files", "classifier.progress",
                "classifier.validation", "classifier.fingerprints", "classifier.cores", "classifier.version",
                "classifier.unicode_text", "classifier.steps", "classifier.decision_targets",
                "classifier.text_limits"}),
    ("model and I/O", {"classifier.io", "classifier.estimators", "classifier.labels", "classifier.metrics",
                       "classifier.model", "classifier.explain", "classifier.settings"}),
    ("domain", {"classifier.training", "classifier.prediction", "classifier.insight", "classifier.audit"}),
    ("api", {"classifier.api"}),
    ("interface", {"classifier.cli", "classifier.__main__", "classifier", "classifier.service"}),
]


def modules() -> dict[str, object]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def layer(name: str) -> int:
    best = None
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (number, len(prefix))
    assert best is not None, f"{name} belongs to no layer: add it to docs/architecture.md and LAYERS"
    return best[0]


def imports(name: str, path) -> list[tuple[str, str]]:
    """``(imported module, imported name)`` for every import in the module, wherever it stands."""
    found = []
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found += [(base, alias.name) for alias in node.names]
    return found


def edges() -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        for module, imported in imports(name, path):
            target = f"{module}.{imported}" if f"{module}.{imported}" in mods else module
            if target in mods and target != name:
                graph.setdefault(name, set()).add(target)
    return graph


def test_every_module_is_in_a_layer_and_opens_with_a_docstring():
    for name, path in modules().items():
        layer(name)
        assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path} has no docstring"


def test_imports_point_down_the_layers():
    upward = []
    for name, targets in edges().items():
        for target in targets:
            if layer(target) > layer(name):
                upward.append(f"{name} ({LAYERS[layer(name)][0]}) imports {target} ({LAYERS[layer(target)][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_no_import_circle():
    graph = edges()
    state: dict[str, int] = {}
    circle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                circle.extend(path[path.index(target):] + [node, target] if target in path else [node, target])
                return True
            if target not in state and visit(target, path + [node]):
                return True
        state[node] = 2
        return False

    for node in sorted(graph):
        if node not in state and visit(node, []):
            break
    assert not circle, " -> ".join(circle)


def test_no_private_name_crosses_a_module_boundary():
    mods = modules()
    crossing = [f"{name} imports {module}.{imported}"
                for name, path in mods.items() for module, imported in imports(name, path)
                if module in mods and module != name and imported.startswith("_") and not imported.startswith("__")]
    assert not crossing, "\n".join(crossing)


def test_only_the_interface_imports_the_api():
    users = sorted(name for name, targets in edges().items() if "classifier.api" in targets)
    assert all(layer(name) == len(LAYERS) - 1 for name in users), users
