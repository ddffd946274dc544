#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, then the embedded default DAG through profiles/slurm; the tables
# must equal a local run's. Root, Debian; installs slurmctld slurmd slurm-client munge with apt, writes
# /etc/slurm/{slurm,gres}.conf and a munge key, and leaves the daemons running: for throw-away machines and CI.
#
#   bash tests/cluster/run_slurm.sh [CONFIG]        (CONFIG: default config.yaml; CI may pass a smaller one)
#
# Config at /etc/slurm/slurm.conf (the SLURM jobstep plugin strips SLURM_CONF from nested srun calls, so it must be
# the default path), proctrack/pgid, task/none, no accounting (status via squeue, --slurm-no-account), two fake
# GPUs as gres so the GPU rules (gpu=1) schedule. Exit 0 only if the SLURM tables equal the local tables.
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
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
GresTypes=gpu
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=16000 Gres=gpu:2 State=UNKNOWN
PartitionName=cpu Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${HOST} MaxTime=INFINITE State=UP
CONF
# two fake GPUs: plain files as device nodes (task/none binds nothing), enough for --gpus=1 to schedule
touch /var/spool/slurmd/fake_gpu0 /var/spool/slurmd/fake_gpu1
printf 'AutoDetect=off\nNodeName=%s Name=gpu File=/var/spool/slurmd/fake_gpu[0-1]\n' "$HOST" > /etc/slurm/gres.conf
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key

log "starting munged, slurmctld, slurmd"
pkill -x slurmd 2>/dev/null || true
pkill -x slurmctld 2>/dev/null || true
rm -f /var/spool/slurmctld/*state* 2>/dev/null || true   # a fresh cluster: no node/job state from an earlier run
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --force
slurmctld
slurmd
for _ in $(seq 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then break; fi
  sleep 2
done
sinfo -N -l
sinfo -h -o '%T' | grep -q idle || { log "node not idle"; scontrol show node "$HOST"; exit 1; }
srun -p gpu --gpus=1 -N1 true && log "a GPU job ran"

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

log "SLURM run"
(cd "$WORK/slurm" && "$PY" -m snakemake results/detection_table.csv results/sr_table.csv \
  --workflow-profile profiles/slurm --slurm-status-command squeue --slurm-no-account \
  --slurm-init-seconds-before-status-checks 5 --jobs 4 --configfile run-config.yaml)

log "jobs SLURM ran:"
squeue -h -t all -O "JobID:6,Partition:5,State:11,TresPerJob:12,Comment:60" 2>/dev/null | sort -n || true

for t in detection_table.csv sr_table.csv; do
  if cmp "$WORK/local/results/$t" "$WORK/slurm/results/$t"; then
    log "$t: SLURM == local"
  else
    log "$t differs"; diff "$WORK/local/results/$t" "$WORK/slurm/results/$t" || true; exit 1
  fi
done
cat "$WORK/slurm/results/detection_table.csv"
log "PASS ($WORK)"
