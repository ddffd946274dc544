#!/usr/bin/env bash
# A real SLURM cluster on this machine, then the embedded default DAG through profiles/slurm; the tables must equal
# a local run's. Root, Debian; installs slurmctld slurmd slurm-client munge with apt, writes /etc/slurm/{slurm,gres}.conf
# and a munge key, and leaves the daemons running: for throw-away machines and CI.
#
# Two nodes on this one machine (two slurmd, `slurmd -N`, each on its own port): `gpunode` with two fake GPUs
# behind partition gpu, `cpunode` without any GPU behind partition cpu (the default). A GPU job routed to the CPU
# partition is refused by sbatch there, as on a real cluster; the script lists each job's partition and fails if a
# GPU job ran on cpu or no job ran on cpu at all.
#
#   bash tests/cluster/run_slurm.sh [CONFIG]        (CONFIG: default config.yaml; CI may pass a smaller one)
#
# Config at /etc/slurm/slurm.conf (the SLURM jobstep plugin strips SLURM_CONF from nested srun calls, so it must be
# the default path), proctrack/pgid, task/none, no accounting (status via squeue, --slurm-no-account), two fake
# GPUs as gres so the GPU rules (gpu=1) schedule. Both runs use 1 thread per job (the default profile's; the SLURM
# profile's paper-sized threads and memory are overridden to fit this machine, its GPU requests kept).
# TEXTSR_SLURM_SETUP_ONLY=1: stop once the cluster runs a CPU and a GPU job. Exit 0 only if the tables are equal.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONFIG=${1:-$ROOT/config.yaml}
PY=${PYTHON:-$ROOT/.venv/bin/python}
WORK=$(mktemp -d /tmp/textsr-slurm.XXXXXX)
log() { printf '[slurm-test %s] %s\n' "$(date +%T)" "$*"; }

log "installing SLURM and munge (apt)"
export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  # exit 77 = "could not set up" (the pytest wrapper skips), unlike a failing workflow run
  apt-get update -qq || exit 77
  apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null || exit 77
fi

log "configuring a one-node cluster"
MARK="# written by TextSR-Bench tests/cluster/run_slurm.sh"
if [ -e /etc/slurm/slurm.conf ] && ! grep -qF "$MARK" /etc/slurm/slurm.conf; then
  log "/etc/slurm/slurm.conf exists and was not written by this script: refusing to replace a real cluster's config"
  exit 77
fi
HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/log/munge /var/lib/munge
cat > /etc/slurm/slurm.conf <<CONF
$MARK
ClusterName=textsr
SlurmctldHost=${HOST}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
MinJobAge=43200
MailProg=/bin/true
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
GresTypes=gpu
NodeName=gpunode NodeHostname=${HOST} NodeAddr=127.0.0.1 Port=17001 CPUs=${CPUS} RealMemory=8000 Gres=gpu:2 State=UNKNOWN
NodeName=cpunode NodeHostname=${HOST} NodeAddr=127.0.0.1 Port=17002 CPUs=${CPUS} RealMemory=8000 State=UNKNOWN
PartitionName=cpu Nodes=cpunode Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=gpunode MaxTime=INFINITE State=UP
CONF
mkdir -p /var/spool/slurmd/gpunode /var/spool/slurmd/cpunode
# two fake GPUs: plain files as device nodes (task/none binds nothing), enough for --gpus=1 to schedule
touch /var/spool/slurmd/fake_gpu0 /var/spool/slurmd/fake_gpu1
printf 'AutoDetect=off\nNodeName=gpunode Name=gpu File=/var/spool/slurmd/fake_gpu[0-1]\n' > /etc/slurm/gres.conf
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key

log "starting munged, slurmctld, slurmd"
for pidfile in /run/slurmd-gpunode.pid /run/slurmd-cpunode.pid /run/slurmd.pid /run/slurmctld.pid; do
  # daemons an earlier run of this script started (their pid files), stopped before the new config is used
  if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
done
sleep 1
rm -f /var/spool/slurmctld/*state* 2>/dev/null || true   # a fresh cluster: no node/job state from an earlier run
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force
slurmctld
slurmd -N gpunode
slurmd -N cpunode
for _ in $(seq 60); do
  if [ "$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -c idle)" -ge 2 ]; then break; fi
  sleep 2
done
sinfo -N -l
[ "$(sinfo -h -N -o '%N %T' | grep -c idle)" -ge 2 ] || { log "nodes not idle"; scontrol show node; exit 1; }
srun -p gpu --gpus=1 -N1 true && log "a GPU job ran on partition gpu"
srun -p cpu -N1 true && log "a CPU job ran on partition cpu"
if sbatch -p cpu --gpus=1 --wrap true 2>/dev/null; then
  log "partition cpu accepted a GPU job: its node must have no GPU"; exit 1
fi
log "partition cpu refuses a GPU job"
[ "${TEXTSR_SLURM_SETUP_ONLY:-0}" = 1 ] && { log "SETUP OK"; exit 0; }

copy_workflow() {  # $1: folder; the workflow files only (the library comes from the installed venv)
  mkdir -p "$1"
  cp -r "$ROOT"/Snakefile "$ROOT"/config.yaml "$ROOT"/workflow "$ROOT"/profiles "$ROOT"/envs "$ROOT"/configs "$1"/
  cp "$CONFIG" "$1"/run-config.yaml
}
copy_workflow "$WORK/local"
copy_workflow "$WORK/slurm"
export PATH="$(dirname "$PY"):$PATH"   # jobs run `python -m snakemake` from the venv

log "local run"
(cd "$WORK/local" && "$PY" -m snakemake results/detection_table.csv results/sr_table.csv --cores 2 \
  --configfile run-config.yaml)

# The SLURM profile is sized for the paper (4-8 threads, up to 64 GB): on this machine every job gets 1 thread (as
# the local run: thread counts change float results) and at most 2000 MB; its GPU requests and runtimes are kept.
# The partition is still the plugin's choice from partitions.yaml.
FIT=$("$PY" - "$ROOT/profiles/slurm/profile.yaml" <<'PY'
import sys, yaml
profile = yaml.safe_load(open(sys.argv[1]))
threads = [f"{rule}=1" for rule in profile.get("set-threads", {})]
resources = [f"{rule}:{key}={min(value, 2000) if key == 'mem_mb' else value}"
             for rule, spec in profile.get("set-resources", {}).items() for key, value in spec.items()]
print(" ".join(["--set-threads", *threads, "--set-resources", *resources]))
PY
)
log "SLURM run ($FIT)"
# shellcheck disable=SC2086  # FIT is a list of words without spaces
(cd "$WORK/slurm" && "$PY" -m snakemake results/detection_table.csv results/sr_table.csv \
  --workflow-profile profiles/slurm --slurm-status-command squeue --slurm-no-account \
  --slurm-init-seconds-before-status-checks 5 --jobs 4 --configfile run-config.yaml $FIT)

log "jobs SLURM ran:"
JOBS=$(squeue -h -t all -O "JobID:8,Partition:10,State:11,tres-per-job:16,Comment:60" 2>/dev/null | sort -n || true)
echo "$JOBS"
RULE_JOBS=$(echo "$JOBS" | awk '$5 ~ /^rule_/')
GPU_ON_GPU=$(echo "$RULE_JOBS" | awk '$2 == "gpu" && $4 ~ /gpu/' | wc -l)
CPU_ON_CPU=$(echo "$RULE_JOBS" | awk '$2 == "cpu" && $4 !~ /gpu/' | wc -l)
OTHER=$(echo "$RULE_JOBS" | awk 'NF && !(($2 == "gpu" && $4 ~ /gpu/) || ($2 == "cpu" && $4 !~ /gpu/))' | wc -l)
log "partitions: $GPU_ON_GPU GPU jobs on gpu, $CPU_ON_CPU CPU jobs on cpu, $OTHER elsewhere"
if [ "$GPU_ON_GPU" -eq 0 ] || [ "$CPU_ON_CPU" -eq 0 ] || [ "$OTHER" -ne 0 ]; then
  log "jobs were not routed by their resources"; exit 1
fi

for t in detection_table.csv sr_table.csv; do
  if cmp "$WORK/local/results/$t" "$WORK/slurm/results/$t"; then
    log "$t: SLURM == local"
  else
    log "$t differs"; diff "$WORK/local/results/$t" "$WORK/slurm/results/$t" || true; exit 1
  fi
done
cat "$WORK/slurm/results/detection_table.csv"
log "PASS ($WORK)"
