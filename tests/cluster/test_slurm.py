"""The embedded DAG on a real SLURM cluster on this machine (tests/cluster/run_slurm.sh) gives the local run's
tables, with every job routed by its resources: GPU jobs to partition gpu (a node with two fake GPUs), the others to
partition cpu (a second node without any, where a misrouted GPU job would be refused).

Opt-in (TEXTSR_RUN_SLURM=1; .ci/run sets it): the script installs Debian's slurmctld, slurmd, slurm-client and
munge, writes /etc/slurm/ and starts daemons, which a test suite must not do to a machine unasked. Needs root and
apt-get. Uses the integration config to stay within a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "cluster" / "run_slurm.sh"
CONFIG = ROOT / "tests" / "integration" / "config.yaml"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("TEXTSR_RUN_SLURM") != "1",
                       reason="sets up a real SLURM cluster on this machine: opt in with TEXTSR_RUN_SLURM=1"),
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="a SLURM cluster needs root"),
    pytest.mark.skipif(shutil.which("apt-get") is None, reason="installs SLURM with apt-get (Debian)"),
]


def test_dag_on_one_node_slurm_equals_local_run():
    env = {**os.environ, "PYTHON": sys.executable}
    run = subprocess.run(["bash", str(SCRIPT), str(CONFIG)], capture_output=True, text=True, timeout=1800, env=env)
    if run.returncode == 77:
        pytest.skip("could not install SLURM with apt-get: " + run.stderr[-500:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert "detection_table.csv: SLURM == local" in run.stdout
    assert "rule_train_wildcards_rcan_dat_synth_bi_7_4" in run.stdout  # GPU rules went through sbatch (bi, seed 7)
    assert "partition cpu refuses a GPU job" in run.stdout  # the CPU partition's node has no GPU
    routed = re.search(r"partitions: (\d+) GPU jobs on gpu, (\d+) CPU jobs on cpu, (\d+) elsewhere", run.stdout)
    # integration config: 3 trainings + 1 teacher map + 3 superres + 6 detect = 13 GPU jobs at least (recognition
    # adds more when configured); the CPU side holds degrade, bicubic, evaluate, sr_metrics at least
    assert routed and int(routed[1]) >= 13 and int(routed[2]) >= 4 and int(routed[3]) == 0, routed
