"""The workflow itself (no jobs run): lint, the paper-scale dry run, the SLURM profile's dry run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("snakemake")


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    """The workflow files in an empty folder: no results, no downloads, nothing cached."""
    wd = tmp_path_factory.mktemp("wf")
    for name in ["Snakefile", "config.yaml", "workflow", "profiles", "envs", "configs"]:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, wd / name)
    return wd


def _snakemake(wd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=wd, capture_output=True, text=True,
                          timeout=300)


def _job_counts(out: str) -> dict[str, int]:
    table = out.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_lint_is_clean(workflow_copy):
    run = _snakemake(workflow_copy, "--lint")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Congratulations" in run.stdout + run.stderr


def test_paper_config_plans_the_whole_study_without_downloading(workflow_copy):
    run = _snakemake(workflow_copy, "-n", "results/detection_table.csv", "results/sr_table.csv",
                     "--configfile", "configs/paper.yaml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    jobs = _job_counts(run.stdout)
    # 7 test sets x (hr + 2 scales x (lr, bicubic, rcan-official, rcan/rcan_dat @ div2k)) + textzoom's 2 models at x2
    # = 7 x (1 + 2 x 5 + 2) = 91 detections; trained: 2 methods x (div2k x2, div2k x4, textzoom x2) = 6
    assert jobs["detect"] == 91 and jobs["evaluate"] == 91
    assert jobs["train"] == 6
    # 6 catalogue test sets (ctw1500 and ctw1500_2020 share one) + div2k + textzoom + set5, set14, b100, urban100
    assert jobs["prepare_dataset"] == 12 and jobs["fetch"] > 0
    assert "synthetic_dataset" not in jobs  # config.yaml's synthetic sets are replaced, not merged
    assert not (workflow_copy / "resources" / "downloads").exists()  # a dry run downloads nothing


def test_slurm_profile_dry_run_requests_gpus(workflow_copy):
    run = _snakemake(workflow_copy, "-n", "--workflow-profile", "profiles/slurm", "results/detection_table.csv")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    detect = out.split("rule detect:", 1)[1].split("\n[", 1)[0]  # one job's block ends at the next timestamp
    assert "gpu=1" in detect and "slurm_partition=gpu" in detect
    evaluate = out.split("rule evaluate:", 1)[1].split("\n[", 1)[0]
    assert "gpu=" not in evaluate and "slurm_partition=cpu" in evaluate
