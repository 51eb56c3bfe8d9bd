"""`branchflow ingest` starts without the libraries only rejections and reports need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def test_ingest_path_leaves_openpyxl_for_rejections() -> None:
    code = (
        "import sys, branchflow.cli, branchflow.pipeline, branchflow.archive.store\n"
        "print(' '.join(m for m in ('openpyxl', 'numpy', 'xlsxwriter') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == ""  # openpyxl alone costs ~0.3 s and 25 MB (it loads numpy)
