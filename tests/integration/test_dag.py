"""Runs the real Snakemake DAG end to end on a small synthetic config (CPU, a few minutes)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "integration" / "config.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]

pytestmark = pytest.mark.integration


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SNAKEMAKE, "--configfile", str(CONFIG), *args], cwd=workdir,
                          capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the workflow (not the library, which is installed) in a fresh folder, then the full run."""
    wd = tmp_path_factory.mktemp("dag")
    for name in ["Snakefile", "config.yaml", "workflow", "profiles", "envs", "configs"]:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, wd / name)
        elif src.exists():
            shutil.copy(src, wd / name)
    run = _snakemake(wd, "--cores", "2", "results/detection_table.csv", "results/sr_table.csv")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    return wd


def _table(path: Path) -> dict[str, dict]:
    with open(path, newline="") as fh:
        return {row["condition"]: row for row in csv.DictReader(fh)}


def test_detection_table_has_every_condition_and_hr_wins(workdir):
    rows = _table(workdir / "results" / "detection_table.csv")
    assert set(rows) >= {"hr", "lr", "bicubic"}
    hr = float(rows["hr"]["hmean"])
    assert hr > 0.5, rows
    assert hr > float(rows["bicubic"]["hmean"]) and hr > float(rows["lr"]["hmean"]), rows
    assert all(int(r["n_gt"]) > 0 for r in rows.values())


def test_sr_table_has_bicubic_psnr(workdir):
    rows = _table(workdir / "results" / "sr_table.csv")
    assert 15.0 < float(rows["bicubic"]["psnr_y"]) < 40.0


def test_second_dry_run_has_nothing_to_do(workdir):
    run = _snakemake(workdir, "-n", "--cores", "2", "results/detection_table.csv", "results/sr_table.csv")
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Nothing to be done" in run.stdout + run.stderr


def test_logs_and_benchmarks_are_written(workdir):
    assert list((workdir / "logs" / "detect").rglob("*.log"))
    assert list((workdir / "benchmarks" / "detect").rglob("*.tsv"))
