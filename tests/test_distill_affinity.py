"""FAKD spatial affinity, its loss and the memory check (textsr.distill.affinity)."""

from __future__ import annotations

import math

import pytest
import torch

from textsr.distill.affinity import affinity_bytes, check_affinity_memory, fakd_loss, spatial_affinity


def _affinity_double_loop(f: torch.Tensor) -> torch.Tensor:
    """Brute force: cosine similarity of every pair of positions, eps 1e-8 added to each norm (official)."""
    b, _, h, w = f.shape
    out = torch.zeros(b, h * w, h * w, dtype=torch.float64)
    for n in range(b):
        vec = [f[n, :, y, x].double() for y in range(h) for x in range(w)]  # row-major positions
        for i, u in enumerate(vec):
            for j, v in enumerate(vec):
                out[n, i, j] = (u @ v) / ((u.norm() + 1e-8) * (v.norm() + 1e-8))
    return out


def test_spatial_affinity_equals_double_loop_over_positions():
    g = torch.Generator().manual_seed(3)
    f = torch.randn(2, 5, 3, 4, generator=g)
    f[1, :, 2, 1] = 0.0  # a zero vector: its row and column are 0
    a = spatial_affinity(f)
    assert a.shape == (2, 12, 12)
    assert torch.allclose(a.double(), _affinity_double_loop(f), atol=1e-6)
    assert a[1, 2 * 4 + 1].abs().max().item() == 0.0
    assert a[0].diagonal() == pytest.approx([1.0] * 12, abs=1e-6)


def test_fakd_loss_hand_computed_and_sums_pairs():
    s = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]], requires_grad=True)  # positions (1,0), (0,1): A_S = I
    t1 = torch.tensor([[[[1.0, -1.0]]]], requires_grad=True)  # one channel, opposite signs: A_T = [[1,-1],[-1,1]]
    t2 = torch.tensor([[[[3.0, 4.0]], [[4.0, 3.0]]]])  # cos = (12 + 12) / 25 = 0.96: A_T = [[1,.96],[.96,1]]
    # |A_S - A_T1| = [[0,1],[1,0]] -> mean 0.5 (teacher with fewer channels than the student is fine)
    assert fakd_loss(s, t1).item() == pytest.approx(0.5, abs=1e-6)
    # |A_S - A_T2| = [[0,.96],[.96,0]] -> mean 0.48; the pairs sum: 0.5 + 0.48
    assert fakd_loss([s, s], [t1, t2]).item() == pytest.approx(0.98, abs=1e-6)
    fakd_loss(s, t1).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0
    assert t1.grad is None  # the teacher is detached


def test_fakd_loss_is_zero_for_positively_rescaled_teacher():
    g = torch.Generator().manual_seed(0)
    s = torch.randn(2, 4, 3, 3, generator=g)
    scale = torch.rand(2, 1, 3, 3, generator=g) + 0.5  # per-position positive scale: cosines unchanged
    assert fakd_loss(s, s * scale).item() == pytest.approx(0.0, abs=1e-6)
    flip = torch.ones(1, 1, 3, 3)
    flip[..., 1, :] = -1  # flipping some positions changes their cosines with the others
    assert fakd_loss(s, s * flip).item() > 0.1


def test_fakd_loss_refuses_mismatched_pairs():
    with pytest.raises(ValueError, match="same B, h and w"):
        fakd_loss(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match="as many teacher features"):
        fakd_loss([torch.zeros(1, 2, 3, 3)], [])


def test_affinity_bytes_hand_computed():
    # official recipe: 48 px LR patch, batch 16, 3 layers: hw = 2304, one matrix 16 * 2304^2 * 4 = 339,738,624 B;
    # peak = (3 layers + 3) matrices = 2,038,431,744 B
    assert affinity_bytes(48, 16, 3) == 2_038_431_744
    # 2 px, batch 1, 1 layer, 2-byte floats: hw = 4, one matrix 16 * 2 = 32 B; (1 + 3) * 32 = 128 B
    assert affinity_bytes(2, 1, 1, dtype_bytes=2) == 128
    with pytest.raises(ValueError, match="patch_size"):
        affinity_bytes(0, 16, 3)


def test_check_affinity_memory_names_patch_bytes_and_largest_fitting_patch():
    assert check_affinity_memory(48, 16, 3, limit_bytes=2_038_431_744) == 2_038_431_744
    # 1 GiB: 6 * 16 * 4 * p^4 <= 2^30  ->  p^4 <= 2,796,202.7  ->  p = 40 (40^4 = 2,560,000; 41^4 = 2,825,761)
    with pytest.raises(ValueError) as err:
        check_affinity_memory(48, 16, 3, limit_bytes=2**30)
    msg = str(err.value)
    assert "48x48" in msg and "2038431744 bytes" in msg and "1073741824 bytes" in msg
    assert "at most 40 px" in msg
    assert math.isclose(affinity_bytes(40, 16, 3), 6 * 16 * 4 * 40**4)
    with pytest.raises(ValueError, match="no LR patch size fits"):
        check_affinity_memory(8, 16, 3, limit_bytes=100)
