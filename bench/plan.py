"""Benchmark: the wall time of planning the paper study (`snakemake -n --configfile=configs/paper.yaml`) on this
working tree against the same command on a base commit (default c49f292, the commit before the torch-free planner),
run side by side; and a check that both plan the same jobs.

    python bench/plan.py [--base c49f292] [--runs 3] [--config configs/paper.yaml]
    python bench/plan.py --check-dag [--base c49f292] [--configs config.yaml configs/paper.yaml ...]

Each side runs from a fresh folder holding a copy of its own workflow files (Snakefile, config.yaml, workflow/,
profiles/, envs/, configs/) and no resources/ or results/ (the same state for both: nothing downloaded), with
PYTHONPATH=<its tree>/src so that each imports its own `textsr` (the installed one is an editable install of one
checkout). The base is checked out once with `git worktree add --detach` under the temporary folder (this working
tree and its index are not touched). Runs alternate base / working tree so that load from other processes hits both
alike; the median wall time of each side is reported, and their ratio (the speed-up).

--check-dag plans every job (`-n --forceall`) on both sides and compares, job by job, the rule, inputs, outputs,
log, benchmark, threads, resources and params; only the `code` params (hashes of the library's source, which a
refactor changes by design) are left out. It prints the differences and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "config.yaml", "workflow", "profiles", "envs", "configs"]
#: params that hash the library's source (textsr.util.provenance): expected to differ between commits
VOLATILE_PARAMS = ("code",)


def base_tree(commit: str, tmp: Path) -> Path:
    """A detached worktree of `commit` under `tmp` (made once, reused)."""
    tree = tmp / f"textsr-base-{commit[:12]}"
    if not (tree / "Snakefile").is_file():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True,
                       capture_output=True, text=True)
    return tree


def workdir(tree: Path, dest: Path) -> Path:
    """A fresh folder holding the workflow files of `tree` (no resources/, no results/)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in WORKFLOW_FILES:
        src = tree / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree / "src")}


#: what is timed: `-n`, the command as users type it (the base prints every job, the working tree the job table);
#: `-np`, the full job listing on both sides, so that only planning differs
FLAGS = ("-n", "-np")


def time_dry_run(tree: Path, wd: Path, config: str, flag: str) -> tuple[float, float]:
    """(wall, CPU) seconds of `snakemake <flag> --configfile=<config>` in `wd` with `tree`'s library; CPU = user +
    system time of the Snakemake process (less sensitive than wall time to other load on the machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "snakemake", flag, f"--configfile={config}"], cwd=wd,
                         env=_env(tree), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise RuntimeError(f"dry run failed in {wd} ({tree}):\n{run.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench(base: Path, tmp: Path, config: str, runs: int) -> None:
    for flag in FLAGS:
        _bench(base, tmp, config, runs, flag)


def _bench(base: Path, tmp: Path, config: str, runs: int, flag: str) -> None:
    sides = {"base": (base, workdir(base, tmp / "wd-base")), "tree": (ROOT, workdir(ROOT, tmp / "wd-tree"))}
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    for _ in range(runs):
        for side, (tree, wd) in sides.items():
            times[side].append(time_dry_run(tree, wd, config, flag))
    wall = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    cpu = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
    print(f"snakemake {flag} --configfile={config}   ({runs} runs each, alternating; medians)")
    for side, (tree, _) in sides.items():
        runs_text = ", ".join(f"{w:.1f}" for w, _ in times[side])
        print(f"  {side:5s} wall {wall[side]:7.2f} s  cpu {cpu[side]:7.2f} s   wall runs: {runs_text}   ({tree})")
    print(f"  speed-up base / tree: wall {wall['base'] / wall['tree']:.2f}x, cpu {cpu['base'] / cpu['tree']:.2f}x")


# ------------------------------------------------------------------------------------------------ the DAG check


def dump_jobs(out: str, args: list[str]) -> None:
    """Run Snakemake with `args`, recording every job it plans as one JSON line in `out` (run in the workdir)."""
    import snakemake.jobs
    from snakemake.cli import main

    original = snakemake.jobs.Job.log_info
    sink = open(out, "w")

    def log_info(self, *a, **k):
        params = {n: v for n, v in self.params.items() if n not in VOLATILE_PARAMS}
        record = {"rule": self.rule.name, "input": sorted(map(str, self.input)),
                  "output": sorted(map(str, self.output)), "log": sorted(map(str, self.log)),
                  "benchmark": str(self.benchmark) if self.benchmark else None, "threads": self.threads,
                  "resources": {k2: v for k2, v in self.resources.items() if k2 not in ("tmpdir", "_cores", "_nodes")},
                  "params": params}
        sink.write(json.dumps(record, sort_keys=True, default=repr) + "\n")
        return original(self, *a, **k)

    snakemake.jobs.Job.log_info = log_info
    try:
        main(args)
    finally:
        sink.close()


def planned_jobs(tree: Path, wd: Path, config: str) -> dict[str, dict]:
    """Every job of `config` planned by `tree`'s workflow, by its sorted outputs."""
    out = wd / "jobs.jsonl"
    run = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--dump-jobs", str(out), "--",
                          "-n", "--forceall", f"--configfile={config}"],
                         cwd=wd, env=_env(tree), capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"dry run failed in {wd} ({tree}):\n{run.stderr[-3000:]}")
    jobs = [json.loads(line) for line in out.read_text().splitlines()]
    return {"|".join(j["output"]) or f"<{j['rule']}>": j for j in jobs}


def _difference(before: dict, after: dict) -> str:
    """What differs between two records of one job, in words (param names, not values)."""
    words = [f for f in sorted(set(before) | set(after)) if f != "params" and before.get(f) != after.get(f)]
    p0, p1 = before["params"], after["params"]
    for kind, names in (("params added", sorted(set(p1) - set(p0))), ("params removed", sorted(set(p0) - set(p1))),
                        ("params changed", sorted(n for n in set(p0) & set(p1) if p0[n] != p1[n]))):
        if names:
            words.append(f"{kind}: {', '.join(names)}")
    return "; ".join(words)


def check_dag(base: Path, tmp: Path, configs: list[str]) -> int:
    """Print, per config, the jobs only one side plans and, by rule, how the jobs both plan differ."""
    differences = 0
    for config in configs:
        before = planned_jobs(base, workdir(base, tmp / "dag-base"), config)
        after = planned_jobs(ROOT, workdir(ROOT, tmp / "dag-tree"), config)
        only_before, only_after = sorted(set(before) - set(after)), sorted(set(after) - set(before))
        changed: dict[tuple[str, str], int] = {}
        for k in sorted(set(before) & set(after)):
            if before[k] != after[k]:
                key = (before[k]["rule"], _difference(before[k], after[k]))
                changed[key] = changed.get(key, 0) + 1
        print(f"{config}: {len(before)} jobs before, {len(after)} after; outputs only before: {len(only_before)}, "
              f"only after: {len(only_after)}; jobs with the same outputs that differ: {sum(changed.values())}")
        for k in only_before[:10]:
            print(f"  - {k}")
        for k in only_after[:10]:
            print(f"  + {k}")
        for (rule, what), n in sorted(changed.items()):
            print(f"  ~ {rule} ({n} jobs): {what}")
        differences += len(only_before) + len(only_after) + sum(changed.values())
    return 1 if differences else 0


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--dump-jobs":
        dump_jobs(sys.argv[2], sys.argv[4:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="c49f292", help="the commit to compare with (default: c49f292)")
    ap.add_argument("--runs", type=int, default=3, help="dry runs per side (median reported)")
    ap.add_argument("--config", default="configs/paper.yaml")
    ap.add_argument("--check-dag", action="store_true", help="compare the planned jobs instead of timing")
    ap.add_argument("--configs", nargs="+", default=["config.yaml", "configs/paper.yaml", "configs/rehearsal.yaml"])
    ap.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()) / "textsr-bench-plan")
    a = ap.parse_args()
    a.tmp.mkdir(parents=True, exist_ok=True)
    base = base_tree(a.base, a.tmp)
    if a.check_dag:
        return check_dag(base, a.tmp, a.configs)
    bench(base, a.tmp, a.config, a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
