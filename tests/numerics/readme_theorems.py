"""Helpers for the tests that load a user's theorems the README's way: a fresh Python in a folder of
the user's, and the README's "Extend a theorem" module written there as ``my_theorems.py``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def run_python(argv, cwd, extra_path=()) -> subprocess.CompletedProcess:
    """``python *argv`` in ``cwd`` with this source tree (and ``extra_path``) on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, extra_path)]), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def write_my_theorems(folder: Path) -> None:
    """The README's extend-example block, as ``folder/my_theorems.py``."""
    block = re.search(r"<!-- extend-example:start -->\n```python\n(.*?)```\n<!-- extend-example:end -->",
                      README.read_text(encoding="utf-8"), re.S)
    (folder / "my_theorems.py").write_text(block.group(1), encoding="utf-8")
