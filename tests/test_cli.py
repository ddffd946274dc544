"""textsr.cli: one parser, one module per verb, help without torch, defaults from their one home."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from textsr import cli
from textsr.inference import detectors

VERBS = ["detect", "superres", "degrade", "evaluate", "recognize"]


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_the_cli_does_not_import_torch():
    out = _python("import sys, textsr.cli; print('torch' in sys.modules)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("argv", [["--help"]] + [[verb, "--help"] for verb in VERBS])
def test_help_prints_without_importing_torch(argv):
    code = ("import sys\nfrom textsr.cli import main\ntry:\n    main(%r)\nexcept SystemExit as e:\n"
            "    print('rc', e.code, 'torch' in sys.modules, file=sys.stderr)" % argv)
    out = _python(code)
    assert out.stderr.strip().splitlines()[-1] == "rc 0 False"
    assert out.stdout.startswith(f"usage: textsr {' '.join(argv[:-1])}".rstrip())


def test_python_dash_m_textsr_lists_every_verb_and_needs_one():
    out = subprocess.run([sys.executable, "-m", "textsr", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    section = out.stdout.split("positional arguments:")[1].split("options:")[0]
    listed = re.findall(r"^    (\w+) ", section, flags=re.M)  # the sub-command lines, in the parser's order
    assert listed == VERBS
    none = subprocess.run([sys.executable, "-m", "textsr"], capture_output=True, text=True, timeout=120)
    assert none.returncode == 2 and "VERB" in none.stderr  # argparse: the verb is required


def test_each_verb_runs_its_own_module():
    parser = cli.build_parser()
    minimal = {"detect": ["--input", "a", "--output", "b"],
               "degrade": ["--input", "a", "--output", "b", "--scale", "2"],
               "superres": ["--weights", "w", "--scale", "4", "--input", "a", "--output", "b"],
               "evaluate": ["--protocol", "icdar2015", "--gt", "g", "--det", "d"],
               "recognize": ["--input", "a", "--output", "b.tsv"]}
    for verb in VERBS:
        args = parser.parse_args([verb, *minimal[verb]])
        assert args.command == verb and args.run is getattr(cli, verb).run


def test_detect_defaults_are_the_official_test_py_settings_from_detectors():
    args = cli.build_parser().parse_args(["detect", "--input", "a", "--output", "b"])
    # CRAFT-pytorch test.py: --text_threshold 0.7 --link_threshold 0.4 --low_text 0.4 --canvas_size 1280 --mag_ratio 1.5
    assert (args.text_threshold, args.link_threshold, args.low_text, args.canvas_size, args.mag_ratio) == (
        0.7, 0.4, 0.4, 1280, 1.5)
    assert args.weights is None and args.refiner_weights is None  # resolved in run() against WEIGHTS_DIR


def test_detect_defaults_follow_OFFICIAL(monkeypatch):
    monkeypatch.setitem(detectors.OFFICIAL, "canvas_size", 960)  # not a literal in the CLI: read at parser build
    args = cli.build_parser().parse_args(["detect", "--input", "a", "--output", "b"])
    assert args.canvas_size == 960


def test_detect_run_passes_weights_dir_checkpoints_and_settings(monkeypatch, tmp_path):
    import textsr.data.weights as weights
    import textsr.inference.detect as detect

    calls = {}
    monkeypatch.setattr(weights, "require_craft_weights", lambda name, folder: Path(folder) / name)
    monkeypatch.setattr(detect, "detect_folder", lambda images, output, **kw: calls.update(kw, images=images))
    rc = cli.main(["detect", "--input", str(tmp_path), "--output", str(tmp_path / "det"), "--refine",
                   "--merge-lines", "1", "10", "--low-text", "0.5"])
    assert rc == 0
    assert calls["weights"] == weights.WEIGHTS_DIR / "craft_mlt_25k.pth"
    assert calls["refiner_weights"] == weights.WEIGHTS_DIR / "craft_refiner_CTW1500.pth"
    assert calls["merge_lines"] == {"gap": 1.0, "angle": 10.0}
    assert (calls["low_text"], calls["text_threshold"], calls["canvas_size"]) == (0.5, 0.7, 1280)


def test_detect_family_ppocrv6_det_passes_typed_db_settings(monkeypatch, tmp_path, capsys):
    import textsr.inference.dbnet as dbnet

    calls = {}
    monkeypatch.setattr(dbnet, "detect_folder_db", lambda images, output, **kw: calls.update(kw, images=images))
    weights = tmp_path / "det.onnx"
    rc = cli.main(["detect", "--family", "ppocrv6_det", "--input", str(tmp_path), "--output", str(tmp_path / "d"),
                   "--weights", str(weights), "--db", "box_thresh=0.6", "--db", "use_dilation=false",
                   "--db", "limit_side_len=960", "--rescale", "4"])
    assert rc == 0
    assert calls["weights"] == weights and calls["rescale"] == 4.0
    assert (calls["box_thresh"], calls["use_dilation"], calls["limit_side_len"]) == (0.6, False, 960)
    assert "text_threshold" not in calls  # CRAFT's settings stay CRAFT's
    assert cli.build_parser().parse_args(["detect", "--input", "a", "--output", "b", "--db",
                                          "width_height_ratio=8.5"]).db == [("width_height_ratio", 8.5)]
    assert cli.main(["detect", "--input", "a", "--output", "b", "--db", "box_thresh=0.6"]) == 2
    assert "add --family ppocrv6_det" in capsys.readouterr().err
    assert cli.main(["detect", "--family", "ppocrv6_det", "--input", "a", "--output", "b", "--poly"]) == 2
    assert "--poly: CRAFT options" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["detect", "--input", "a", "--output", "b", "--db", "box_threshold=0.6"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["detect", "--input", "a", "--output", "b", "--db", "limit_side_len=x"])


def test_degrade_modcrops_then_halves_and_up_doubles(tmp_path):
    from textsr.util.imageio import read_image, write_png

    write_png(tmp_path / "hr" / "a.png", np.full((7, 9, 3), 100, np.uint8))
    assert cli.main(["degrade", "--input", str(tmp_path / "hr"), "--output", str(tmp_path / "lr"), "--scale", "2"]) == 0
    lr = read_image(tmp_path / "lr" / "a.png")
    # modcrop 7 x 9 -> 6 x 8, then / 2 -> 3 x 4; bicubic weights sum to 1, so a flat 100 stays 100
    assert lr.shape == (3, 4, 3) and int(lr.min()) == int(lr.max()) == 100
    assert cli.main(["degrade", "--input", str(tmp_path / "lr"), "--output", str(tmp_path / "up"), "--scale", "2",
                     "--up"]) == 0
    assert read_image(tmp_path / "up" / "a.png").shape == (6, 8, 3)  # 3 x 4 -> x2


def test_user_error_is_one_line_naming_the_folder(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert cli.main(["degrade", "--input", str(missing), "--output", str(tmp_path / "lr"), "--scale", "2"]) == 2
    err = capsys.readouterr().err
    assert err == f"degrade: error: {missing}: image folder does not exist\n"
