"""Package boundaries: `import theory` stays torch-free; the console script teaches."""

from __future__ import annotations

import subprocess
import sys


def test_import_theory_does_not_import_torch():
    code = "import sys, theory, theory.registry as r; r.ids(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_cli_help_lists_commands():
    from numerics.cli import build_parser

    text = build_parser().format_help()
    assert "report" in text and "ranks" in text and "theorems" in text
