"""Issue 22, item 5: the primary verdict of a small study-like config survives a change of CPU kernels.

`tests/integration/kernels.yaml` (rcan_dat vs its control rcan_sa, two seeds each, bicubic) runs once with
PyTorch's AVX2 kernels (`ATEN_CPU_CAPABILITY=avx2`) and once more, training and everything after it forced, with
its scalar ones (`ATEN_CPU_CAPABILITY=default`), as two machine types would. Untrained files are shared: they do
not depend on the kernels (docs/results.md, "Kernel drift").
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_workflow

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "integration" / "kernels.yaml"
TARGETS = ("results/comparisons.csv", "results/sr_table.csv")

pytestmark = pytest.mark.integration


def _run(workdir: Path, capability: str, *args: str) -> tuple[list[dict], list[dict]]:
    """Builds TARGETS with ATEN_CPU_CAPABILITY=capability; their rows."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
    run = subprocess.run([sys.executable, "-m", "snakemake", *TARGETS, "--configfile", str(CONFIG), "--cores", "2",
                          *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    return tuple(_rows(workdir / target) for target in TARGETS)


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _brief(row: dict) -> str:
    return (f"{row['verdict']}: {row['diff']} [{row['ci_low']}, {row['ci_high']}], 90 % [{row['ci90_low']}, "
            f"{row['ci90_high']}], per seed {row['seed_diffs']}")


def _models(workdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(workdir)): p.read_bytes() for p in sorted(workdir.glob("results/models/**/model.pt"))}


def test_primary_verdict_is_the_same_under_avx2_and_scalar_kernels(tmp_path):
    copy_workflow(tmp_path)
    avx2, avx2_sr = _run(tmp_path, "avx2")
    avx2_models = _models(tmp_path)
    scalar, scalar_sr = _run(tmp_path, "default", "--forcerun", "train")
    scalar_models = _models(tmp_path)

    # the setting reached the training jobs: same seeds, other kernels, other weights and other SR images
    assert sorted(avx2_models) == sorted(scalar_models) and len(avx2_models) == 4
    assert any(avx2_models[k] != scalar_models[k] for k in avx2_models), "ATEN_CPU_CAPABILITY changed no weight"
    psnr = [{(r["condition"], r["seed"]): r["psnr_y"] for r in rows if r["seed"]} for rows in (avx2_sr, scalar_sr)]
    assert sorted(psnr[0]) == sorted(psnr[1]) and len(psnr[0]) == 4
    assert psnr[0] != psnr[1], psnr

    def primary(rows: list[dict]) -> dict:
        (row,) = [r for r in rows if r["role"] == "primary"]
        return row

    a, b = primary(avx2), primary(scalar)
    assert (a["condition_a"], a["condition_b"]) == ("rcan_dat@synth", "rcan_sa@synth")
    assert a["seeds"] == b["seeds"] == "2"  # a method-level verdict, not "none (seeds=1)"
    assert a["verdict"] == b["verdict"], [_brief(a), _brief(b)]
    # the sanity rows' verdicts (each arm against bicubic) hold too
    sanity = {(r["condition_a"], r["condition_b"]): r["verdict"] for r in avx2 if r["role"] == "sanity"}
    assert sanity == {(r["condition_a"], r["condition_b"]): r["verdict"] for r in scalar if r["role"] == "sanity"}
    assert len(sanity) == 2
