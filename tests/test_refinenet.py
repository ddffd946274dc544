"""LinkRefiner: official keys and size, strict loading, numerical equality with the official `refinenet.py` and
`test.py --refine` (fixtures in tests/data/refinenet_official.json; how they were made is written in the file)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import needs_samples

from textsr.inference.detect import detect_image, format_detections
from textsr.util.imageio import read_image
from textsr.models.craft import fold_for_inference, inference_call
from textsr.models.refinenet import RefineNet
from textsr.data.weights import load_refiner

OFFICIAL = Path(__file__).parent / "data" / "refinenet_official.json"


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    yield


def official_refiner_shapes() -> dict[str, tuple[int, ...]]:
    """Keys and shapes of the official RefineNet state dict (refinenet.py @ e332dd8), written out by hand."""
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(prefix: str, cin: int, cout: int, k: int) -> None:
        shapes[f"{prefix}.weight"], shapes[f"{prefix}.bias"] = (cout, cin, k, k), (cout,)

    def bn(prefix: str, c: int) -> None:
        for p in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{p}"] = (c,)
        shapes[f"{prefix}.num_batches_tracked"] = ()

    conv("last_conv.0", 34, 64, 3), bn("last_conv.1", 64)
    conv("last_conv.3", 64, 64, 3), bn("last_conv.4", 64)
    conv("last_conv.6", 64, 64, 3), bn("last_conv.7", 64)
    for i in range(1, 5):
        conv(f"aspp{i}.0", 64, 128, 3), bn(f"aspp{i}.1", 128)
        conv(f"aspp{i}.3", 128, 128, 1), bn(f"aspp{i}.4", 128)
        conv(f"aspp{i}.6", 128, 1, 1)
    return shapes


def seeded_refiner_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """An official-format state dict drawn from torch.Generator(seed), key by key in sorted order: conv weights
    N(0, 2 / fan_in), conv biases 0.05 N; BN weight 1 + 0.1 N, bias 0.1 N, running_mean 0.1 N, running_var
    0.5 + U(0, 1), num_batches_tracked 0. The same function made the fixture with the official code."""
    shapes = official_refiner_shapes()
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key in sorted(shapes):
        prefix, name = key.rsplit(".", 1)
        shape = shapes[key]
        if name == "num_batches_tracked":
            state[key] = torch.tensor(0)
        elif f"{prefix}.running_mean" in shapes:  # a BatchNorm
            r = torch.rand(shape, generator=g) if name == "running_var" else torch.randn(shape, generator=g)
            state[key] = {"weight": 1 + 0.1 * r, "bias": 0.1 * r, "running_mean": 0.1 * r, "running_var": 0.5 + r}[name]
        elif name == "weight":
            state[key] = torch.randn(shape, generator=g) * (2.0 / float(np.prod(shape[1:]))) ** 0.5
        else:
            state[key] = 0.05 * torch.randn(shape, generator=g)
    return state


def passthrough_refiner_state(seed: int = 0, noise: float = 0.05) -> dict[str, torch.Tensor]:
    """`seeded_refiner_state` rewired so that the refined link map is ReLU(affinity) (times ~1 - 5e-6 from the
    BN eps) plus `noise` x the sum of the seeded random heads aspp2-4: channel 0 of every last_conv layer and of
    aspp1's hidden layers copies the affinity through (centre tap 1, bias 0, BN as identity), aspp1's output reads
    only that channel. A text-like link map that still depends on every layer of the network."""
    s = seeded_refiner_state(seed)

    def identity_bn(prefix: str) -> None:
        for p, v in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            s[f"{prefix}.{p}"][0] = v

    for conv, bn, src in (("last_conv.0", "last_conv.1", 1), ("last_conv.3", "last_conv.4", 0),
                          ("last_conv.6", "last_conv.7", 0), ("aspp1.0", "aspp1.1", 0)):
        s[f"{conv}.weight"][0] = 0
        s[f"{conv}.weight"][0, src, 1, 1] = 1  # input channel 1 of the concatenation = affinity
        s[f"{conv}.bias"][0] = 0
        identity_bn(bn)
    s["aspp1.3.weight"][0] = 0
    s["aspp1.3.weight"][0, 0, 0, 0] = 1
    s["aspp1.3.bias"][0] = 0
    identity_bn("aspp1.4")
    s["aspp1.6.weight"].zero_()
    s["aspp1.6.weight"][0, 0, 0, 0] = 1
    s["aspp1.6.bias"].zero_()
    for i in (2, 3, 4):
        s[f"aspp{i}.6.weight"] *= noise
        s[f"aspp{i}.6.bias"].zero_()
    return s


def forward_inputs(seed: int, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    """y (1, h, w, 2) N(0.3, 0.3) as CRAFT's NHWC score maps, feature (1, 32, h, w) ReLU(N(0, 1)) (post-ReLU)."""
    g = torch.Generator().manual_seed(seed)
    y = 0.3 + 0.3 * torch.randn(1, h, w, 2, generator=g)
    feature = torch.relu(torch.randn(1, 32, h, w, generator=g))
    return y, feature


# --------------------------------------------------------------------------------------------------- structure


def test_state_dict_keys_and_shapes_are_the_official_ones():
    sd = RefineNet().state_dict()
    assert {k: tuple(v.shape) for k, v in sd.items()} == official_refiner_shapes()
    # 6 last_conv tensors x (conv w, b) ... counted: 3 convs + 3 BN (4 each + counter) + 4 heads x (3 convs, 2 BN)
    assert len(sd) == 3 * 2 + 3 * 5 + 4 * (3 * 2 + 2 * 5)  # = 6 + 15 + 64 = 85


def test_parameter_count_is_the_official_457924():
    # last_conv: 34*64*9+64 + 2*(64*64*9+64) + 3*2*64 = 19,648 + 73,856 + 384 = 93,888
    # each head: 64*128*9+128 + 128*128+128 + 128+1 + 2*2*128 = 73,856 + 16,512 + 129 + 512 = 91,009; x4 = 364,036
    assert sum(p.numel() for p in RefineNet().parameters()) == 93_888 + 364_036 == 457_924


def test_output_is_nhwc_one_channel_at_input_resolution():
    y, feature = forward_inputs(0, 12, 20)
    with torch.no_grad():
        out = RefineNet().eval()(y, feature)
    assert out.shape == (1, 12, 20, 1)


# ----------------------------------------------------------------------------------------------------- loading


def test_official_format_checkpoint_loads_strictly_with_or_without_module_prefix(tmp_path):
    state = seeded_refiner_state(0)
    for name, sd in (("dp.pth", {"module." + k: v for k, v in state.items()}), ("plain.pth", state),
                     ("old.pth", {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")})):
        torch.save(sd, tmp_path / name)
        model = load_refiner(tmp_path / name)
        assert not model.training
        assert torch.equal(model.state_dict()["aspp3.0.weight"], state["aspp3.0.weight"])


def test_wrong_or_missing_key_fails_naming_file_and_key(tmp_path):
    state = seeded_refiner_state(0)
    renamed = {("aspp5.6.bias" if k == "aspp4.6.bias" else k): v for k, v in state.items()}
    torch.save(renamed, tmp_path / "renamed.pth")
    with pytest.raises(RuntimeError, match="aspp4.6.bias") as info:
        load_refiner(tmp_path / "renamed.pth")
    assert "renamed.pth" in str(info.value) and "aspp5.6.bias" in str(info.value)


def test_refused_checkpoint_error_names_the_file(tmp_path):
    from textsr.util.checkpoint import CheckpointError

    bad = tmp_path / "craft_refiner_CTW1500.pth"
    bad.write_bytes(b"<html>Google Drive virus scan warning</html>")  # what a failed Drive download looks like
    with pytest.raises(CheckpointError, match="craft_refiner_CTW1500.pth"):
        load_refiner(bad)


# ---------------------------------------------------------------------------------- equality with the official code


def test_forward_equals_the_official_refinenet():
    fx = json.loads(OFFICIAL.read_text())["forward"]
    model = RefineNet().eval()
    model.load_state_dict(seeded_refiner_state(fx["state_seed"]), strict=True)
    y, feature = forward_inputs(fx["input_seed"], *fx["hw"])
    with torch.no_grad():
        out = model(y, feature)[0, :, :, 0].numpy()
    expected = np.array(fx["output"], dtype=np.float32)
    assert np.abs(expected).max() > 1  # a non-trivial output (values of order 1-10)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    folded = inference_call(fold_for_inference(model, "fp32"), y, feature)[0, :, :, 0].numpy()
    np.testing.assert_allclose(folded, expected, rtol=1e-5, atol=2e-5)


def text_image() -> np.ndarray:
    """160 x 96 RGB: two dark words on white (a few words for CRAFT, fast)."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (160, 96), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=20)
    draw.text((8, 10), "HELLO", font=font, fill=(0, 0, 0))
    draw.text((20, 55), "world 42", font=font, fill=(20, 20, 120))
    return np.asarray(im)


def test_passthrough_refiner_gives_the_polygons_of_poly_mode(craft):
    # refined link = ReLU(affinity) * (1 - 5e-6): thresholded at 0.4 it is the affinity map, so --refine equals --poly
    refiner = RefineNet().eval()
    refiner.load_state_dict(passthrough_refiner_state(0, noise=0.0))
    image = text_image()
    refined = detect_image(craft, image, refine=True, refiner=refiner)
    assert format_detections(refined) == format_detections(detect_image(craft, image, poly=True))
    assert len(refined) >= 2
    with pytest.raises(ValueError, match="refiner"):
        detect_image(craft, image, refine=True)


def sample_input(samples: Path, entry: dict) -> np.ndarray:
    r0, r1, c0, c1 = entry["crop_rows_cols"]
    return np.ascontiguousarray(read_image(samples / entry["sample"])[r0:r1, c0:c1])


@needs_samples
@pytest.mark.parametrize("stem", ["ic15_img_1_crop320x240", "tt_img3_crop240x400"])
def test_refine_polygons_equal_the_official_test_py(samples, craft, stem):
    fx = json.loads(OFFICIAL.read_text())["refine"]
    entry = fx["images"][stem]
    refiner = RefineNet().eval()
    refiner.load_state_dict(passthrough_refiner_state(fx["state_seed"], noise=fx["noise"]))
    dets = detect_image(craft, sample_input(samples, entry), refine=True, refiner=refiner)
    assert format_detections(dets) == [",".join(str(v) for v in p) for p in entry["poly"]]
