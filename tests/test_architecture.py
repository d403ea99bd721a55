"""The layers of ARCHITECTURE.md, read from the code: no module imports a layer above its own, no
module-level import circle, and every file and function small enough to hold in one's head."""

from __future__ import annotations

import ast
from pathlib import Path

from sozialmonitor.settings import PROJECT_ROOT

# Bottom to top: each layer may import itself and the layers below it.
LAYERS = ("ingest", "expectations", "sozialmonitor", "orchestration")
# Entry points may load the code location lazily, inside the function that needs it.
ENTRY_POINTS = {"sozialmonitor/cli.py"}
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80


def modules() -> dict[str, Path]:
    """Dotted module name → file, for every package of the platform (tests and bench are above all)."""
    found = {}
    for layer in LAYERS:
        for path in sorted((PROJECT_ROOT / layer).rglob("*.py")):
            parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def is_module(dotted: str) -> bool:
    path = PROJECT_ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: Path, *, module_level_only: bool) -> list[tuple[str, int]]:
    """The platform modules a file imports, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports the module; `from module import name`, the module
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append((submodule if is_module(submodule) else node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] in LAYERS]


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for path in modules().values():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        own = LAYERS.index(relative.split("/")[0])
        lazy_allowed = relative in ENTRY_POINTS
        for name, line in imports(path, module_level_only=lazy_allowed):
            if LAYERS.index(name.split(".")[0]) > own:
                upward.append(f"{relative}:{line} imports {name}")
    assert upward == []


def test_an_entry_point_imports_the_code_location_only_inside_a_function() -> None:
    for relative in ENTRY_POINTS:
        module_level = imports(PROJECT_ROOT / relative, module_level_only=True)
        assert not [name for name, _ in module_level if name.startswith("orchestration")]


def test_no_import_circle() -> None:
    known = modules()
    graph = {
        module: {name for name, _ in imports(path, module_level_only=False) if name in known} - {module}
        for module, path in known.items()
    }
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(graph[module]):
            if target in trail:
                circles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in finished:
                visit(target, [*trail, target])
        finished.add(module)

    finished: set[str] = set()
    for module in sorted(graph):
        if module not in finished:
            visit(module, [module])
    # a package's __init__ re-exporting its own modules is not a circle of two modules
    circles = [circle for circle in circles if len(set(circle.split(" -> "))) > 1]
    assert circles == []


def source_files() -> list[Path]:
    folders = (*LAYERS, "tests", "bench")
    return sorted(path for folder in folders for path in (PROJECT_ROOT / folder).rglob("*.py"))


def test_files_and_functions_stay_small() -> None:
    too_long = []
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{relative}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{relative}:{node.lineno} {node.name}: {length} lines")
    assert too_long == []
