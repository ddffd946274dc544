"""Benchmark: the registered students at x4: parameters, MACs, CPU forward time relative to RCAN, peak memory.

    python bench/students.py [--scale 4] [--mac-size 256] [--size 64] [--repeats 3] [--threads 1] [--no-memory]

Per student (official sizes: RCAN 10x20x64 and FAKD's 10x6 student, E-RFDN, RFDN (paper size), A2N, SRNet,
FSRCNN):
- parameters (`count_parameters`, RCAN's frozen MeanShift included, BatchNorm buffers not);
- MACs of one forward at a `--mac-size` square LR input (256 by default): `torch.utils.flop_counter` FLOPs / 2
  (convolutions, transposed convolutions and matrix products; element-wise ops, pooling and interpolation are
  not counted), run on the meta device, so no arithmetic is done;
- CPU forward time (no grad, eval mode, `--threads` threads) at a `--size` square LR input, as the median of
  `--repeats` runs after one warm-up, the students taking turns (round robin) so that load from other processes
  hits all alike; reported with the ratio to RCAN 10x20 timed in the same run. The default size is 64, not 256:
  RCAN at 256x256 costs about 1 TMAC, tens of seconds a forward on one core;
- peak memory: the peak resident set size during one no-grad forward at `--size` minus the resident size just
  before it (Linux `/proc/self/status` VmHWM - VmRSS, the peak reset by writing 5 to `/proc/self/clear_refs`),
  in a fresh Python process per student with glibc's mmap threshold fixed at 128 KiB (`MALLOC_MMAP_THRESHOLD_`)
  and the heap trimmed before the forward, so freed activations leave the resident set: it counts activations
  and allocator overhead, not the weights. Where the peak cannot be reset it falls back to the increase of
  `ru_maxrss`, which undercounts (memory freed earlier is reused) and is marked "*".
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from textsr.models.base import count_parameters
from textsr.models.registry import build_arch

#: label -> (registry name, constructor keywords besides the scale)
STUDENTS = {
    "RCAN 10x20": ("rcan", {"n_resgroups": 10, "n_resblocks": 20}),
    "RCAN 10x6": ("rcan", {"n_resgroups": 10, "n_resblocks": 6}),
    "E-RFDN": ("erfdn", {}),
    "RFDN 48x6": ("rfdn", {}),
    "A2N": ("a2n", {}),
    "SRNet": ("srnet", {}),
    "FSRCNN": ("fsrcnn", {}),
}
REFERENCE = "RCAN 10x20"


def _input(model, size: int, device: str = "cpu") -> torch.Tensor:
    channels = 1 if model.colour == "y" else 3
    return torch.rand(1, channels, size, size, device=device) * model.input_range


def macs(arch: str, kwargs: dict, size: int) -> int:
    """Multiply-accumulates of one forward at a size x size LR input (FLOPs / 2), counted on the meta device."""
    with torch.device("meta"):
        model = build_arch(arch, **kwargs).eval()
        x = _input(model, size, "meta")
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return counter.get_total_flops() // 2


def peak_memory_mib(label: str, scale: int, size: int, threads: int) -> tuple[float, bool]:
    """(MiB, exact) of one forward's peak memory, in a fresh process (see the module docstring)."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
    out = subprocess.run([sys.executable, __file__, "--_memory", label, "--scale", str(scale), "--size", str(size),
                          "--threads", str(threads)], capture_output=True, text=True, check=True, env=env)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res["mib"], res["exact"]


def _status_kib(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE).group(1))


def _memory_child(label: str, scale: int, size: int, threads: int) -> None:
    torch.set_num_threads(threads)
    arch, kwargs = STUDENTS[label]
    model = build_arch(arch, scale=scale, **kwargs).eval()
    x = _input(model, size)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current resident size
        exact = _status_kib("VmHWM") <= before + 1024
    except (OSError, AttributeError):
        exact = False
    if not exact:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with torch.no_grad():
        model(x)
    after = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    print(json.dumps({"mib": (after - before) / 1024, "exact": exact}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--mac-size", type=int, default=256, help="LR side for the MAC count (default 256)")
    ap.add_argument("--size", type=int, default=64, help="LR side for time and memory (default 64)")
    ap.add_argument("--repeats", type=int, default=3, help="timed forwards per student (after 1 warm-up)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--_memory", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._memory is not None:
        _memory_child(args._memory, args.scale, args.size, args.threads)
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    models, inputs, times, rows = {}, {}, {}, {}
    for label, (arch, kwargs) in STUDENTS.items():
        kw = {"scale": args.scale, **kwargs}
        models[label] = build_arch(arch, **kw).eval()
        inputs[label] = _input(models[label], args.size)
        times[label] = []
        rows[label] = {"params": count_parameters(models[label]), "gmacs": macs(arch, kw, args.mac_size) / 1e9}
    with torch.no_grad():
        for r in range(args.repeats + 1):
            for label, model in models.items():
                t0 = time.perf_counter()
                model(inputs[label])
                if r:
                    times[label].append(time.perf_counter() - t0)
    for label in STUDENTS:
        rows[label]["seconds"] = statistics.median(times[label])
        rows[label]["mib"] = None if args.no_memory else peak_memory_mib(label, args.scale, args.size, args.threads)

    ref = rows[REFERENCE]["seconds"]
    print(f"students x{args.scale}: MACs at {args.mac_size}x{args.mac_size} LR; time and peak memory at "
          f"{args.size}x{args.size} LR, {args.threads} thread(s), median of {args.repeats}, round robin")
    print(f"{'student':12s} {'params':>11s} {'GMACs':>9s} {'time (s)':>9s} {'vs RCAN':>8s} {'peak MiB':>9s}")
    for label, row in rows.items():
        mib = "-" if row["mib"] is None else f"{row['mib'][0]:.1f}" + ("" if row["mib"][1] else "*")
        print(f"{label:12s} {row['params']:11,d} {row['gmacs']:9.2f} {row['seconds']:9.3f} "
              f"{row['seconds'] / ref:8.3f} {mib:>9s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
