"""configs/zoo_synth.yaml (issue 11) and configs/kd_synth.yaml (issue 12) plan the jobs they promise: dry runs only
(`snakemake -n` in a copy of the workflow; nothing is trained), job counts and the inputs of the training jobs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import copy_workflow
from textsr.study.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("snakemake")

STUDENTS = ["rcan", "rfdn", "erfdn", "a2n", "srnet", "fsrcnn"]
TEACHER_CACHE = "results/teacher/synth/relu3_2-p2.0"
RCAN_TEACHER = "results/models/rcan/synth/bi/s1234/x4/model.pt"
PRIVILEGED = "results/models/fsrcnn_pisr/synth/bi/s1234/x4/privileged.pt"


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    """The workflow files in an empty folder: no results, nothing cached."""
    wd = tmp_path_factory.mktemp("wf")
    copy_workflow(wd)
    return wd


def _dry_run(wd: Path, config: str) -> str:
    run = subprocess.run([sys.executable, "-m", "snakemake", "-np", f"--configfile={config}"], cwd=wd,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert not (wd / "results").exists()  # a dry run makes nothing
    return run.stdout


def _job_counts(out: str) -> dict[str, int]:
    table = out.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def _jobs(out: str, rule: str) -> dict[str, list[str]]:
    """{method wildcard: input files} of every planned job of `rule` (the dry run's per-job blocks)."""
    jobs = {}
    for block in re.split(r"\n(?=rule \w+:)", out):
        if not block.startswith(f"rule {rule}:"):
            continue
        inputs = re.search(r"^\s+input: (.*)$", block, re.M)
        method = re.search(r"^\s+wildcards: .*\bmethod=(\w+)", block, re.M).group(1)
        jobs[method] = inputs.group(1).split(", ") if inputs else []
    return jobs


def _plan(config: str) -> Plan:
    return Plan(yaml.safe_load((ROOT / config).read_text()))


def test_zoo_config_trains_every_student_plain_gated_and_distilled(workflow_copy):
    out = _dry_run(workflow_copy, "configs/zoo_synth.yaml")
    jobs = _job_counts(out)
    # 6 students x 3 arms; detections: hr, lr, bicubic + 18 trained conditions
    assert jobs["train"] == 18 and "train_privileged" not in jobs
    assert jobs["superres"] == 18 and jobs["detect"] == 21 and jobs["evaluate"] == 21
    assert jobs["teacher_maps"] == 1  # every _dat shares one CRAFT cache (relu3_2, p 2)
    train = _jobs(out, "train")
    assert sorted(train) == sorted(f"{s}{arm}" for s in STUDENTS for arm in ("", "_sa", "_dat"))
    for method, inputs in train.items():
        assert (TEACHER_CACHE in inputs) == method.endswith("_dat"), method
        assert not any("results/models/" in f for f in inputs), method  # no SR teacher in the zoo


def test_kd_config_plans_teachers_before_their_students(workflow_copy):
    out = _dry_run(workflow_copy, "configs/kd_synth.yaml")
    jobs = _job_counts(out)
    # rcan (the teacher) + rcan2x2 x {plain, sa, dat, fakd, fakd_dat, srkd} + fsrcnn, fsrcnn_pisr = 9 trainings and
    # PISR's privileged teacher; detections: hr, lr, bicubic + 9
    assert jobs["train"] == 9 and jobs["train_privileged"] == 1
    assert jobs["detect"] == 12 and jobs["superres"] == 9
    train = _jobs(out, "train")
    for method, inputs in train.items():
        assert (RCAN_TEACHER in inputs) == (method in ("rcan2x2_fakd", "rcan2x2_fakd_dat", "rcan2x2_srkd")), method
        assert (PRIVILEGED in inputs) == (method == "fsrcnn_pisr"), method
        assert (TEACHER_CACHE in inputs) == method.endswith("_dat"), method
    assert list(_jobs(out, "train_privileged")) == ["fsrcnn_pisr"]


def test_kd_config_compares_each_corner_of_the_2x2_with_its_twins():
    plan = _plan("configs/kd_synth.yaml")
    assert plan.twins("rcan2x2_fakd_dat") == ["rcan2x2", "rcan2x2_sa", "rcan2x2_dat", "rcan2x2_fakd"]
    assert plan.twins("rcan2x2_fakd") == ["rcan2x2"] and plan.twins("rcan2x2_dat") == ["rcan2x2", "rcan2x2_sa"]
    assert plan.twins("fsrcnn_pisr") == ["fsrcnn"] and plan.twins("rcan") == []  # the teacher is no one's twin
    assert plan.kd_teacher("rcan2x2_fakd", "synth", 1234, 4) == "rcan@synth-s1234"
    # FAKD's defaults: alpha 0.5 (pixel and teacher-output weights), affinity weight 10
    kd = plan.spec("rcan2x2_fakd_dat", 4).kd
    assert (kd["w_sr"], kd["w_out"], kd["w_kd"]) == (0.5, 0.5, 10.0)


def test_the_default_config_still_trains_only_the_three_rcan_arms():
    plan = _plan("config.yaml")
    assert plan.trained_conditions(4) == ["rcan@synth-s1234", "rcan_sa@synth-s1234", "rcan_dat@synth-s1234"]
    zoo = _plan("configs/zoo_synth.yaml")
    for method in ("rcan", "rcan_sa", "rcan_dat"):  # the zoo's RCAN arms are the default's networks and losses,
        zoo_arm, default_arm = zoo.methods[method], plan.methods[method]  # trained as the default was before it
        assert {k: v for k, v in zoo_arm.items() if k != "train"} == {k: v for k, v in default_arm.items() if k != "train"}
        assert zoo_arm["train"] == {**default_arm["train"], "iterations": 1500, "patch_size": 24}  # (8 min budget)
