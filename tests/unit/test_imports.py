"""The engine never imports textual or rich: headless runs and reports must not need a screen."""

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
