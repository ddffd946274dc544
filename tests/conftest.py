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
