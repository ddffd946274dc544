"""Degradations HR -> LR, a named axis (`DEGRADATIONS`): `bi` MATLAB-exact bicubic (the default, modcrop first),
`bd` / `dn` RCAN's, `jpeg` (OpenCV), `realworld` (Real-ESRGAN). See `textsr.degrade.registry`."""

from textsr.degrade.bicubic import (
    PADDINGS, _resize_matrix, bicubic_downscale, bicubic_upscale, imresize, modcrop, upscale_folder,
)
from textsr.degrade.registry import DEGRADATIONS, degrade_folder, degrade_image, image_rng

__all__ = ["PADDINGS", "bicubic_downscale", "bicubic_upscale", "degrade_folder", "imresize", "modcrop",
           "upscale_folder", "DEGRADATIONS", "degrade_image", "image_rng"]
