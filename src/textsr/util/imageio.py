"""Image files <-> uint8 arrays, RGB, EXIF orientation ignored (ground truth is on raw pixels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from textsr.util.atomic import atomic_path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif")


class ImageReadError(ValueError):
    """An image file that cannot be decoded; the message names the file."""


def read_image(path: str | Path) -> np.ndarray:
    """Read an image as RGB uint8 `(H, W, 3)`, pixel range 0-255.

    Grayscale is repeated to 3 channels and alpha is dropped (as CRAFT's `loadImage`); EXIF orientation is NOT
    applied (PIL never applies it on its own, unlike cv2.imread).
    """
    path = Path(path)
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(im).astype(np.float64)
                arr = np.clip(arr / max(arr.max(), 1) * 255.0, 0, 255).astype(np.uint8)
                return np.repeat(arr[:, :, None], 3, axis=2)
            rgb = im.convert("RGB")
            return np.asarray(rgb, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: cannot read image ({exc})") from exc


def write_png(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB (H, W, 3) or gray (H, W) uint8 array as PNG, creating the folder; atomic (tmp + rename)."""
    path = Path(path)
    if image.dtype != np.uint8:
        raise TypeError(f"{path}: expected uint8 image, got {image.dtype}")
    with atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside `folder`, sorted by name (case-insensitive suffix match)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: image folder does not exist")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def check_images(paths: list[Path] | list[str]) -> None:
    """Decode every image of `paths` once; raise one ImageReadError naming every unreadable file.

    Run before a long job (detection, SR) so that a folder with several broken images is reported in one go, not
    one file per rerun.
    """
    bad = []
    for path in paths:
        try:
            read_image(path)
        except (ImageReadError, FileNotFoundError) as exc:
            bad.append(str(exc))
    if bad:
        raise ImageReadError(f"{len(bad)} unreadable image(s):\n  " + "\n  ".join(bad))


def list_readable_images(folder: str | Path) -> list[Path]:
    """`list_images(folder)` after `check_images` on them: the images of a job's input folder, all decodable."""
    paths = list_images(folder)
    check_images(paths)
    return paths
