#!/usr/bin/env bash
# The GPU path, checked in one prepared run of at most ~10 minutes, for whenever a GPU machine is lent:
#   bash bench/gpu_check.sh            (from the repository root, with the project's venv built: .venv/)
# 1. CUDA present, deterministic switches honoured by training (textsr.train sets them when deterministic: true);
# 2. RCAN training-step time with amp off / bf16 / fp16 on CUDA (bench/train_step.py --device cuda);
# 3. CRAFT boxes on the GPU against the CPU's on the real samples (bench/craft_devices.py);
# 4. the rehearsal DAG on CUDA (tests/integration/test_rehearsal.py; device auto picks the GPU).
# No GPU was lent while this was written: the script has run on CPU machines only (it stops at step 1 there).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export PYTHONUNBUFFERED=1
"$PY" - <<'PYEOF' || exit 2
import torch
if not torch.cuda.is_available():
    raise SystemExit("no CUDA device visible: nothing to check here")
print("CUDA:", torch.cuda.get_device_name(0), "torch", torch.__version__)
PYEOF
echo "== 2. training step, amp off / bf16 / fp16 (paper-size RCAN, batch 16, patch 48)"
timeout 240 "$PY" bench/train_step.py --device cuda --steps 20 --groups 10 --blocks 20 --feats 64 --batch 16 --patch 48
echo "== 3. CRAFT boxes, CUDA vs CPU"
timeout 120 "$PY" bench/craft_devices.py
echo "== 4. the rehearsal on CUDA"
timeout 300 "$PY" -m pytest -q tests/integration/test_rehearsal.py
