"""The Snakefile and every rule file are formatted as `snakefmt` writes them (settings: [tool.snakefmt] in
pyproject.toml: 120 columns, directives kept in the order written). Fix with `snakefmt Snakefile workflow/rules/`.

snakefmt comes with the `test` extra; without it the test skips, except in CI (environment variable CI set), where
it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]


def _snakefmt() -> list[str] | None:
    exe = shutil.which("snakefmt") or str(Path(sys.executable).with_name("snakefmt"))
    return [exe] if Path(exe).is_file() else None


def test_rule_files_and_snakefile_are_snakefmt_formatted():
    command = _snakefmt()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("snakefmt is not installed (pip install -e .[test]); CI must check the format")
        pytest.skip("snakefmt is not installed (pip install -e .[test])")
    assert len(FILES) >= 12  # the Snakefile and the 11 rule files at least: a wrong glob checks nothing
    run = subprocess.run([*command, "--check", "--config", str(ROOT / "pyproject.toml"), *map(str, FILES)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"run `snakefmt Snakefile workflow/rules/`:\n{run.stdout[-3000:]}{run.stderr[-3000:]}"
