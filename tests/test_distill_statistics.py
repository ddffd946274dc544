"""SRKD channel-wise statistic maps and their loss (textsr.distill.statistics)."""

from __future__ import annotations

import pytest
import torch

from textsr.distill.statistics import check_statistics, feature_statistics, srkd_loss


def _feature() -> torch.Tensor:
    # (1, 4, 1, 2): position 0 holds channels (1, 2, 3, 6), position 1 holds (5, 5, 5, 5)
    return torch.tensor([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [6.0, 5.0]]).reshape(1, 4, 1, 2)


def test_feature_statistics_are_channel_mean_and_population_std():
    m = feature_statistics(_feature(), ("mean", "std", "var"))
    assert m.shape == (1, 3, 1, 2)
    # position 0: mean 12/4 = 3; deviations (-2, -1, 0, 3), squares sum 14 -> population var 14/4 = 3.5
    # (unbiased would be 14/3 = 4.667), std sqrt(3.5) = 1.870829; position 1: mean 5, var 0, std sqrt(1e-12) = 1e-6
    assert m[0, 0, 0].tolist() == pytest.approx([3.0, 5.0])
    assert m[0, 1, 0].tolist() == pytest.approx([1.870829, 1e-6], rel=1e-5)
    assert m[0, 2, 0].tolist() == pytest.approx([3.5, 0.0])


def test_feature_statistics_follow_the_configured_order():
    f = _feature()
    assert torch.equal(feature_statistics(f, ("std", "mean")), feature_statistics(f, ("mean", "std")).flip(1))
    assert feature_statistics(f, "mean").shape == (1, 1, 1, 2)


def test_srkd_loss_hand_computed():
    s = _feature().requires_grad_()
    t = torch.tensor([[[[0.0, 5.0]]]], requires_grad=True)  # one channel: mean (0, 5), std (1e-6, 1e-6)
    # mean maps (3, 5) vs (0, 5): squared 9, 0; std maps (1.870829, 1e-6) vs (1e-6, 1e-6): 3.5, 0 (to 1e-5)
    # MSE over 2 statistics x 2 positions: (9 + 3.5) / 4 = 3.125
    loss = srkd_loss(s, t)
    assert loss.item() == pytest.approx(3.125, rel=1e-5)
    # mean only: (9 + 0) / 2 = 4.5; two pairs sum: 4.5 + 4.5
    assert srkd_loss([s, s], [t, t], stats=("mean",)).item() == pytest.approx(9.0)
    loss.backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0  # finite where all channels are equal
    assert t.grad is None


def test_srkd_statistics_option_is_validated():
    assert check_statistics(["mean", "var"]) == ("mean", "var")
    with pytest.raises(ValueError, match="unknown \\['skew'\\]"):
        check_statistics(["mean", "skew"])
    with pytest.raises(ValueError, match="once"):
        check_statistics(["std", "std"])
    with pytest.raises(ValueError, match="non-empty"):
        check_statistics([])
    with pytest.raises(ValueError, match="same B, h and w"):
        srkd_loss(torch.zeros(1, 2, 2, 2), torch.zeros(2, 2, 2, 2))
