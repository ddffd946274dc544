import numpy as np
import pytest
from PIL import Image

from textsr.util.imageio import ImageReadError, list_images, read_image, write_png


def test_roundtrip_png(tmp_path):
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    write_png(tmp_path / "a" / "x.png", img)
    assert np.array_equal(read_image(tmp_path / "a" / "x.png"), img)


def test_gray_and_rgba_become_rgb(tmp_path):
    Image.fromarray(np.full((2, 2), 7, np.uint8)).save(tmp_path / "g.png")
    Image.fromarray(np.full((2, 2, 4), 9, np.uint8), "RGBA").save(tmp_path / "a.png")
    assert read_image(tmp_path / "g.png").shape == (2, 2, 3)
    assert read_image(tmp_path / "a.png")[0, 0].tolist() == [9, 9, 9]


def test_exif_orientation_is_ignored(tmp_path):
    img = np.zeros((2, 4, 3), np.uint8)
    img[0, 0] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW" tag: a viewer would show a 4x2 image
    Image.fromarray(img).save(tmp_path / "r.jpg", exif=exif, quality=100)
    assert read_image(tmp_path / "r.jpg").shape == (2, 4, 3)


def test_corrupt_image_names_the_file(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ImageReadError, match="bad.png"):
        read_image(bad)


def test_list_images_sorted_and_filtered(tmp_path):
    for name in ["b.PNG", "a.jpg", "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_images(tmp_path)] == ["a.jpg", "b.PNG"]
    with pytest.raises(FileNotFoundError, match="missing"):
        list_images(tmp_path / "missing")
