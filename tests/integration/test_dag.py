"""Runs the real Snakemake DAG end to end on a small synthetic config (CPU, a few minutes)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_workflow

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
    copy_workflow(wd)
    run = _snakemake(wd, "--cores", "2")  # rule all: both tables, every figure, markdown and LaTeX tables
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    return wd


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _table(path: Path) -> dict[str, dict]:
    return {row["condition"]: row for row in _rows(path)}


ARMS = ["rcan@synth", "rcan_sa@synth", "rcan_dat@synth"]


def test_detection_table_has_every_condition_and_hr_wins(workdir):
    every = _rows(workdir / "results" / "detection_table.csv")
    assert [r["detector"] for r in every] == ["general-box"] * 6 + ["ppocrv6-db"] * 6  # both families, each condition
    for detector in ("general-box", "ppocrv6-db"):
        rows = {r["condition"]: r for r in every if r["detector"] == detector}
        assert list(rows) == ["hr", "lr", "bicubic", *ARMS]
        assert [rows[c]["seed"] for c in ARMS] == ["7", "7", "7"] and rows["bicubic"]["seed"] == ""
        hr = float(rows["hr"]["hmean"])
        assert hr > 0.5, rows
        assert hr > float(rows["bicubic"]["hmean"]) and hr > float(rows["lr"]["hmean"]), rows
        assert all(int(r["n_gt"]) > 0 for r in rows.values())


def test_sr_table_has_bicubic_psnr(workdir):
    rows = _table(workdir / "results" / "sr_table.csv")
    assert list(rows) == ["bicubic", *ARMS]
    assert 15.0 < float(rows["bicubic"]["psnr_y"]) < 40.0


def test_comparisons_summary_strata_and_recognition_tables(workdir):
    comparisons = _rows(workdir / "results" / "comparisons.csv")
    pairs = {(r["condition_a"], r["condition_b"]) for r in comparisons}
    assert {("hr", "bicubic"), ("rcan_dat@synth", "bicubic"), ("rcan_dat@synth", "rcan@synth"),
            ("rcan_dat@synth", "rcan_sa@synth")} <= pairs
    for r in comparisons:
        assert float(r["ci_low"]) <= float(r["diff"]) <= float(r["ci_high"]), r
    assert {r["detector"] for r in comparisons if r["condition_a"] == "hr"} == {"general-box", "ppocrv6-db"}
    hr = next(r for r in comparisons if r["condition_a"] == "hr" and r["detector"] == "general-box")
    assert hr["verdict"] == "a > b"  # HR beats bicubic on any resample of these images
    summary = {r["condition"]: r for r in _rows(workdir / "results" / "summary_table.csv")
               if r["detector"] == "general-box"}
    assert summary["rcan@synth"]["n_seeds"] == "1" and summary["rcan@synth"]["hmean_sd"] == ""
    strata = _rows(workdir / "results" / "recall_by_height.csv")
    assert {r["bin"] for r in strata} >= {"8-12", "12-16"}
    recognition = _rows(workdir / "results" / "recognition_table.csv")
    assert {r["recognizer"] for r in recognition} == {"ppocrv6_small", "english_g2"}  # the schema's default pair
    assert {r["detector"] for r in recognition} == {"general-box", "ppocrv6-db"}
    for name in ("ppocrv6_small", "english_g2"):
        rows = [r for r in recognition if r["recognizer"] == name]
        # one file per condition: the ground-truth words are the same for both detectors, spotting is per detector
        words = {(r["condition"], r["accuracy"]) for r in rows}
        assert len(words) == len(rows) // 2, rows
        by_condition = {r["condition"]: r for r in rows if r["detector"] == "ppocrv6-db"}
        assert by_condition["hr"]["e2e_hmean"] != "" and float(by_condition["hr"]["accuracy_ci_low"]) <= float(
            by_condition["hr"]["accuracy"]) <= float(by_condition["hr"]["accuracy_ci_high"])
        assert float(by_condition["hr"]["accuracy"]) > float(by_condition["lr"]["accuracy"]), name
        assert 0.0 <= float(by_condition["lr"]["char_accuracy"]) < float(by_condition["hr"]["char_accuracy"]), name
        assert int(by_condition["hr"]["n_words"]) > 10
    check = (workdir / "results" / "craft_reproduction.csv").read_text().splitlines()
    assert len(check) == 1  # no published reference for synthetic data: the header only


def test_training_logs_progress_and_curves(workdir):
    log = (workdir / "logs" / "train" / "rcan_dat" / "synth" / "bi" / "s7" / "x4.log").read_text()
    assert log.count("iter ") >= 3 and " ad " in log and " sd " in log  # a line per log_every, every loss term
    model_dir = workdir / "results" / "models" / "rcan_dat" / "synth" / "bi" / "s7" / "x4"
    curve = (model_dir / "curve.tsv").read_text().splitlines()
    assert curve[0].split("\t")[:5] == ["iteration", "loss_total", "loss_sr", "loss_ad", "loss_sd"]
    assert not (workdir / "results" / "checkpoints" / "rcan_dat" / "synth" / "bi" / "s7" / "x4" / "last.pt").exists()


def test_figures_tables_and_report(workdir):
    figures = workdir / "results" / "figures"
    for stem in ["hmean", "fidelity", "qualitative-synth-x4", "attention-rcan_dat-synth-x4", "curves-synth-x4",
                 "recall_by_height", "recognition"]:
        assert (figures / f"{stem}.pdf").stat().st_size > 0 and (figures / f"{stem}.png").stat().st_size > 0
    assert "RCAN\\_dat" in (workdir / "results" / "tables.tex").read_text()
    assert "rcan_dat" in (workdir / "results" / "detection_table.md").read_text()
    run = _snakemake(workdir, "--report", "results/report.html")
    assert run.returncode == 0, run.stderr[-4000:]
    assert (workdir / "results" / "report.html").stat().st_size > 10_000


def test_second_dry_run_has_nothing_to_do(workdir):
    run = _snakemake(workdir, "-n", "--cores", "2")
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Nothing to be done" in run.stdout + run.stderr


def test_logs_and_benchmarks_are_written(workdir):
    assert list((workdir / "logs" / "detect").rglob("*.log"))
    assert list((workdir / "benchmarks" / "detect").rglob("*.tsv"))


TABLES = ["detection_table.csv", "sr_table.csv", "summary_table.csv", "comparisons.csv", "recall_by_height.csv",
          "craft_reproduction.csv", "recognition_table.csv", "detection_table.md", "tables.tex"]


def test_every_written_file_is_declared_and_deleted_outputs_are_remade_identically(workdir):
    """Issue 21.3 (last in this module: it deletes the run and makes it again, doubling the module's time). Every
    file a job writes is a declared output or inside one (directory()): --list-untracked, less what lies inside a
    declared folder, holds only logs, benchmarks, the documented training checkpoints and `--report`'s page.
    --delete-all-output then leaves nothing of the results, and the rerun gives byte-identical tables."""
    summary = _snakemake(workdir, "--summary")
    assert summary.returncode == 0, summary.stderr[-4000:]
    declared = [line.split("\t", 1)[0] for line in summary.stdout.splitlines()[1:] if "\t" in line]
    folders = tuple(d.rstrip("/") + "/" for d in declared if (workdir / d).is_dir())
    run = _snakemake(workdir, "--list-untracked")
    assert run.returncode == 0, run.stderr[-4000:]
    # what jobs write (the workflow's own files, copied into workdir, are untracked too: not looked at)
    untracked = [p for p in run.stdout.split() if p.startswith(("results/", "resources/", "logs/", "benchmarks/"))
                 and (workdir / p).is_file()]
    stray = [p for p in untracked if not p.startswith(("logs/", "benchmarks/", "results/checkpoints/", *folders))
             and p != "results/report.html"]
    assert stray == [], stray[:20]
    assert any(p.startswith("resources/datasets/synth/") for p in untracked)  # inside a directory() output

    before = {name: (workdir / "results" / name).read_bytes() for name in TABLES}
    run = _snakemake(workdir, "--delete-all-output")
    assert run.returncode == 0, run.stderr[-4000:]
    assert not (workdir / "resources" / "datasets" / "synth").exists()  # the data set's folder is an output too
    assert not any((workdir / "results" / name).exists() for name in TABLES)
    run = _snakemake(workdir, "--cores", "2")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    changed = [name for name in TABLES if (workdir / "results" / name).read_bytes() != before[name]]
    assert changed == []
