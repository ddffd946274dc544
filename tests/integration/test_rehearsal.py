"""The paper run rehearsed on CPU: `configs/rehearsal.yaml` end to end on replicas of every official archive.

From the archives in `resources/downloads/` (tests/replicas/, real samples where there are some) to the detection,
SR and recognition tables, the CRAFT reproduction check and the comparisons, through the same rules, per-set
detectors and data paths as `configs/paper.yaml`. Written by the test into a copy of the workflow:
  * resources/downloads/: `write_replicas(..., samples=../shared/samples)`: ICDAR 2015 (3 test images), MSRA-TD500
    (2) and Total-Text (test img3) are real samples, the rest synthetic in the official formats;
  * resources/weights/RCAN_BIX{2,4}.pt: official-format RCAN state dicts (`write_rcan_official`, tiny, seeded);
  * resources/weights/craft_refiner_CTW1500.pth (seeded random RefineNet, `module.` keys) and craft_ic15_20k.pth
    (a copy of the General model standing in for the IC15 model): `write_craft_standins`;
  * resources/user_hr/: a user's folder of HR images (`write_user_folder`), the config's `source: folder` set.
The expected rows come from `textsr.study.plan.Plan` on the same config, so a plan / table mismatch fails here.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import SAMPLES, copy_workflow, needs_samples
from replicas import write_craft_standins, write_rcan_official, write_replicas, write_user_folder

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "configs/rehearsal.yaml"
TARGETS = ["results/detection_table.csv", "results/sr_table.csv", "results/recognition_table.csv",
           "results/craft_reproduction.csv", "results/comparisons.csv"]
# Snakemake 9.27 (scheduling/job_scheduler.py, JobScheduler.schedule): with a job rate limit (default 100/1s) every
# scheduling round that finds ready jobs arms a threading.Timer that starts another round after the timespan, and
# that round arms the next: each job completion starts a chain that lives as long as jobs are waiting. With ~800
# jobs and 2 cores, hundreds of chains each wake the scheduler every second, and each round stats the inputs of
# every ready job: the main process took ~0.9 s CPU per job (0.55 s over the first 300), a third of the run's CPU.
# A 60 s timespan keeps the chains (and the rate limit, 10000 jobs a minute: none) and wakes them 60x less often;
# the cost is at most 60 s at exit, waiting for the last timer threads.
RATE = ["--max-jobs-per-timespan", "10000/60s"]
#: test sets whose replicas are the real samples (byte for byte): CRAFT must find their words at HR
REAL_SETS = ["icdar2015", "msra_td500", "totaltext"]
TEXTZOOM_SPLITS = ["textzoom_easy", "textzoom_medium", "textzoom_hard"]

pytestmark = [pytest.mark.integration, needs_samples]


def _snakemake(workdir: Path, *args: str, timeout: int = 3600) -> subprocess.CompletedProcess:
    # the timeout only guards against a hang: the run takes ~15-20 min on 2 idle cores and 30 min or more when the
    # cores are shared with other work
    # "--configfile=" with "=": otherwise Snakemake reads the targets after it as more config files
    return subprocess.run([sys.executable, "-m", "snakemake", f"--configfile={CONFIG}", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory) -> dict:
    """The workflow copied into a fresh folder, the replicas and user files written there, then the full run."""
    wd = tmp_path_factory.mktemp("rehearsal")
    copy_workflow(wd)
    replicas = write_replicas(wd / "resources" / "downloads", samples=SAMPLES)
    write_rcan_official(wd / "resources" / "weights", (2, 4))
    write_craft_standins(wd / "resources" / "weights")
    user = write_user_folder(wd / "resources" / "user_hr")
    start = time.perf_counter()
    run = _snakemake(wd, "--cores", "2", *RATE, *TARGETS)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-8000:]
    print(f"rehearsal DAG: {seconds:.0f} s")
    config = yaml.safe_load((wd / CONFIG).read_text())
    return {"wd": wd, "replicas": replicas, "user": user, "config": config, "log": run.stdout + run.stderr}


@pytest.fixture(scope="module")
def plan(rehearsal):
    from textsr.study.plan import Plan

    # the plan as the workflow saw it: optional weights looked up in the run's folder, not in the test's cwd
    return Plan(rehearsal["config"], weights_dir=rehearsal["wd"] / "resources" / "weights")


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _keys(rows, *columns: str) -> list[tuple]:
    return [tuple(str(r[c]) for c in columns) for r in rows]


def test_replicas_of_the_real_sets_come_from_the_samples(rehearsal):
    replicas = rehearsal["replicas"]
    assert [k for k in REAL_SETS if replicas[k]["real"]] == REAL_SETS
    # every training set and every data set of the config has its replica or folder
    assert {"div2k", "textzoom", "set5", "set14", "b100", "urban100", "ctw1500"} <= set(replicas)
    assert len(rehearsal["user"]) == 3


def test_detection_table_has_every_dataset_scale_condition_row_once(rehearsal, plan):
    columns = ("dataset", "protocol", "detector", "scale", "condition", "method", "trainset", "seed")
    expected = _keys(plan.eval_rows(), *columns)
    got = _keys(_rows(rehearsal["wd"] / "results" / "detection_table.csv"), *columns)
    assert sorted(got) == sorted(expected)
    assert len(set(got)) == len(got)
    # 7 sets x (hr + x2: lr, bicubic, rcan-official, {rcan, rcan_dat} x {div2k, textzoom, user_hr}
    #                + x4: lr, bicubic, rcan-official, {rcan, rcan_dat} x {div2k, user_hr}) = 7 x (1 + 9 + 7) = 119
    assert len(got) == 119
    labels = {r[4] for r in got}
    assert labels == {"hr", "lr", "bicubic", "rcan-official", "rcan@div2k", "rcan_dat@div2k", "rcan@textzoom",
                      "rcan_dat@textzoom", "rcan@user_hr", "rcan_dat@user_hr"}


def test_sr_table_has_every_dataset_scale_condition_row_once(rehearsal, plan):
    columns = ("dataset", "scale", "condition", "seed")
    expected = _keys(plan.sr_eval_rows(), *columns)
    rows = _rows(rehearsal["wd"] / "results" / "sr_table.csv")
    got = _keys(rows, *columns)
    assert sorted(got) == sorted(expected)
    assert len(set(got)) == len(got)
    # SR conditions: x2: bicubic, rcan-official + 6 trained = 8; x4: bicubic, rcan-official + 4 trained = 6.
    # 7 test sets + set5, set14, b100, urban100 at x2 and x4: 11 x 14 = 154; TextZoom splits at x2 only: 3 x 8 = 24
    assert len(got) == 154 + 24
    for r in rows:
        assert int(r["n_images"]) > 0 and 5.0 < float(r["psnr_y"]) < 60.0, r


def test_textzoom_splits_are_scored_on_their_native_lr_at_x2_only(rehearsal):
    sr = _rows(rehearsal["wd"] / "results" / "sr_table.csv")
    for split in TEXTZOOM_SPLITS:
        scales = {r["scale"] for r in sr if r["dataset"] == split}
        assert scales == {"2"}, (split, scales)
    recognition = _rows(rehearsal["wd"] / "results" / "recognition_table.csv")
    lmdb = rehearsal["replicas"]["textzoom"]["lmdb"]
    for split in TEXTZOOM_SPLITS:
        rows = {r["condition"]: r for r in recognition if r["dataset"] == split}
        # hr (x1), lr, bicubic, rcan-official and the 6 x2 models
        assert set(rows) == {"hr", "lr", "bicubic", "rcan-official", "rcan@div2k", "rcan_dat@div2k", "rcan@textzoom",
                             "rcan_dat@textzoom", "rcan@user_hr", "rcan_dat@user_hr"}, (split, set(rows))
        n_words = len(lmdb[f"test/{split.split('_')[1]}"]["labels"])  # 2 labels per replica split
        assert {int(r["n_words"]) for r in rows.values()} == {n_words}, rows


def test_recognition_table_has_every_planned_row(rehearsal, plan):
    columns = ("dataset", "scale", "condition", "seed")
    expected = _keys(plan.recognition_rows(), *columns)
    got = _keys(_rows(rehearsal["wd"] / "results" / "recognition_table.csv"), *columns)
    # the table may add averages over the TextZoom splits; every planned row is there once
    assert set(expected) <= set(got)
    assert len(expected) == len(set(expected))
    # transcribed test sets: icdar2013, icdar2015, icdar2017_mlt, ctw1500_2020, totaltext (5 x 17 = 85 rows);
    # the original CTW-1500 labels carry no text
    assert {r[0] for r in expected} == {"icdar2013", "icdar2015", "icdar2017_mlt", "ctw1500_2020", "totaltext",
                                        *TEXTZOOM_SPLITS}


def test_hr_hmean_is_above_half_on_the_sets_built_from_real_samples(rehearsal):
    rows = _rows(rehearsal["wd"] / "results" / "detection_table.csv")
    hr = {r["dataset"]: r for r in rows if r["condition"] == "hr"}
    for name in REAL_SETS:
        assert float(hr[name]["hmean"]) > 0.5, hr[name]
        assert int(hr[name]["n_gt"]) > 0


def test_each_test_set_is_detected_with_its_own_detector(rehearsal):
    rows = _rows(rehearsal["wd"] / "results" / "detection_table.csv")
    detectors = {}
    for r in rows:
        detectors.setdefault(r["dataset"], set()).add(r["detector"])
    # names from textsr.inference.detectors (settings that differ from test.py's defaults): the IC15 model with its
    # thresholds; the General model + LinkRefiner, polygons, for both CTW-1500 label sets; the rehearsal's 960 px
    # canvas on the real-sample sets; none a -fallback (the optional weights were there at planning time)
    assert detectors == {
        "icdar2013": {"general-box-l0.2"},
        "icdar2015": {"ic15-box-t0.85-l0.2-lt0.5-c960"},
        "icdar2017_mlt": {"general-box-c2560"},
        "msra_td500": {"general-box-c960-merge1a10"},
        "ctw1500": {"general+refiner-poly"},
        "ctw1500_2020": {"general+refiner-poly"},
        "totaltext": {"general-poly-c960"},
    }


def test_reproduction_check_prints_its_table_for_every_reference(rehearsal):
    wd = rehearsal["wd"]
    rows = _rows(wd / "results" / "craft_reproduction.csv")
    references = rehearsal["config"]["craft_reproduction"]
    assert [(r["dataset"], r["detector"]) for r in rows] == [(r["dataset"], r["detector"]) for r in references]
    hr = {r["dataset"]: r for r in _rows(wd / "results" / "detection_table.csv") if r["condition"] == "hr"}
    for r in rows:
        assert r["hmean"] == f"{100 * float(hr[r['dataset']]['hmean']):.1f}", r
        assert r["check"] in ("ok", "CHECK")
    assert "CRAFT reproduction check" in rehearsal["log"]  # printed on the terminal, not only in the log file


def test_comparisons_pair_every_condition_with_bicubic_and_rcan_dat_with_rcan(rehearsal):
    rows = _rows(rehearsal["wd"] / "results" / "comparisons.csv")
    pairs = {(r["condition_a"], r["condition_b"]) for r in rows}
    assert {("hr", "bicubic"), ("rcan-official", "bicubic"), ("rcan_dat@textzoom", "rcan@textzoom"),
            ("rcan_dat@user_hr", "rcan@user_hr"), ("rcan_dat@div2k", "rcan@div2k")} <= pairs
    for r in rows:
        assert float(r["ci_low"]) <= float(r["diff"]) <= float(r["ci_high"]), r


def test_replicas_are_used_unverified_and_every_use_warns(rehearsal, plan):
    wd = rehearsal["wd"]
    used = sorted({f for key in plan.catalog_keys for f in plan.catalog_downloads(key)})
    # icdar2013 2 + icdar2015 2 + icdar2017 2 + msra 1 + ctw1500 3 (images, 2020 labels, original release) +
    # totaltext 2 (images, .mat) + div2k 3 (HR, LR x2, x4) + benchmark.tar + TextZoom = 17
    assert len(used) == 17
    for name in used:
        assert "checksum verification is OFF" in (wd / "logs" / "fetch" / f"{name}.log").read_text(), name
    for key in plan.catalog_keys:
        sources = json.loads((wd / "resources" / "datasets" / key / "manifest.json").read_text())["sources"]
        assert sources and all(s["verified"] is False for s in sources.values()), (key, sources)
