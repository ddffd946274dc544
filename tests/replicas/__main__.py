"""python -m replicas OUT_DIR [SAMPLES] (from tests/): write every replica and print the sizes and the time."""

import sys
import time

from replicas import write_replicas

start = time.perf_counter()
result = write_replicas(sys.argv[1], samples=sys.argv[2] if len(sys.argv) > 2 else None)
seconds = time.perf_counter() - start
sizes = {n: a["size"] for r in result.values() for n, a in r["archives"].items()}
for name, size in sorted(sizes.items()):
    print(f"{size:>10,d}  {name}")
print(f"{sum(sizes.values()):>10,d}  total, {len(sizes)} archives, written in {seconds:.1f} s")
