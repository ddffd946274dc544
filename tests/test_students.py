"""The efficient SR students (E-RFDN / RFDN, A2N, SRNet, FSRCNN) and PISR's privileged teacher: official keys and
parameter counts, recognition from keys, places and gates, pitfalls (RFDN's scale and minimum size, SRNet's square
maps and Diff label), against the official code read at the commits cited in the modules.

The official-format state dicts below are written from the official model code (key names and shapes), not from
the modules under test; values are constants (cheap).
"""

from __future__ import annotations

import math
import platform

import numpy as np
import pytest
import torch

from textsr.models.a2n import AAB
from textsr.models.base import count_parameters
from textsr.models.fsrcnn import FSRCNN
from textsr.models.pisr import PISRTeacher, load_privileged_teacher
from textsr.models.rcan import RCAN
from textsr.models.registry import ARCH_REGISTRY, build_arch, recognise
from textsr.models.rfdn import ERFDN, RFDN
from textsr.models.srnet import (
    DETAIL,
    EDGE_ENHANCE_MORE,
    MPRSA,
    SRNet,
    channel_pool,
    diff_label,
    pil_filter3x3,
)

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _const(shapes: dict) -> dict:
    return {k: (torch.tensor(0) if s == () else torch.full(s, 1e-3)) for k, s in shapes.items()}


def _wb(name: str, shape: tuple, bias: bool = True) -> dict:
    return {f"{name}.weight": shape, **({f"{name}.bias": (shape[0],)} if bias else {})}


def rfdn_official(nf: int = 50, n: int = 4, out_ch: int = 48) -> dict:
    """njulj/RFDN RFDN.py / block.py: RFDN(nf, num_modules); out_ch = upsampler conv outputs (48 at x4)."""
    s = _wb("fea_conv", (nf, 3, 3, 3))
    dc, f = nf // 2, nf // 4
    for i in range(1, n + 1):
        for j in (1, 2, 3):
            s |= _wb(f"B{i}.c{j}_d", (dc, nf, 1, 1)) | _wb(f"B{i}.c{j}_r", (nf, nf, 3, 3))
        s |= _wb(f"B{i}.c4", (dc, nf, 3, 3)) | _wb(f"B{i}.c5", (nf, 4 * dc, 1, 1))
        s |= (_wb(f"B{i}.esa.conv1", (f, nf, 1, 1)) | _wb(f"B{i}.esa.conv_f", (f, f, 1, 1))
              | _wb(f"B{i}.esa.conv_max", (f, f, 3, 3)) | _wb(f"B{i}.esa.conv2", (f, f, 3, 3))
              | _wb(f"B{i}.esa.conv3", (f, f, 3, 3)) | _wb(f"B{i}.esa.conv3_", (f, f, 3, 3))
              | _wb(f"B{i}.esa.conv4", (nf, f, 1, 1)))
    s |= _wb("c.0", (nf, nf * n, 1, 1)) | _wb("LR_conv", (nf, nf, 3, 3)) | _wb("upsampler.0", (out_ch, nf, 3, 3))
    return s


def a2n_official(x4: bool) -> dict:
    """haoyuc/A2N code/model/aan.py: AAN with nf 40, unf 24, 16 AABs."""
    s = _wb("conv_first", (40, 3, 3, 3))
    for i in range(16):
        p = f"AAB_trunk.{i}."
        s |= {p + "conv_first.weight": (40, 40, 1, 1), p + "conv_last.weight": (40, 40, 1, 1),
              p + "ADM.0.weight": (10, 40), p + "ADM.2.weight": (2, 10),
              p + "attention.k1.weight": (40, 40, 3, 3), p + "attention.k3.weight": (40, 40, 3, 3),
              p + "attention.k4.weight": (40, 40, 3, 3), p + "non_attention.weight": (40, 40, 3, 3)}
        s |= _wb(p + "attention.k2", (40, 40, 1, 1))
    s |= _wb("trunk_conv", (40, 40, 3, 3)) | _wb("upconv1", (24, 40, 3, 3)) | _wb("att1.conv", (24, 24, 1, 1))
    s |= _wb("HRconv1", (24, 24, 3, 3))
    if x4:
        s |= _wb("upconv2", (24, 24, 3, 3)) | _wb("att2.conv", (24, 24, 1, 1)) | _wb("HRconv2", (24, 24, 3, 3))
    return s | _wb("conv_last", (3, 24, 3, 3))


def _mixattn(p: str, c: int, r: int) -> dict:
    """common.MixAttn: CALayer (attn1) + MultiPoolingSpatialAttn (attn2) with BasicConv conv + BN."""
    s = _wb(p + "attn1.conv_du.0", (c // r, c, 1, 1)) | _wb(p + "attn1.conv_du.2", (c, c // r, 1, 1))
    for j, cin in ((1, 4), (2, 8), (3, 16)):
        q = f"{p}attn2.spatial{j}."
        s |= {q + "conv.weight": (8, cin, 7, 7), q + "bn.weight": (8,), q + "bn.bias": (8,),
              q + "bn.running_mean": (8,), q + "bn.running_var": (8,), q + "bn.num_batches_tracked": ()}
    return s


def _edsr(p: str, n: int, c: int, r: int, ups: int) -> dict:
    s = _wb(p + "sub_mean", (3, 3, 1, 1)) | _wb(p + "add_mean", (3, 3, 1, 1)) | _wb(p + "head.0", (c, 3, 3, 3))
    for i in range(n):
        s |= _wb(f"{p}body.{i}.body.0", (c, c, 3, 3)) | _wb(f"{p}body.{i}.body.2", (c, c, 3, 3))
        s |= _mixattn(f"{p}body.{i}.body.3.", c, r)
    s |= _wb(f"{p}body.{n}", (c, c, 3, 3))
    for u in range(ups):
        s |= _wb(f"{p}tail.0.{3 * u}", (4 * c, c, 3, 3))
    return s | _wb(p + "tail.1", (3, c, 3, 3))


def srnet_official(n: int = 16, c: int = 64, r: int = 16, ups: int = 2) -> dict:
    """selous123/SRNet-zoom-pytorch src/model/ssl.py: EDSR_Zoom with --attn (MixAttn blocks; Upsampler act='relu'
    puts the x2 convs at tail.0.0, tail.0.3); CALayer_head/tail = common.Attn(n_feats), reduction 16."""
    s = _edsr("", n, c, r, ups) | _edsr("model_ssl.", n, c, r, ups)
    return s | _mixattn("CALayer_head.", c, 16) | _mixattn("CALayer_tail.", c, 16)


def fsrcnn_official(d: int = 56, s_: int = 12, m: int = 4, encoder: bool = False, vid: bool = False) -> dict:
    """cvlab-yonsei/PISR models/fsrcnn.py: FSRCNNStudent / FSRCNNTeacher state dicts (backbone.network.*)."""
    p = "backbone.network."
    s = {}
    if encoder:  # encoder.py get_lcscc_encoder: [conv, PReLU, conv stride, PReLU, conv, PReLU, conv]
        s |= _wb(p + "encoder.0.0", (d, 1, 5, 5)) | {p + "encoder.0.1.weight": (1,)}
        s |= _wb(p + "encoder.0.2", (d, d, 5, 5)) | {p + "encoder.0.3.weight": (1,)}
        s |= _wb(p + "encoder.0.4", (s_, d, 3, 3)) | {p + "encoder.0.5.weight": (1,)}
        s |= _wb(p + "encoder.0.6", (1, s_, 3, 3))
    s |= _wb(p + "feature_extraction.0.0", (d, 1, 5, 5)) | {p + "feature_extraction.0.1.weight": (1,)}
    s |= _wb(p + "shrinking.0.0", (s_, d, 1, 1)) | {p + "shrinking.0.1.weight": (1,)}
    for i in range(m):
        s |= _wb(f"{p}mapping.{i}.0", (s_, s_, 3, 3)) | {f"{p}mapping.{i}.1.weight": (1,)}
    s |= _wb(p + "expanding.0.0", (d, s_, 1, 1)) | {p + "expanding.0.1.weight": (1,)}
    s |= {p + "last_layer.0.0.weight": (d, 1, 9, 9), p + "last_layer.0.0.bias": (1,)}
    if vid:  # vid_module.py, 'expanding:None': mean/var heads conv, PReLU, conv (+ Softplus)
        for head in ("mean", "var"):
            q = f"vid_module_dict.expanding_{head}."
            s |= _wb(q + "0", (d, d, 1, 1)) | {q + "1.weight": (1,)} | _wb(q + "2", (d, d, 1, 1))
    return s


# ------------------------------------------------------------------------------------ parameters and keys


@pytest.mark.parametrize("arch,kwargs,n_params", [
    ("erfdn", {"scale": 4}, 433_448),      # methods.md 5.1 (RFDN_AIM.pth)
    ("a2n", {"scale": 2}, 1_036_443),      # methods.md 5.2
    ("a2n", {"scale": 4}, 1_047_459),
    ("srnet", {"scale": 4}, 3_429_726),    # methods.md 5.3 (BN buffers not counted)
    ("srnet", {"scale": 8}, 3_725_150),
    ("fsrcnn", {"scale": 2}, 12_644),      # methods.md 4.3, d 56 s 12 m 4
    ("fsrcnn", {"scale": 4}, 12_644),      # the scale is only in the transposed conv's stride
    ("rcan", {"scale": 4, "n_resgroups": 10, "n_resblocks": 6}, 5_171_339),  # FAKD's 10 x 6 student
])
def test_parameter_counts_equal_the_official_ones(arch, kwargs, n_params):
    assert count_parameters(build_arch(arch, **kwargs)) == n_params


def test_pisr_teacher_has_98728_parameters_86084_in_the_encoder():
    t = PISRTeacher(scale=2)
    assert count_parameters(t) == 98_728 and count_parameters(t.encoder) == 86_084  # methods.md 4.3
    assert count_parameters(t.decoder) == 12_644
    # 1456 + 1 + 78456 + 1 + 6060 + 1 + 109 = 86,084: conv 1->56 5x5, conv 56->56 5x5, conv 56->12 3x3, 12->1 3x3


@pytest.mark.parametrize("arch,kwargs,official,n_keys", [
    ("erfdn", {"scale": 4}, lambda: rfdn_official(), 128),  # RFDN_AIM.pth: 128 tensors (methods.md 5.1)
    ("a2n", {"scale": 2}, lambda: a2n_official(False), 172),  # aan_x2.pt: 172 tensors (methods.md 5.2)
    ("a2n", {"scale": 4}, lambda: a2n_official(True), 178),
    ("srnet", {"scale": 4}, lambda: srnet_official(), None),
    ("fsrcnn", {"scale": 2}, lambda: fsrcnn_official(), 23),  # 3 + 3 + 4 x 3 + 3 + 2 (conv w, b, PReLU)
    ("fsrcnn", {"scale": 2, "vid_layers": ["expanding"]}, lambda: fsrcnn_official(vid=True), 33),  # + 2 x 5
])
def test_official_format_state_dict_loads_strictly(arch, kwargs, official, n_keys):
    shapes = official()
    if n_keys is not None:
        assert len(shapes) == n_keys
    model = build_arch(arch, **kwargs)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == shapes
    model.load_state_dict(_const(shapes), strict=True)


def test_pisr_teacher_official_keys_load_and_its_decoder_initialises_the_student(tmp_path):
    shapes = fsrcnn_official(encoder=True)
    teacher = PISRTeacher(scale=2)
    assert {k: tuple(v.shape) for k, v in teacher.state_dict().items()} == shapes
    sd = {k: torch.randn(s) if s else torch.tensor(0) for k, s in shapes.items()}
    path = tmp_path / "epoch_1000.pth"
    torch.save({"state_dict": sd, "optimizer_dict": {}, "epoch": 1000, "step": 5}, path)  # utils/checkpoint.py
    with pytest.raises(ValueError, match="pass scale"):
        load_privileged_teacher(path)
    loaded = load_privileged_teacher(path, scale=2)
    student = FSRCNN(scale=2)
    student.load_state_dict(loaded.decoder.state_dict(), strict=True)  # PISR step 2 initialisation
    hr = torch.rand(1, 1, 12, 10)
    with torch.no_grad():
        assert torch.equal(student(loaded.encoder(hr)), loaded(hr))
        feats = loaded.teacher_features(hr, ["expanding"])
    assert feats[0].shape == (1, 56, 6, 5)  # LR-sized, d channels: where PISR distils
    with pytest.raises(ValueError, match="not those of any registered"):
        recognise(sd)  # the teacher is not a student


# ------------------------------------------------------------------------------------------ recognition


def _claimants(sd: dict) -> list[str]:
    return [name for name, cls in ARCH_REGISTRY.items() if cls.kwargs_from_state_dict(sd) is not None]


@pytest.mark.parametrize("shapes,arch,kwargs", [
    (lambda: rfdn_official(), "erfdn", {"scale": 4, "nf": 50, "num_modules": 4}),
    (lambda: rfdn_official(out_ch=12), "erfdn", {"scale": 2, "nf": 50, "num_modules": 4}),
    (lambda: rfdn_official(nf=48, n=6), "rfdn", {"scale": 4, "nf": 48, "num_modules": 6}),
    (lambda: a2n_official(True), "a2n", {"scale": 4, "nf": 40, "unf": 24, "nb": 16, "reduction": 4,
                                         "non_attention_kernel": 3}),
    (lambda: a2n_official(False), "a2n", {"nf": 40, "unf": 24, "nb": 16, "reduction": 4,
                                          "non_attention_kernel": 3}),  # x2 and x3: no scale in the weights
    (lambda: srnet_official(), "srnet", {"scale": 4, "n_resblocks": 16, "n_feats": 64, "reduction": 16,
                                         "attn": True}),
    (lambda: srnet_official(ups=3), "srnet", {"scale": 8, "n_resblocks": 16, "n_feats": 64, "reduction": 16,
                                              "attn": True}),
    (lambda: fsrcnn_official(), "fsrcnn", {"d": 56, "s": 12, "m": 4, "vid_layers": []}),
    (lambda: fsrcnn_official(vid=True), "fsrcnn", {"d": 56, "s": 12, "m": 4, "vid_layers": ["expanding"]}),
])
def test_recognise_names_each_official_layout_and_no_other_class_claims_it(shapes, arch, kwargs):
    sd = _const(shapes())
    assert recognise(sd) == (arch, kwargs, None)
    assert _claimants(sd) == [arch]


def test_recognise_still_names_rcan_and_students_with_gates():
    rcan = RCAN(scale=2, n_resgroups=2, n_resblocks=2, n_feats=16, reduction=4)
    assert _claimants(rcan.state_dict()) == ["rcan"]
    srnet = SRNet(scale=2, n_resblocks=2, n_feats=16, reduction=4)
    srnet.attach_attention(["block1"])
    name, kwargs, attention = recognise(srnet.state_dict())
    assert name == "srnet" and kwargs["n_resblocks"] == 2 and attention == {"places": ["block1"], "kernel_size": 7}


# --------------------------------------------------------------------------------------- places and gates

SMALL = [
    ("rfdn", {"nf": 16, "num_modules": 2}, 16),
    ("erfdn", {}, 16),
    ("a2n", {"nb": 2}, 6),
    ("srnet", {"n_resblocks": 2, "n_feats": 16, "reduction": 4}, 6),
    ("fsrcnn", {}, 6),
]


@pytest.mark.parametrize("arch,kwargs,side", SMALL)
@pytest.mark.parametrize("scale", [2, 4])
def test_forward_shape_and_a_gate_at_every_place_adds_only_sa_keys(arch, kwargs, side, scale):
    torch.manual_seed(0)
    model = build_arch(arch, scale=scale, **kwargs).eval()
    x = model.encode(torch.rand(2, 3, side, side) * 255)
    with torch.no_grad():
        plain = model(x)
    channels = 1 if model.colour == "y" else 3
    assert plain.shape == (2, channels, side * scale, side * scale)
    keys = set(model.state_dict())
    model.attach_attention(model.places())
    assert {k for k in model.state_dict() if k not in keys} == {
        f"sa.{p}.conv.{w}" for p in model.places() for w in ("weight", "bias")}
    with torch.no_grad():
        gated, taps = model.forward_taps(x, model.places())
    assert gated.shape == plain.shape and set(taps.maps) == set(model.places())
    assert all(taps.maps[p].shape == (2, 1) + taps.features[p].shape[2:] for p in model.places())


@pytest.mark.parametrize("arch,kwargs,side", SMALL)
def test_config_rebuilds_the_same_network(arch, kwargs, side):
    model = build_arch(arch, scale=3, **kwargs)
    again = build_arch(arch, **model.config())
    again.load_state_dict(model.state_dict(), strict=True)
    x = model.encode(torch.rand(1, 3, side, side) * 255)
    with torch.no_grad():
        assert torch.equal(model.eval()(x), again.eval()(x)) and again(x).shape[-1] == 3 * side


@pytest.mark.parametrize("arch,places", [
    ("erfdn", ("fea_conv", "B1", "B2", "B3", "B4", "LR_conv")),
    ("a2n", ("conv_first", *(f"AAB{i}" for i in range(16)), "trunk_conv")),
    ("srnet", ("head", *(f"block{i}" for i in range(16)), "body")),
    ("fsrcnn", ("feature_extraction", "shrinking", "mapping0", "mapping1", "mapping2", "mapping3", "expanding")),
])
def test_place_names_of_the_released_configurations(arch, places):
    assert build_arch(arch).places() == places


def test_fsrcnn_place_channels():
    assert FSRCNN().place_channels(["expanding", "mapping0", "feature_extraction"]) == [56, 12, 56]


# -------------------------------------------------------------------------------------------- pitfalls


def test_erfdn_x2_upsampler_and_x4_official_shape():
    assert tuple(ERFDN(scale=2).upsampler[0].weight.shape) == (12, 50, 3, 3)  # 3 * 2^2 outputs, PixelShuffle(2)
    assert tuple(ERFDN(scale=4).upsampler[0].weight.shape) == (48, 50, 3, 3)  # official: 3 * 4^2


def test_rfdn_refuses_inputs_below_15_px_and_runs_at_15():
    model = RFDN(nf=16, num_modules=1).eval()
    with pytest.raises(ValueError, match="at least 15x15 px, got 14x40"):
        model(torch.rand(1, 3, 14, 40))
    with torch.no_grad():  # 15 px: conv2 (3x3, stride 2) gives 7, the 7x7 / 3 max-pool gives 1
        assert model(torch.rand(1, 3, 15, 15)).shape == (1, 3, 60, 60)


def test_srnet_refuses_non_square_inputs():
    model = SRNet(scale=2, n_resblocks=1, n_feats=16, reduction=4).eval()
    assert model.square_input
    with pytest.raises(ValueError, match="square inputs"):
        model(torch.rand(1, 3, 6, 8))


def test_srnet_fuses_the_branch_as_the_official_forward():
    """ssl.py EDSR_Zoom.forward: head - (branch body + branch head), then body + branch head (its x1)."""
    torch.manual_seed(0)
    model = SRNet(scale=2, n_resblocks=2, n_feats=16, reduction=4).eval()
    x = torch.rand(1, 3, 6, 6) * 255
    with torch.no_grad():
        out, taps = model.forward_taps(x, ["head", "body"])
        ssl = model.model_ssl
        b_head = ssl.head(ssl.sub_mean(x))
        b_res = ssl.body(b_head) + b_head
        head = model.CALayer_head(model.head(model.sub_mean(x)) - b_res)
        body = model.CALayer_tail(model.body(head) + b_head)
        sr = model.add_mean(model.tail(body + head))
    assert torch.allclose(taps.features["head"], head) and torch.allclose(taps.features["body"], body)
    assert torch.allclose(out, sr, atol=1e-4)
    assert torch.allclose(taps.aux["diff"], ssl.add_mean(ssl.tail(b_res)), atol=1e-4)


def test_channel_pool_averages_groups_of_channels():
    x = torch.arange(4.0).view(1, 4, 1, 1).expand(1, 4, 2, 2)  # channel values 0, 1, 2, 3
    assert channel_pool(x, 2)[0, :, 0, 0].tolist() == [0.5, 2.5]  # (0+1)/2, (2+3)/2
    assert channel_pool(x, 1)[0, :, 0, 0].tolist() == [1.5]


def test_mprsa_uses_the_rot90_copies_and_repeats_8_maps_over_channels():
    sa = MPRSA(16).eval()
    with torch.no_grad():
        for s in (sa.spatial1, sa.spatial2, sa.spatial3):
            s.conv.weight.zero_()
        sa.spatial1.conv.weight[0, 1, 3, 3] = 1.0  # map 0 = centre tap of input 1 = rot90(channel mean, 1)
    x = torch.rand(1, 16, 5, 5)
    with torch.no_grad():
        y = sa(x)
    mean = x.mean(1, keepdim=True)
    gate0 = torch.sigmoid(torch.rot90(mean, 1, dims=[2, 3]) / math.sqrt(1 + 1e-5))  # BN eval: mean 0, var 1
    assert torch.allclose(y[:, 0:1], x[:, 0:1] * gate0, atol=1e-6)
    assert torch.allclose(y[:, 8:9], x[:, 8:9] * gate0, atol=1e-6)  # channel 8 gets map 8 % 8 = 0
    assert torch.allclose(y[:, 1:8], 0.5 * x[:, 1:8])  # maps 1..7: sigmoid(0)


def test_aab_weights_branches_by_softmax_with_temperature_30():
    aab = AAB(8, reduction=4).eval()
    with torch.no_grad():
        for p in aab.parameters():
            p.zero_()
        aab.conv_first.weight[:, :, 0, 0] = torch.eye(8)
        aab.conv_last.weight[:, :, 0, 0] = torch.eye(8)
        aab.non_attention.weight[:, :, 1, 1] = torch.eye(8)  # identity; the attention branch gives 0 (k4 = 0)
        aab.ADM[0].weight[0, 0] = 1.0  # hidden 0 = relu(mean of channel 0) = 1
        aab.ADM[2].weight[0, 0] = 30 * math.log(3)  # logits (30 ln 3, 0) / t = 30 -> softmax (3/4, 1/4)
    x = torch.ones(1, 8, 3, 3)
    with torch.no_grad():
        y = aab(x)
    assert torch.allclose(y, torch.full_like(x, 1.25), atol=1e-6)  # 1/4 * non_attention(x) + x (3/4 -> attention)


# ------------------------------------------------------------------------------------- SRNet's Diff label


def test_pil_detail_filter_rounds_in_float32_as_pillow():
    img = np.array([[0, 1, 0], [4, 10, 3], [0, 2, 0]], np.uint8)
    assert pil_filter3x3(img, *DETAIL)[1, 1] == 15  # (10*10 - 1 - 4 - 3 - 2) / 6 = 15
    half = np.array([[0, 1, 0], [2, 1, 2], [0, 2, 0]], np.uint8)  # (10 - 7) / 6 = 0.5 exactly
    # float32 kernel 10/6 and -1/6 sum to 0.99999994 (+0.5 offset first), truncated: 0 (Pillow gives 0 too)
    assert pil_filter3x3(half, *DETAIL)[1, 1] == 0
    assert np.array_equal(pil_filter3x3(half, *DETAIL)[0], half[0])  # border rows and columns copied


def test_diff_label_of_a_hand_made_image():
    lr = np.full((2, 2, 3), 100, np.uint8)  # bicubic x2 of a constant image: 100 everywhere
    hr = np.full((4, 4, 3), 100, np.uint8)
    hr[1, 1] = 110
    expected = np.zeros((4, 4), np.uint8)
    # |HR - up| = 10 at (1, 1); EDGE_ENHANCE_MORE: 9*10 = 90 there, 0 - 10 clipped to 0 at its inner neighbours;
    # DETAIL: (10*90 - 0) / 6 = 150 at (1, 1), negative -> 0 elsewhere; the border ring is copied (zeros)
    expected[1, 1] = 150
    assert np.array_equal(diff_label(hr, lr, 2), np.repeat(expected[..., None], 3, axis=2))
    hr[1, 1] = 130  # diff 30: 9*30 = 270 -> 255 (clip), then 10*255/6 = 425 -> 255
    assert diff_label(hr, lr, 2)[1, 1, 0] == 255


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="Pillow may fuse multiply-adds (FMA) on other CPUs, changing its float32 rounding")
def test_diff_label_equals_the_pil_chain_of_generate_s_label():
    pil = pytest.importorskip("PIL.Image")
    from PIL import ImageChops, ImageFilter

    from textsr.degrade import bicubic_upscale

    rng = np.random.default_rng(1)
    for h, w in ((16, 20), (4, 6), (30, 2)):
        lr = rng.integers(0, 256, (h // 2, w // 2, 3)).astype(np.uint8)
        hr = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        hr[: h // 2] //= 40  # small differences exercise DETAIL's rounding
        up = pil.fromarray(bicubic_upscale(lr, 2))
        ref = ImageChops.difference(pil.fromarray(hr), up).filter(ImageFilter.EDGE_ENHANCE_MORE)
        ref = ref.filter(ImageFilter.DETAIL)
        assert np.array_equal(diff_label(hr, lr, 2), np.asarray(ref))
    img = rng.integers(0, 8, (40, 40)).astype(np.uint8)
    for kernel, f in ((EDGE_ENHANCE_MORE, ImageFilter.EDGE_ENHANCE_MORE), (DETAIL, ImageFilter.DETAIL)):
        assert np.array_equal(pil_filter3x3(img, *kernel), np.asarray(pil.fromarray(img).filter(f)))


def test_srnet_auxiliary_loss_is_l1_of_the_branch_output_against_the_diff_label():
    torch.manual_seed(0)
    model = SRNet(scale=2, n_resblocks=1, n_feats=16, reduction=4)
    lr = torch.randint(0, 256, (2, 3, 4, 4)).float()
    hr = torch.randint(0, 256, (2, 3, 8, 8)).float()
    _, taps = model.forward_taps(lr)
    losses = model.auxiliary_losses(taps, lr, hr)
    labels = [diff_label(h.permute(1, 2, 0).byte().numpy(), l.permute(1, 2, 0).byte().numpy(), 2)
              for h, l in zip(hr, lr)]
    label = torch.from_numpy(np.stack(labels)).permute(0, 3, 1, 2).float()
    assert set(losses) == {"diff"} and taps.aux["diff"].shape == (2, 3, 8, 8)
    assert torch.allclose(losses["diff"], (taps.aux["diff"] - label).abs().mean())  # weight 1.0
    losses["diff"].backward()
    assert model.model_ssl.head[0].weight.grad is not None and model.head[0].weight.grad is None
    with pytest.raises(ValueError, match="forward_taps"):
        model.auxiliary_losses(type(taps)(), lr, hr)


# ------------------------------------------------------------------------------------------- FSRCNN pixels


def test_fsrcnn_input_is_pisr_y_in_0_1():
    model = FSRCNN(scale=2)
    rgb = torch.tensor([255.0, 0.0, 0.0]).view(1, 3, 1, 1)
    # skimage rgb2ycbcr: Y = 16 + 65.481 * 1 = 81.481; PISR multiplies by rgb_range / 255 = 1 / 255
    assert model.encode(rgb).item() == pytest.approx(81.481 / 255, abs=1e-6)
    assert model.encode(rgb).shape == (1, 1, 1, 1)
