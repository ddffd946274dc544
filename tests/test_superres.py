"""superres: architecture inferred from keys/shapes, strict weights_only loading, RCAN quantisation, CLI."""

from __future__ import annotations

import argparse
import json
import pickle

import numpy as np
import pytest
import torch

from textsr.imageio import read_image, write_png
from textsr.models.rcan import RCAN
from textsr.models.rcan_dat import RCANDAT
from textsr.superres import infer_architecture, load_sr_model, superres_folder, superres_image
from textsr.superres_cli import add_arguments, run


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
    assert {k: meta[k] for k in ("method", "scale", "n_resgroups", "n_resblocks", "n_feats", "reduction")} == {
        "method": "rcan", "scale": scale, "n_resgroups": 2, "n_resblocks": 3, "n_feats": 16, "reduction": 4}
    assert meta["rgb_range"] == 255.0
    x = torch.rand(1, 3, 5, 6) * 255
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_legacy_pickle_format_loads_with_weights_only(tmp_path):
    """RCAN_BIX*.pt were written by PyTorch 0.4 (pre-zip format); weights_only loading must still read it."""
    model = _rcan(4)
    torch.save(model.state_dict(), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    loaded, meta = load_sr_model(tmp_path / "old.pt", scale=4)
    assert meta["scale"] == 4 and torch.equal(loaded.tail[1].weight, model.tail[1].weight)


def test_module_prefix_is_stripped_and_rcandat_layout_found(tmp_path):
    torch.manual_seed(0)
    dat = RCANDAT(scale=2, n_resgroups=3, n_resblocks=1, n_feats=8, reduction=2, sa_groups=[0, 2], sa_kernel=5)
    torch.save({"module." + k: v for k, v in dat.state_dict().items()}, tmp_path / "m.pt")
    model, meta = load_sr_model(tmp_path / "m.pt")
    assert isinstance(model, RCANDAT) and meta["sa_groups"] == [0, 2] and meta["sa_kernel"] == 5


def test_scale_mismatch_and_foreign_objects_are_refused(tmp_path):
    torch.save(_rcan(2).state_dict(), tmp_path / "x2.pt")
    with pytest.raises(ValueError, match="x2 model"):
        load_sr_model(tmp_path / "x2.pt", scale=4)
    torch.save({"state_dict": _rcan(2).state_dict(), "meta": {"evil": NotATensor()}}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):  # weights_only=True refuses arbitrary classes
        load_sr_model(tmp_path / "evil.pt")
    sd = _rcan(2).state_dict()
    sd["extra.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "extra.pt")
    with pytest.raises(RuntimeError, match="Unexpected key"):  # strict
        load_sr_model(tmp_path / "extra.pt")


def test_infer_architecture_x8_from_three_upsampler_convs():
    sd = RCAN(scale=8, n_resgroups=1, n_resblocks=2, n_feats=8, reduction=4).state_dict()
    arch = infer_architecture(sd)
    assert arch["scale"] == 8 and arch["n_resblocks"] == 2 and arch["kernel_size"] == 3


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
    assert summary["n_images"] == 2 and summary["model"]["n_resblocks"] == 3
    assert read_image(tmp_path / "sr" / "img_1.png").shape == (18, 24, 3)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--weights", str(tmp_path / "m.pt"), "--scale", "3", "--input", str(tmp_path / "lr"),
                              "--output", str(tmp_path / "cli"), "--threads", "1"])
    assert run(args) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 2
    assert np.array_equal(read_image(tmp_path / "cli" / "img_2.png"), read_image(tmp_path / "sr" / "img_2.png"))
    args.scale = 2
    assert run(args) == 2 and "x3 model" in capsys.readouterr().err
