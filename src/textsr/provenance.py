"""Code versions for the pipeline: a hash of the library modules a stage runs.

Snakemake reruns a job when its script changes, not when a module the script imports changes. Rules pass
`code_version(...)` of the modules they use as a `params:` value, so editing those modules reruns (only) the
stages that use them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path


def _module_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"code_version: no module named {name!r}")
    origin = Path(spec.origin)
    if spec.submodule_search_locations:  # a package: every .py below it
        return sorted(origin.parent.rglob("*.py"))
    return [origin]


def code_version(*modules: str) -> str:
    """First 12 hex digits of the sha256 over the named modules' source files (packages: all their .py files)."""
    h = hashlib.sha256()
    for name in sorted(modules):
        for f in _module_files(name):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
