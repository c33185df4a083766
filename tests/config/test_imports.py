"""config sits at the bottom: importing every config module loads nothing of the product."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_config_imports_nothing_of_the_product() -> None:
    modules = sorted(f"config.{p.stem}" for p in CONFIG.glob("*.py") if p.stem != "__init__")
    script = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dispatch', 'streams', 'dashboard')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
