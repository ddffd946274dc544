"""CRAFT model: official key names and shapes, strict loading of the released weights, the in-place ReLU quirk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from textsr.models.craft import CRAFT

WEIGHT_BEARING = ("weight", "bias")
BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


def official_keys() -> set[str]:
    """The key list of craft_mlt_25k.pth without `module.` (reference/methods.md 2.2), written out by hand."""
    keys = set()
    convs = {"slice1": (0, 3, 7, 10), "slice2": (14, 17), "slice3": (20, 24, 27), "slice4": (30, 34, 37)}
    for sl, idx in convs.items():
        for i in idx:
            keys |= {f"basenet.{sl}.{i}.{p}" for p in WEIGHT_BEARING}
            keys |= {f"basenet.{sl}.{i + 1}.{p}" for p in BN}  # each conv is followed by its BN
    keys |= {f"basenet.slice5.{i}.{p}" for i in (1, 2) for p in WEIGHT_BEARING}
    for u in range(1, 5):
        keys |= {f"upconv{u}.conv.{i}.{p}" for i in (0, 3) for p in WEIGHT_BEARING}
        keys |= {f"upconv{u}.conv.{i}.{p}" for i in (1, 4) for p in BN}
    keys |= {f"conv_cls.{i}.{p}" for i in (0, 2, 4, 6, 8) for p in WEIGHT_BEARING}
    return keys


def test_state_dict_keys_are_the_official_ones():
    keys = set(CRAFT().state_dict())
    # 134 tensors without num_batches_tracked (methods.md 2.2) + 20 BN counters = 154
    assert keys == official_keys()
    assert len(keys) == 154
    assert sum(not k.endswith("num_batches_tracked") for k in keys) == 134


def test_parameter_count_and_key_shapes():
    model = CRAFT()
    assert sum(p.numel() for p in model.parameters()) == 20_770_466  # methods.md 2.1
    sd = model.state_dict()
    assert sd["basenet.slice5.1.weight"].shape == (1024, 512, 3, 3)
    assert sd["basenet.slice5.2.weight"].shape == (1024, 1024, 1, 1)
    assert sd["upconv1.conv.0.weight"].shape == (512, 1536, 1, 1)
    assert sd["upconv1.conv.3.weight"].shape == (256, 512, 3, 3)
    assert sd["upconv4.conv.0.weight"].shape == (64, 192, 1, 1)
    assert sd["upconv4.conv.3.weight"].shape == (32, 64, 3, 3)
    assert sd["conv_cls.8.weight"].shape == (2, 16, 1, 1)


def test_released_weights_load_strictly(weights_path, craft):
    raw = torch.load(weights_path, map_location="cpu", weights_only=True)
    assert all(k.startswith("module.") for k in raw)
    assert {k[len("module."):] for k in raw} == official_keys()
    sd = craft.state_dict()
    for k, v in raw.items():
        assert sd[k[len("module."):]].shape == v.shape
    assert torch.equal(sd["conv_cls.8.bias"], raw["module.conv_cls.8.bias"])
    assert not craft.training


def test_forward_shapes_and_features_keys():
    model = CRAFT().eval()
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        y, feature = model(x)
        feats = model.features(x)
    assert y.shape == (1, 32, 48, 2)  # NHWC at 1/2
    assert feature.shape == (1, 32, 32, 48)
    expected = {
        "relu2_2": (1, 128, 32, 48), "relu3_2": (1, 256, 16, 24), "relu4_3": (1, 512, 8, 12),
        "relu5_3": (1, 512, 4, 6), "fc7": (1, 1024, 4, 6), "upconv1": (1, 256, 4, 6), "upconv2": (1, 128, 8, 12),
        "upconv3": (1, 64, 16, 24), "upconv4": (1, 32, 32, 48), "y": (1, 32, 48, 2),
    }
    assert {k: tuple(v.shape) for k, v in feats.items()} == expected
    assert torch.equal(feats["y"], y)
    assert torch.equal(feats["upconv4"], feature)


def _official_style_backbone(basenet, x):
    """The official vgg16_bn.forward: keep each slice output by reference, let the next slice's in-place ReLU act."""
    h = basenet.slice1(x)
    relu2_2 = h
    h = basenet.slice2(h)
    relu3_2 = h
    h = basenet.slice3(h)
    relu4_3 = h
    h = basenet.slice4(h)
    relu5_3 = h
    fc7 = basenet.slice5(h)
    return {"relu2_2": relu2_2, "relu3_2": relu3_2, "relu4_3": relu4_3, "relu5_3": relu5_3, "fc7": fc7}


def test_inplace_relu_quirk_on_real_weights(craft):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 96, 128, generator=g) * 1.5  # roughly the range of a normalised image
    with torch.no_grad():
        feats = craft.features(x)
        reference = _official_style_backbone(craft.basenet, x.clone())
    for name in ("relu2_2", "relu3_2", "relu4_3"):
        assert feats[name].min() >= 0, name  # ReLU'd by the next slice's in-place ReLU
    assert feats["relu5_3"].min() < 0  # followed by a max-pool: stays pre-ReLU
    assert feats["fc7"].min() < 0
    for name, value in reference.items():
        assert torch.equal(feats[name], value), name


def test_features_are_deterministic(craft):
    x = torch.zeros(1, 3, 64, 64)
    with torch.no_grad():
        a = craft.features(x)["y"]
        b = craft(x)[0]
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---------------------------------------------------------------------------------------- inference folding


def test_folded_conv_is_conv_then_batchnorm_then_relu():
    from textsr.models.craft import FoldedConv2d

    conv = torch.nn.Conv2d(1, 1, kernel_size=1)
    bn = torch.nn.BatchNorm2d(1).eval()
    with torch.no_grad():
        conv.weight.fill_(2.0), conv.bias.fill_(1.0)
        bn.weight.fill_(3.0), bn.bias.fill_(0.5), bn.running_mean.fill_(1.0), bn.running_var.fill_(4.0 - bn.eps)
    x = torch.tensor([-2.0, -0.25, 0.0, 1.0]).view(1, 1, 2, 2)
    # BN(conv(x)) = 3 * ((2x + 1) - 1) / sqrt(4) + 0.5 = 3x + 0.5: -5.5, -0.25, 0.5, 3.5; ReLU -> 0, 0, 0.5, 3.5
    with torch.no_grad():
        np.testing.assert_allclose(FoldedConv2d(conv, bn).eval()(x).flatten(), [-5.5, -0.25, 0.5, 3.5], atol=1e-6)
        np.testing.assert_allclose(FoldedConv2d(conv, bn, relu=True)(x).flatten(), [0, 0, 0.5, 3.5], atol=1e-6)
        np.testing.assert_allclose(FoldedConv2d(conv)(x).flatten(), [-3, 0.5, 1, 3], atol=1e-6)  # 2x + 1


def test_folded_fp32_model_matches_the_reference_and_keeps_the_relu_quirk(craft):
    from textsr.models.craft import fold_for_inference

    folded = fold_for_inference(craft, "fp32")
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.Conv2d)) for m in folded.modules())
    assert craft.basenet.slice2[0].__class__ is torch.nn.ReLU  # the original is left as it was
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, 96, 128, generator=g) * 1.5
    with torch.no_grad():
        ref = craft.features(x)
        got = folded.features(x.contiguous(memory_format=torch.channels_last))
    assert ref.keys() == got.keys()
    for name in ref:
        scale = float(ref[name].abs().max())
        assert float((got[name] - ref[name]).abs().max()) <= 1e-5 * max(scale, 1.0), name
    for name in ("relu2_2", "relu3_2", "relu4_3"):
        assert got[name].min() >= 0, name
    assert got["relu5_3"].min() < 0 and got["fc7"].min() < 0  # not ReLU'd, as official


def test_bf16_inference_is_close_to_fp32_and_precision_is_checked(craft):
    from textsr.models.craft import craft_forward, fold_for_inference

    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(1))
    y32, _ = craft_forward(craft, x)
    folded = fold_for_inference(craft, "bf16")
    assert {p.dtype for p in folded.parameters()} == {torch.bfloat16}
    for model in (folded, craft):  # folded bf16 weights, or the plain model under autocast
        y16, _ = craft_forward(model, x, "bf16")
        assert y16.dtype == torch.float32 and y16.shape == y32.shape
        assert float((y16 - y32).abs().max()) < 0.05  # bf16 keeps ~3 significant digits; score maps are O(1)
        assert float((y16 - y32).abs().max()) > 0  # and it is not the fp32 path
    with pytest.raises(ValueError, match="fp32"):
        craft_forward(folded, x, "fp32")
    with pytest.raises(ValueError, match="precision"):
        craft_forward(craft, x, "fp16")
