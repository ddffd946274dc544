"""PISR's VID loss and teacher loss terms (textsr.distill.vid)."""

from __future__ import annotations

import math
from collections import OrderedDict

import pytest
import torch
from torch import nn

from textsr.distill.vid import VIDLoss, imitation_loss, official_vid_state_dict, pisr_teacher_loss

SOFTPLUS_ONE = math.log(math.e - 1)  # softplus(x) = ln(1 + e^x) = 1 at this x


def _known_heads(vid: VIDLoss) -> VIDLoss:
    """mu = PReLU(x) through identity 1x1 convs (slope 0.25); variance head constant: softplus(bias) = 1."""
    c = vid.in_channels
    eye = torch.eye(c).reshape(c, c, 1, 1)
    with torch.no_grad():
        vid.mean[0].weight.copy_(eye), vid.mean[0].bias.zero_(), vid.mean[1].weight.fill_(0.25)
        vid.mean[2].weight.copy_(eye), vid.mean[2].bias.zero_()
        vid.var[0].weight.zero_(), vid.var[0].bias.zero_(), vid.var[2].weight.zero_()
        vid.var[2].bias.fill_(SOFTPLUS_ONE)
    return vid


def test_vid_laplace_hand_computed_one_channel():
    vid = _known_heads(VIDLoss(1))
    s = torch.tensor([[[[1.0, -2.0]]]], requires_grad=True)  # (1, 1, 1, 2): mu = (1, -0.5)
    t = torch.tensor([[[[1.5, 0.0]]]], requires_grad=True)  # |mu - t| = (0.5, 0.5)
    mu, b = vid.heads(s)
    assert mu.flatten().tolist() == pytest.approx([1.0, -0.5])
    assert b.flatten().tolist() == pytest.approx([0.1 + 1e-8] * 2)  # b = 0.1 * softplus + 1e-8
    # per element: 1 * ln(2 pi) / 2 + ln(2 b) + |mu - t| / b = 0.9189385 - 1.6094378 + 4.9999995 = 4.3095002
    loss = vid(s, t)
    assert loss.item() == pytest.approx(4.3095002, rel=1e-6)
    loss.backward()
    assert s.grad.abs().sum() > 0 and vid.mean[0].weight.grad is not None
    assert t.grad is None  # the teacher feature is a target


def test_vid_constant_scales_with_channels():
    vid = _known_heads(VIDLoss(2))
    s = torch.tensor([1.0, 2.0]).reshape(1, 2, 1, 1)
    t = torch.tensor([1.0, 2.2]).reshape(1, 2, 1, 1)  # |mu - t| = (0, 0.2)
    # per element: 2 * ln(2 pi) / 2 = 1.8378771, ln(0.2) = -1.6094379, plus (0, 2): 0.2284392 and 2.2284392
    # mean over the 2 elements: 1.2284392
    assert vid(s, t).item() == pytest.approx(1.2284392, abs=2e-6)


def test_vid_gaussian_hand_computed():
    vid = _known_heads(VIDLoss(1, pdf="gaussian"))
    s = torch.tensor([[[[1.0, -2.0]]]])
    t = torch.tensor([[[[1.5, 0.0]]]])  # (mu - t)^2 = 0.25 for both
    # variance v = 0.001 * 1 + 1e-8 = 0.00100001; per element ln(2 pi)/2 + ln(v)/2 + 0.25 / (2 v)
    # = 0.9189385 - 3.4538726 + 124.9987500 = 122.4638159
    assert vid(s, t).item() == pytest.approx(122.4638159, rel=1e-6)


@pytest.mark.parametrize("option, shape", [("None", (2, 3, 4, 5)), ("C", (2, 3, 1, 1)), ("HW", (2, 1, 4, 5)),
                                           ("CHW", (2, 1, 1, 1))])
def test_vid_homoscedasticity_shapes_the_scale(option, shape):
    vid = VIDLoss(3, homoscedasticity=option)
    mu, b = vid.heads(torch.randn(2, 3, 4, 5))
    assert mu.shape == (2, 3, 4, 5) and b.shape == shape and (b > 0).all()
    # official module names: Softplus is '4', or '5' after the pool ('4')
    assert type(vid.var[-1]).__name__ == "Softplus"
    assert list(vid.var._modules) == (["0", "1", "2", "4", "5"] if option in ("C", "CHW") else ["0", "1", "2", "4"])


def _official_student(c: int) -> nn.Module:
    """The official PISR student's VID part as its code builds it (models/vid_module.py), for its key names."""
    def head(out):
        return nn.Sequential(nn.Conv2d(c, c, 1), nn.PReLU(), nn.Conv2d(c, out, 1))

    var = head(c)
    var.add_module("4", nn.Softplus())
    student = nn.Module()
    student.backbone = nn.Conv2d(1, c, 5)
    student.vid_module_dict = nn.Sequential(OrderedDict([("expanding_mean", head(c)), ("expanding_var", var)]))
    return student


def test_official_vid_heads_load_strictly_and_agree():
    official = _official_student(56)
    vid = VIDLoss(56)
    vid.load_state_dict(official_vid_state_dict(official.state_dict(), "expanding"), strict=True)
    # 56 x 56 + 56 + 1 (PReLU) + 56 x 56 + 56 per head = 6,385; two heads 12,770
    assert sum(p.numel() for p in vid.parameters()) == 12_770
    x = torch.randn(1, 56, 3, 3)
    mu, b = vid.heads(x)
    assert torch.equal(mu, official.vid_module_dict.expanding_mean(x))
    assert torch.allclose(b, official.vid_module_dict.expanding_var(x) * 0.1 + 1e-8)
    with pytest.raises(ValueError, match="layer 'mapping'.*\\['expanding'\\]"):
        official_vid_state_dict(official.state_dict(), "mapping")


def test_vid_refuses_a_teacher_of_another_shape():
    with pytest.raises(ValueError, match="student's shape"):
        VIDLoss(2)(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match="\\(B, 2, h, w\\)"):
        VIDLoss(2)(torch.zeros(1, 3, 3, 3), torch.zeros(1, 3, 3, 3))


def test_pisr_teacher_loss_hand_computed():
    sr = torch.tensor([[[[0.5, 0.25]]]])
    hr = torch.tensor([[[[0.25, 0.25]]]])  # L1 mean: (0.25 + 0) / 2 = 0.125
    enc = torch.tensor([[[[0.5]]]])
    lr = torch.tensor([[[[0.1]]]])  # imitation: 0.4
    assert imitation_loss(enc, lr).item() == pytest.approx(0.4)
    assert pisr_teacher_loss(sr, hr, enc, lr).item() == pytest.approx(0.125 + 1e-4 * 0.4)  # 0.12504
    assert pisr_teacher_loss(sr, hr, enc, lr, lam=1.0).item() == pytest.approx(0.525)
    with pytest.raises(ValueError, match="same shape"):
        imitation_loss(enc, torch.zeros(1, 1, 2, 2))
