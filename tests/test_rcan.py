"""RCAN and its attention gates: official key layout, strict loading, channel / spatial attention behaviour."""

from __future__ import annotations

import pytest
import torch

from textsr.models.attention import SpatialAttention
from textsr.models.rcan import RCAN, ChannelAttention, MeanShift
from textsr.models.registry import build_arch, recognise


def official_state_dict(scale: int, groups: int = 10, blocks: int = 20, feats: int = 64, red: int = 16) -> dict:
    """RCAN_BIX{scale}.pt layout written from the key list of reference/methods.md 1.3; constant values (cheap)."""
    shapes = {"sub_mean.weight": (3, 3, 1, 1), "sub_mean.bias": (3,), "add_mean.weight": (3, 3, 1, 1),
              "add_mean.bias": (3,), "head.0.weight": (feats, 3, 3, 3), "head.0.bias": (feats,)}
    for gi in range(groups):
        for b in range(blocks):
            p = f"body.{gi}.body.{b}.body."
            shapes |= {p + "0.weight": (feats, feats, 3, 3), p + "0.bias": (feats,),
                       p + "2.weight": (feats, feats, 3, 3), p + "2.bias": (feats,),
                       p + "3.conv_du.0.weight": (feats // red, feats, 1, 1), p + "3.conv_du.0.bias": (feats // red,),
                       p + "3.conv_du.2.weight": (feats, feats // red, 1, 1), p + "3.conv_du.2.bias": (feats,)}
        shapes |= {f"body.{gi}.body.{blocks}.weight": (feats, feats, 3, 3), f"body.{gi}.body.{blocks}.bias": (feats,)}
    shapes |= {f"body.{groups}.weight": (feats, feats, 3, 3), f"body.{groups}.bias": (feats,)}
    ups = [(2, 4)] * {2: 1, 4: 2, 8: 3}.get(scale, 0) or [(3, 9)]
    for i, (_, mult) in enumerate(ups):
        shapes |= {f"tail.0.{2 * i}.weight": (mult * feats, feats, 3, 3), f"tail.0.{2 * i}.bias": (mult * feats,)}
    shapes |= {"tail.1.weight": (3, feats, 3, 3), "tail.1.bias": (3,)}
    return {k: torch.full(s, 1e-4) for k, s in shapes.items()}


@pytest.mark.parametrize("scale,n_keys,n_params", [(4, 1634, 15_592_379), (2, 1632, 15_444_667)])
def test_official_paper_size_state_dict_loads_strictly(scale, n_keys, n_params):
    sd = official_state_dict(scale)
    assert len(sd) == n_keys  # methods.md 1.3: x2 1632 tensors, x4 1634
    model = RCAN(scale=scale, n_resgroups=10, n_resblocks=20, n_feats=64, reduction=16)
    model.load_state_dict(sd, strict=True)
    assert sum(p.numel() for p in model.parameters()) == n_params  # methods.md 1.2
    with torch.no_grad():
        out = model(torch.rand(1, 3, 6, 5) * 255)
    assert out.shape == (1, 3, 6 * scale, 5 * scale) and torch.isfinite(out).all()


@pytest.mark.parametrize("scale", [3, 8])
def test_small_official_layout_x3_x8(scale):
    sd = official_state_dict(scale, groups=2, blocks=3, feats=16, red=4)
    model = RCAN(scale=scale, n_resgroups=2, n_resblocks=3, n_feats=16, reduction=4)
    model.load_state_dict(sd, strict=True)
    assert model(torch.rand(1, 3, 4, 4)).shape == (1, 3, 4 * scale, 4 * scale)


def test_meanshift_subtracts_then_adds_div2k_mean():
    x = torch.rand(1, 3, 2, 2) * 255
    sub, add = MeanShift(255, sign=-1), MeanShift(255, sign=1)
    # 0.4488 * 255 = 114.444 subtracted from the red channel
    assert torch.allclose(sub(x)[0, 0], x[0, 0] - 114.444, atol=1e-4)
    assert torch.allclose(add(sub(x)), x, atol=1e-4)
    assert not any(p.requires_grad for p in sub.parameters())


def test_channel_attention_scales_channels_by_sigmoid_gate():
    ca = ChannelAttention(4, reduction=2)
    for m in ca.conv_du:
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.zeros_(m.weight)
            torch.nn.init.zeros_(m.bias)
    x = torch.rand(2, 4, 3, 3)
    assert torch.allclose(ca(x), 0.5 * x)  # zero convs -> sigmoid(0) = 0.5 on every channel


def test_spatial_attention_pools_max_then_mean():
    sa = SpatialAttention(kernel_size=3)
    with torch.no_grad():
        sa.conv.weight.zero_()
        sa.conv.weight[0, 0, 1, 1] = 1.0  # centre tap of channel 0 (= max over channels)
        sa.conv.bias.zero_()
    x = torch.tensor([[[[0.0, 2.0]], [[1.0, -1.0]]]])  # (1, 2, 1, 2): channel max = (1, 2)
    y, a = sa(x)
    assert a.shape == (1, 1, 1, 2)
    assert torch.allclose(a, torch.sigmoid(torch.tensor([[[[1.0, 2.0]]]])))
    assert torch.allclose(y, x * a)


def test_gates_add_only_sa_keys_so_an_rcan_checkpoint_loads_except_them():
    rcan = RCAN(scale=2, n_resgroups=2, n_resblocks=2, n_feats=16, reduction=4)
    dat = RCAN(scale=2, n_resgroups=2, n_resblocks=2, n_feats=16, reduction=4)
    dat.attach_attention(["group1", "group0"])
    result = dat.load_state_dict(rcan.state_dict(), strict=False)
    assert sorted(result.missing_keys) == ["sa.group0.conv.bias", "sa.group0.conv.weight",
                                           "sa.group1.conv.bias", "sa.group1.conv.weight"]
    assert not result.unexpected_keys and not any(k.startswith("sa.") for k in rcan.state_dict())
    x = torch.rand(2, 3, 5, 7) * 255
    sr, taps = dat.forward_taps(x, ["group0"])
    assert sr.shape == (2, 3, 10, 14) and set(taps.maps) == {"group0", "group1"}
    assert taps.maps["group1"].shape == (2, 1, 5, 7) and taps.features["group0"].shape == (2, 16, 5, 7)


def test_forward_with_taps_equals_the_plain_forward_and_gated_places_change_it():
    torch.manual_seed(0)
    rcan = RCAN(scale=4, n_resgroups=2, n_resblocks=2, n_feats=16, reduction=4)
    x = torch.rand(1, 3, 6, 6) * 255
    with torch.no_grad():
        plain = rcan(x)
        tapped, taps = rcan.forward_taps(x, ["head", "group0", "group1", "body", "skip"])
        assert taps.maps == {} and torch.equal(tapped, plain)
        # the skip place is the body output plus the head output (RCAN's long skip), FAKD's last tap
        assert torch.allclose(taps.features["skip"], taps.features["body"] + taps.features["head"])
        rcan.attach_attention(["group0"])
        assert not torch.equal(rcan(x), plain)


def test_gates_at_unknown_places_are_refused_and_default_places_are_middle_and_last():
    with pytest.raises(ValueError, match="group2"):
        RCAN(scale=2, n_resgroups=2, n_resblocks=1, n_feats=16, reduction=4).attach_attention(["group2"])
    assert RCAN(scale=4).default_attention_places() == ["group4", "group9"]  # the paper config's gates
    assert RCAN(scale=4, n_resgroups=2, n_resblocks=1, n_feats=16).default_attention_places() == ["group0", "group1"]


def test_fakd_student_rcan_10x6_has_the_published_parameter_count():
    model = build_arch("rcan", scale=4, n_resgroups=10, n_resblocks=6, n_feats=64, reduction=16)
    assert sum(p.numel() for p in model.parameters()) == 5_171_339  # methods.md 4.2 (FAKD's RCAN student)


def test_registry_recognises_rcan_with_its_gates():
    model = build_arch("rcan", scale=3, n_resgroups=3, n_resblocks=1, n_feats=8, reduction=2,
                       attention={"places": ["group2", "group0"], "kernel_size": 5})
    name, kwargs, attention = recognise(model.state_dict())
    assert name == "rcan" and kwargs == {"scale": 3, "n_resgroups": 3, "n_resblocks": 1, "n_feats": 8,
                                         "reduction": 2, "kernel_size": 3}
    assert attention == {"places": ["group0", "group2"], "kernel_size": 5}
