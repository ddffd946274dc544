"""The workflow itself (no jobs run): lint, the paper-scale dry run, the SLURM profile's dry run."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_workflow

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("snakemake")


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    """The workflow files in an empty folder: no results, no downloads, nothing cached."""
    wd = tmp_path_factory.mktemp("wf")
    copy_workflow(wd)
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
    run = _snakemake(workflow_copy, "-np", "results/detection_table.csv", "results/sr_table.csv",
                     "--configfile", "configs/paper.yaml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    jobs = _job_counts(run.stdout)
    # trained conditions: the RCAN arms (rcan, rcan_sa, rcan_dat) on div2k x2, x4 and textzoom x2 = 9; E-RFDN, RFDN,
    # A2N x 3 arms on div2k x2, x4 = 18; SRNet x 3 arms on div2k x4 = 3; the baselines on div2k x4 (rcan10x6 and its
    # _sa, _dat, _fakd, _fakd_dat, _srkd; fsrcnn, fsrcnn_pisr) = 8: 38 trainings (+ PISR's privileged teacher).
    # Detections per test set: hr + x2 (lr, bicubic, rcan-official + 3 + 3 + 9) + x4 (3 + 3 + 9 + 3 + 8) = 45; 7 sets,
    # evaluated each against its own ground truth. ctw1500 and ctw1500_2020 are one image set with two ground-truth
    # variants and the same detector (issue 21.10): their images are degraded, super-resolved and detected once, so
    # 6 x 45 detections; per image set, 45 - hr - 2 lr - 2 bicubic = 40 superres jobs, one set fewer than before.
    # Two detector families (CRAFT and PP-OCRv6's DB) on every set: twice the detections and evaluations.
    # Three degradations (RCAN's bi, bd, dn: issue 24): every DIV2K model is trained on each, and every condition but
    # hr is detected on each degradation's LR images (TextZoom's models, trained on its own LR, super-resolve all
    # three): per set hr + 3 x (18 + 26) = 133 detections; 35 DIV2K trainings x 3 + TextZoom's 3 = 108.
    per_set = 1 + 3 * (18 + 26)
    assert jobs["detect"] == 2 * 6 * per_set and jobs["evaluate"] == 2 * 7 * per_set
    # superres per image set and degradation: x2 rcan-official + 15 trained, x4 rcan-official + 23 = 120 per set, on
    # the 6 test image sets and the 4 SR benchmarks; TextZoom's 3 test splits (own LR, x2 only) 16 each
    assert jobs["superres"] == 10 * 3 * (16 + 24) + 3 * 16
    assert not re.search(r"results/(lr|sr|det)/\S*ctw1500_2020", run.stdout)
    assert "results/eval/rcan_dat@div2k-s1234/ctw1500_2020/bi/x2/general-poly-fallback.json" in run.stdout
    assert "results/models/rcan_dat/div2k/dn/s1234/x4/model.pt" in run.stdout
    assert jobs["train"] == 3 * 35 + 3 and jobs["train_privileged"] == 3
    # 6 catalogue test sets (ctw1500 and ctw1500_2020 share one) + div2k + textzoom + set5, set14, b100, urban100
    assert jobs["prepare_dataset"] == 12 and jobs["fetch"] > 0
    assert "synthetic_dataset" not in jobs  # config.yaml's synthetic sets are replaced, not merged
    # each test set is detected with its own CRAFT settings, named in the path; without the user's IC15 model and
    # LinkRefiner the General model stands in, and the name says so
    for path in ["results/det/hr/icdar2013/none/x1/general-box-l0.2",
                 "results/det/hr/icdar2015/none/x1/general-box-fallback",
                 "results/det/bicubic/msra_td500/bi/x4/general-box-merge1a10",
                 "results/det/rcan_dat@div2k-s1234/ctw1500/bi/x2/general-poly-fallback",
                 "results/det/rcan@textzoom-s1234/totaltext/bi/x2/general-poly",  # trained on TextZoom's own LR
                 "results/models/rcan/textzoom/real/s1234/x2/model.pt",
                 "results/det/lr/totaltext/bi/x4/general-poly",
                 "results/eval/hr/icdar2017_mlt/none/x1/general-box-c2560.json"]:
        assert path in run.stdout, path
    assert not (workflow_copy / "resources" / "downloads").exists()  # a dry run downloads nothing


def test_slurm_profile_dry_run_requests_gpus(workflow_copy):
    run = _snakemake(workflow_copy, "-np", "--workflow-profile", "profiles/slurm", "results/detection_table.csv")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    detect = out.split("rule detect:", 1)[1].split("\n[", 1)[0]  # one job's block ends at the next timestamp
    # no partition named: the plugin picks one from the job's resources (tests/test_profiles.py routes them)
    assert "gpu=1" in detect and "slurm_partition" not in detect
    evaluate = out.split("rule evaluate:", 1)[1].split("\n[", 1)[0]
    assert "gpu=" not in evaluate and "slurm_partition" not in evaluate


def test_a_replaced_archive_re_prepares_its_data_set_and_only_that_one(workflow_copy, tmp_path):
    """Issue 9.7: replacing an archive in resources/downloads/ and deleting its record (as the README advises)
    reruns that archive's fetch job (its sha256 is a param) and, through its changed marker, its prepare
    job; the other data set is untouched."""
    import yaml

    sys.path.insert(0, str(ROOT / "tests"))
    from replicas import write_replicas

    wd = tmp_path / "wf"
    shutil.copytree(workflow_copy, wd, ignore=shutil.ignore_patterns(".snakemake", "resources", "results", "logs"))
    downloads = wd / "resources" / "downloads"
    write_replicas(downloads, samples=None, which=["msra_td500", "textzoom"])
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config.update(testsets={"msra_td500": {"source": "catalog", "catalog": "msra_td500", "protocol": "msra-td500"}},
                  trainsets={"textzoom": {"source": "catalog", "catalog": "textzoom", "lr": "native"}},
                  scales=[2], methods={})
    (wd / "replaced.yaml").write_text(yaml.safe_dump(config))
    targets = ["resources/datasets/msra_td500/manifest.json", "resources/datasets/textzoom/manifest.json"]
    run = _snakemake(wd, "--cores", "1", "--configfile=replaced.yaml", *targets)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Nothing to be done" in _snakemake(wd, "-n", "--configfile=replaced.yaml", *targets).stdout

    # Issue 21.4: the stamp is the content. A touched archive (or one copied without cp -p) plans nothing ...
    archive = downloads / "MSRA-TD500.zip"
    original, st = archive.read_bytes(), archive.stat()
    os.utime(archive, (st.st_atime + 3600, st.st_mtime + 3600))
    assert "Nothing to be done" in _snakemake(wd, "-n", "--configfile=replaced.yaml", *targets).stdout
    # ... and one byte changed with size and mtime kept (`touch -r`) reruns that archive's data set only (its ctime
    # moved, so the cached digest is not trusted): 1 fetch + 1 prepare_dataset, textzoom untouched
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0xFF
    archive.write_bytes(bytes(changed))
    os.utime(archive, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert archive.stat().st_size == st.st_size and archive.stat().st_mtime_ns == st.st_mtime_ns
    jobs = _job_counts(_snakemake(wd, "-np", "--configfile=replaced.yaml", *targets).stdout)
    assert jobs == {"fetch": 1, "prepare_dataset": 1, "total": 2}
    cache = json.loads((downloads / ".digests.json").read_text())
    assert cache[str(archive.resolve())]["sha256"] == hashlib.sha256(bytes(changed)).hexdigest()
    archive.write_bytes(original)  # the same bytes back: the same stamp as recorded, nothing to do
    assert "Nothing to be done" in _snakemake(wd, "-n", "--configfile=replaced.yaml", *targets).stdout

    other = tmp_path / "other"
    write_replicas(other, samples=None, which=["msra_td500"], seed=1)  # different images: a different archive
    (downloads / "MSRA-TD500.zip").write_bytes((other / "MSRA-TD500.zip").read_bytes())
    (downloads / "MSRA-TD500.zip.sha256").unlink()
    plan = _snakemake(wd, "-np", "--configfile=replaced.yaml", *targets)
    jobs = _job_counts(plan.stdout)
    assert jobs == {"fetch": 1, "prepare_dataset": 1, "total": 2}, plan.stdout[-3000:]
    assert "MSRA-TD500.zip" in plan.stdout and "wildcards: dataset=msra_td500" in plan.stdout
    run = _snakemake(wd, "--cores", "1", "--configfile=replaced.yaml", *targets)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    manifest = json.loads((wd / targets[0]).read_text())
    recorded = (downloads / "MSRA-TD500.zip.sha256").read_text().split()[0]
    assert manifest["sources"]["MSRA-TD500.zip"]["sha256"] == recorded  # the new archive's first-use record
