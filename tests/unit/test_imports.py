"""The engine never imports textual or rich: headless runs and reports must not need a screen."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "loadtui" / "engine"
MODULES = sorted(f"loadtui.engine.{p.stem}" for p in ENGINE.glob("*.py") if p.stem != "__init__")


def test_there_are_engine_modules() -> None:
    assert {"loadtui.engine.session", "loadtui.engine.profiles", "loadtui.engine.reports"} <= set(MODULES)


def test_no_engine_module_imports_textual_or_rich() -> None:
    """Each module imported in turn in one fresh process (Locust's import is the cost: once, not 40
    times); the first that brings in textual or rich is named."""
    code = (
        "import importlib, sys\n"
        f"for module in {[*MODULES, 'loadtui.cli']!r}:\n"
        "    importlib.import_module(module)\n"
        "    bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "    if bad:\n"
        "        print(module, 'imported', ','.join(bad[:5]))\n"
        "        sys.exit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{done.stdout.strip()} {done.stderr[-500:]}"


def _imports_at_run_time(path: Path) -> set[str]:
    """The loadtui.engine modules ``path`` imports, leaving out ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import y / from . import x
                names = [node.module] if node.module else [alias.name for alias in node.names]
                found |= {f"loadtui.engine.{name.split('.')[0]}" for name in names}
            elif node.module and node.module.startswith("loadtui.engine."):
                found.add(".".join(node.module.split(".")[:3]))
        elif isinstance(node, ast.Import):
            found |= {".".join(a.name.split(".")[:3]) for a in node.names if a.name.startswith("loadtui.engine.")}
    return found & set(MODULES)


def test_the_engines_import_graph_has_no_circle() -> None:
    graph = {f"loadtui.engine.{p.stem}": _imports_at_run_time(p) for p in ENGINE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join((*path[path.index(module) :], module)))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


@pytest.mark.parametrize("module", ["loadtui.engine.durations"])
def test_bottom_of_the_import_graph_imports_nothing_of_loadtui(module: str) -> None:
    """Durations are used by profiles, thresholds and reports: importing them must not pull those in."""
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        f"extra = sorted(m for m in sys.modules if m.startswith('loadtui') and m not in "
        f"('loadtui', 'loadtui.engine', {module!r})); "
        "print(','.join(extra)); sys.exit(1 if extra else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{module} imported: {done.stdout.strip()} {done.stderr[-500:]}"


def test_thresholds_does_not_import_profiles() -> None:
    """thresholds once imported parse_duration from profiles inside a function: a hidden circle."""
    tree = ast.parse((ENGINE / "thresholds.py").read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    imported = {alias.name for node in imports for alias in node.names}
    imported |= {node.module for node in imports if isinstance(node, ast.ImportFrom) and node.module}
    assert not {name for name in imported if name and "profile" in name}, imported
