import math

import pytest
from PIL import Image

from textsr.report.curves import plot_curves, read_curve
from textsr.report.fidelity import fidelity_points, plot_fidelity
from textsr.report.figures import COLUMN_WIDTH, PNG_DPI, condition_colours, condition_labels
from textsr.report.hmean import hmean_panels, plot_hmean

DET = """dataset,protocol,scale,condition,method,trainset,precision,recall,hmean,n_images,n_gt,n_det
synth,icdar2015,1,hr,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,4,lr,,,0.9000,0.0800,0.1400,16,128,11
synth,icdar2015,4,bicubic,bicubic,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,4,rcan@synth,rcan,synth,0.8500,0.4000,0.5440,16,128,60
synth,icdar2015,4,rcan_dat@synth,rcan_dat,synth,0.8800,0.5000,0.6377,16,128,72
"""
SR = """dataset,scale,condition,psnr_y,ssim_y,n_images
synth,4,bicubic,22.500,0.6800,16
synth,4,rcan@synth,24.000,0.7400,16
synth,4,rcan_dat@synth,23.900,0.7300,16
"""
CURVE_HEADER = "iteration\tloss_total\tloss_sr\tloss_ad\tloss_sd\tlr\tval_psnr\n"


@pytest.fixture
def tables(tmp_path):
    det, sr = tmp_path / "detection_table.csv", tmp_path / "sr_table.csv"
    det.write_text(DET)
    sr.write_text(SR)
    return det, sr


def _png_size(path):
    with Image.open(path) as im:
        return im.size


def test_hmean_figure_is_column_wide_and_byte_identical_on_rerun(tables, tmp_path):
    det, _ = tables
    plot_hmean(det, tmp_path / "a.pdf", tmp_path / "a.png")
    plot_hmean(det, tmp_path / "b.pdf", tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert _png_size(tmp_path / "a.png")[0] == round(COLUMN_WIDTH * PNG_DPI)  # 3.5 in x 300 dpi = 1050 px
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()
    assert not list(tmp_path.glob("*.tmp"))


def test_hmean_panels_repeat_hr_in_every_scale_panel():
    rows = [{"dataset": "d", "scale": "1", "condition": "hr", "precision": "1", "recall": "0.5", "hmean": "0.6667"},
            {"dataset": "d", "scale": "2", "condition": "bicubic", "precision": "0.5", "recall": "0.5", "hmean": "0.5"},
            {"dataset": "d", "scale": "4", "condition": "bicubic", "precision": "0.4", "recall": "0.4", "hmean": "0.4"}]
    datasets, scales, conditions, values = hmean_panels(rows)
    assert (datasets, scales, conditions) == (["d"], [2, 4], ["hr", "bicubic"])
    assert values[("d", 2, "hr")] == values[("d", 4, "hr")] == pytest.approx((100.0, 50.0, 66.67))
    assert values[("d", 4, "bicubic")] == pytest.approx((40.0, 40.0, 40.0))


def test_fidelity_points_join_the_tables_and_skip_conditions_without_psnr(tables, tmp_path):
    det, sr = tables
    from textsr.report.figures import read_csv

    points = fidelity_points(read_csv(det), read_csv(sr))
    assert [(p["condition"], p["psnr"], round(p["hmean"], 2)) for p in points] == [
        ("bicubic", 22.5, 36.0), ("rcan@synth", 24.0, 54.4), ("rcan_dat@synth", 23.9, 63.77)]
    set5 = {"dataset": "set5", "scale": "4", "condition": "bicubic", "psnr_y": "28.4", "ssim_y": "0.81"}
    assert len(fidelity_points(read_csv(det), read_csv(sr) + [set5])) == 3  # an SR benchmark set: no point
    with pytest.raises(KeyError, match="no detection_table row"):
        fidelity_points(read_csv(det)[:3], read_csv(sr))
    plot_fidelity(det, sr, tmp_path / "f.pdf", tmp_path / "f.png")
    assert _png_size(tmp_path / "f.png")[0] == 1050


def test_curves_draw_only_the_terms_a_method_logs(tmp_path):
    rcan = tmp_path / "rcan.tsv"
    rcan.write_text(CURVE_HEADER + "25\t30\t30\tnan\tnan\t0.0002\tnan\n50\t20\t20\tnan\tnan\t0.0002\t21.5\n")
    dat = tmp_path / "dat.tsv"
    dat.write_text(CURVE_HEADER + "25\t31\t30\t1e-05\t0.001\t0.0002\tnan\n50\t21\t20\t5e-06\t0.0005\t0.0002\t21.7\n")
    curve = read_curve(rcan)
    assert curve["iteration"].tolist() == [25, 50] and math.isnan(curve["loss_ad"][0])
    assert plot_curves(["rcan@s"], [rcan], tmp_path / "c.pdf", tmp_path / "c.png") == [
        "loss_sr", "loss_total", "val_psnr"]
    assert plot_curves(["rcan@s", "rcan_dat@s"], [rcan, dat], tmp_path / "c.pdf", tmp_path / "c.png") == [
        "loss_sr", "loss_ad", "loss_sd", "loss_total", "val_psnr"]
    assert _png_size(tmp_path / "c.png")[0] == 1050


def test_condition_names_and_colours_are_stable():
    assert condition_labels(["hr", "rcan_dat@synth", "rcan@synth"]) == {
        "hr": "HR", "rcan_dat@synth": "RCAN_dat", "rcan@synth": "RCAN"}
    assert condition_labels(["rcan@a", "rcan@b"]) == {"rcan@a": "RCAN@a", "rcan@b": "RCAN@b"}
    colours = condition_colours(["hr", "rcan@a", "rcan@b", "rcan_dat@a", "newnet@a"])
    assert colours["rcan@a"] == "#0072B2" and colours["rcan_dat@a"] == "#D55E00"
    assert len(set(colours.values())) == 5  # a second trainset gets a tint of the method's colour
    # the same condition gets the same colour whatever else is plotted
    assert condition_colours(["rcan_dat@a"])["rcan_dat@a"] == colours["rcan_dat@a"]


def test_figure_functions_leave_global_rcparams_alone(tables, tmp_path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    plot_hmean(tables[0], tmp_path / "a.pdf", tmp_path / "a.png")
    assert dict(matplotlib.rcParams) == before
