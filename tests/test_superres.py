"""superres: architecture recognised from keys/shapes, strict weights_only loading, RCAN quantisation, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from textsr.util.imageio import read_image, write_png
from textsr.util.checkpoint import CheckpointError
from textsr.models.rcan import RCAN
from textsr.models.registry import recognise
from textsr.inference.superres import load_sr_model, superres_folder, superres_image
from textsr.cli import build_parser
from textsr.cli.superres import run


class NotATensor:
    pass


def _rcan(scale=3, **kw):
    torch.manual_seed(0)
    return RCAN(scale=scale, n_resgroups=2, n_resblocks=3, n_feats=16, reduction=4, **kw)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bare_official_state_dict_architecture_is_inferred(tmp_path, scale):
    model = _rcan(scale)
    torch.save(model.state_dict(), tmp_path / "RCAN_BIX.pt")  # released files are bare state_dicts
    loaded, meta = load_sr_model(tmp_path / "RCAN_BIX.pt", scale=scale)
    assert meta["arch"] == "rcan" and meta["scale"] == scale and meta["attention"] is None
    assert {k: meta["model"][k] for k in ("n_resgroups", "n_resblocks", "n_feats", "reduction")} == {
        "n_resgroups": 2, "n_resblocks": 3, "n_feats": 16, "reduction": 4}
    assert meta["input_range"] == 255.0 and meta["colour"] == "rgb"
    x = torch.rand(1, 3, 5, 6) * 255
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_legacy_pickle_format_loads_with_weights_only(tmp_path):
    """RCAN_BIX*.pt were written by PyTorch 0.4 (pre-zip format); weights_only loading must still read it."""
    model = _rcan(4)
    torch.save(model.state_dict(), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    loaded, meta = load_sr_model(tmp_path / "old.pt", scale=4)
    assert meta["scale"] == 4 and torch.equal(loaded.tail[1].weight, model.tail[1].weight)


def test_module_prefix_is_stripped_and_the_attention_layout_found(tmp_path):
    torch.manual_seed(0)
    dat = RCAN(scale=2, n_resgroups=3, n_resblocks=1, n_feats=8, reduction=2)
    dat.attach_attention(["group0", "group2"], kernel_size=5)
    torch.save({"module." + k: v for k, v in dat.state_dict().items()}, tmp_path / "m.pt")
    model, meta = load_sr_model(tmp_path / "m.pt")
    assert model.attention_places == ["group0", "group2"] and meta["attention"] == {"places": ["group0", "group2"],
                                                                                   "kernel_size": 5}


@pytest.mark.parametrize("wrapper", ["params", "params_ema", "model"])
def test_framework_wrappers_of_a_state_dict_are_opened(tmp_path, wrapper):
    torch.save({wrapper: _rcan(2).state_dict()}, tmp_path / "w.pt")  # BasicSR writes {"params": ...}
    assert load_sr_model(tmp_path / "w.pt")[1]["scale"] == 2


def test_arch_override_must_still_fit_the_keys(tmp_path):
    torch.save(_rcan(2).state_dict(), tmp_path / "x2.pt")
    assert load_sr_model(tmp_path / "x2.pt", arch="rcan")[1]["arch"] == "rcan"
    with pytest.raises(ValueError, match="unknown arch"):
        load_sr_model(tmp_path / "x2.pt", arch="nosuchnet")


def test_scale_mismatch_and_foreign_objects_are_refused(tmp_path):
    torch.save(_rcan(2).state_dict(), tmp_path / "x2.pt")
    with pytest.raises(ValueError, match="x2 model"):
        load_sr_model(tmp_path / "x2.pt", scale=4)
    torch.save({"state_dict": _rcan(2).state_dict(), "meta": {"evil": NotATensor()}}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="evil.pt"):  # weights_only=True refuses arbitrary classes
        load_sr_model(tmp_path / "evil.pt")
    sd = _rcan(2).state_dict()
    sd["extra.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "extra.pt")
    with pytest.raises(ValueError, match="Unexpected key"):  # strict
        load_sr_model(tmp_path / "extra.pt")


def test_recognise_x8_from_three_upsampler_convs():
    sd = RCAN(scale=8, n_resgroups=1, n_resblocks=2, n_feats=8, reduction=4).state_dict()
    name, kwargs, _ = recognise(sd)
    assert name == "rcan" and kwargs["scale"] == 8 and kwargs["n_resblocks"] == 2 and kwargs["kernel_size"] == 3


def test_superres_image_quantises_as_rcan():
    model = _rcan(2).eval()
    lr = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    out = superres_image(model, lr)
    with torch.no_grad():
        ref = model(torch.from_numpy(lr).permute(2, 0, 1)[None].float()).clamp(0, 255).round()
    assert out.dtype == np.uint8 and out.shape == (10, 14, 3)
    assert np.array_equal(out, ref[0].permute(1, 2, 0).numpy().astype(np.uint8))
    tiled = superres_image(model, lr, tile=3)  # CA pools per tile, so values differ a little
    assert tiled.shape == out.shape and np.abs(tiled.astype(int) - out.astype(int)).mean() < 10


def test_superres_folder_and_cli(tmp_path, capsys):
    torch.save({"state_dict": _rcan(3).state_dict(), "meta": {"scale": 3, "rgb_range": 255.0}}, tmp_path / "m.pt")
    rng = np.random.default_rng(1)
    write_png(tmp_path / "lr" / "img_1.png", rng.integers(0, 256, (6, 8, 3)).astype(np.uint8))
    write_png(tmp_path / "lr" / "img_2.png", rng.integers(0, 256, (4, 4, 3)).astype(np.uint8))
    summary = superres_folder(tmp_path / "m.pt", tmp_path / "lr", tmp_path / "sr", scale=3, threads=1)
    assert summary["n_images"] == 2 and summary["model"]["model"]["n_resblocks"] == 3
    assert read_image(tmp_path / "sr" / "img_1.png").shape == (18, 24, 3)
    args = build_parser().parse_args(["superres", "--weights", str(tmp_path / "m.pt"), "--scale", "3", "--input", str(tmp_path / "lr"),
                              "--output", str(tmp_path / "cli"), "--threads", "1"])
    assert run(args) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 2
    assert np.array_equal(read_image(tmp_path / "cli" / "img_2.png"), read_image(tmp_path / "sr" / "img_2.png"))
    args.scale = 2
    assert run(args) == 2 and "x3 model" in capsys.readouterr().err


def test_official_checkpoints_of_other_students_run_with_their_own_range_and_colour(tmp_path):
    """`superres` on an official-format E-RFDN (RGB 0-255, x4, LR >= 15 px) and FSRCNN (Y in [0, 1]; its scale is
    not in the weights) state dict: the model is recognised, small inputs are padded, the output has the right size."""
    from textsr.models.fsrcnn import FSRCNN
    from textsr.models.rfdn import ERFDN

    torch.manual_seed(0)
    torch.save(ERFDN(scale=4).state_dict(), tmp_path / "RFDN_AIM.pth")
    torch.save({"state_dict": FSRCNN(scale=2).state_dict()}, tmp_path / "fsrcnn.pth")
    lr = np.random.default_rng(0).integers(0, 256, (9, 12, 3)).astype(np.uint8)  # below E-RFDN's 15 px
    write_png(tmp_path / "lr" / "a.png", lr)
    summary = superres_folder(tmp_path / "RFDN_AIM.pth", tmp_path / "lr", tmp_path / "erfdn", threads=1)
    assert summary["model"]["arch"] == "erfdn" and read_image(tmp_path / "erfdn" / "a.png").shape == (36, 48, 3)
    with pytest.raises(ValueError, match="scale"):
        load_sr_model(tmp_path / "fsrcnn.pth")  # FSRCNN's weights do not fix the scale
    summary = superres_folder(tmp_path / "fsrcnn.pth", tmp_path / "lr", tmp_path / "fsrcnn", scale=2, threads=1)
    assert summary["model"]["arch"] == "fsrcnn" and summary["model"]["colour"] == "y"
    assert read_image(tmp_path / "fsrcnn" / "a.png").shape == (18, 24, 3)


def test_square_only_networks_are_padded_and_cropped_back():
    from textsr.models.srnet import SRNet

    torch.manual_seed(0)
    model = SRNet(scale=2, n_resblocks=1, n_feats=16).eval()
    lr = np.random.default_rng(1).integers(0, 256, (6, 10, 3)).astype(np.uint8)
    out = superres_image(model, lr)
    assert out.shape == (12, 20, 3)
    # the pad repeats the edge (bottom rows): a square input gives the same output on the shared region
    square = np.concatenate([lr, np.repeat(lr[-1:], 4, axis=0)], axis=0)
    assert np.array_equal(superres_image(model, square)[:12], out)


def test_large_images_are_tiled_by_default_and_levers_move_little():
    from textsr.inference.superres import AUTO_TILE, auto_tile

    assert auto_tile((400, 400, 3)) == 0 and auto_tile((401, 400, 3)) == AUTO_TILE
    model = _rcan(2).eval()
    lr = np.random.default_rng(2).integers(0, 256, (12, 16, 3)).astype(np.uint8)
    ref = superres_image(model, lr)
    cl = superres_image(model.to(memory_format=torch.channels_last), lr, channels_last=True)
    bf = superres_image(model, lr, precision="bf16")
    assert np.abs(cl.astype(int) - ref).max() <= 1 and np.abs(bf.astype(int) - ref).max() <= 8
    with pytest.raises(ValueError, match="precision"):
        superres_image(model, lr, precision="fp8")
