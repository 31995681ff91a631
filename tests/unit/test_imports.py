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


@pytest.mark.parametrize("module", [*MODULES, "loadtui.cli"])
def test_module_does_not_import_textual_or_rich(module: str) -> None:
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')); "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{module} imported: {done.stdout.strip()} {done.stderr[-500:]}"


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
