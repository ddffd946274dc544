import math

import pytest
from PIL import Image

from textsr.report.curves import plot_curves, read_curve
from textsr.report.fidelity import fidelity_points, plot_fidelity
from textsr.report.figures import COLUMN_WIDTH, PNG_DPI, condition_colours, condition_labels
from textsr.report.hmean import comparison_intervals, hmean_panels, plot_hmean, seed_hmeans
from textsr.report.strata import plot_recall_by_height, strata_series

DET = """dataset,protocol,detector,scale,condition,method,trainset,seed,precision,recall,hmean,n_images,n_gt,n_det
synth,icdar2015,craft,1,hr,,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,craft,4,lr,,,,0.9000,0.0800,0.1400,16,128,11
synth,icdar2015,craft,4,bicubic,bicubic,,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,0.8500,0.4000,0.5440,16,128,60
synth,icdar2015,craft,4,rcan_dat@synth,rcan_dat,synth,1,0.8800,0.5000,0.6377,16,128,72
"""
SR = """dataset,scale,condition,method,trainset,seed,psnr_y,ssim_y,n_images
synth,4,bicubic,bicubic,,,22.500,0.6800,16
synth,4,rcan@synth,rcan,synth,1,24.000,0.7400,16
synth,4,rcan_dat@synth,rcan_dat,synth,1,23.900,0.7300,16
"""
# two more seeds of each trained condition (rows of seed 1 above)
SEEDS = """synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,0.8700,0.4400,0.5000,16,128,64
synth,icdar2015,craft,4,rcan@synth,rcan,synth,3,0.8600,0.4200,0.5600,16,128,62
synth,icdar2015,craft,4,rcan_dat@synth,rcan_dat,synth,2,0.8800,0.5000,0.6200,16,128,72
"""
COMPARISONS = """dataset,protocol,detector,scale,condition_a,condition_b,seed,hmean_a,hmean_b,diff,ci_low,ci_high,n_images,n_resamples,verdict
synth,icdar2015,craft,4,hr,bicubic,,0.9700,0.3600,0.6100,0.5600,0.6300,16,10000,a > b
synth,icdar2015,craft,4,rcan@synth,bicubic,1,0.5440,0.3600,0.1840,0.1000,0.2600,16,10000,a > b
synth,icdar2015,craft,4,rcan@synth,bicubic,2,0.5000,0.3600,0.1400,0.0500,0.2300,16,10000,a > b
synth,icdar2015,craft,4,rcan@synth,bicubic,mean,0.5347,0.3600,0.1747,0.1100,0.2400,16,10000,a > b
synth,icdar2015,craft,4,rcan_dat@synth,rcan@synth,mean,0.6289,0.5347,0.0942,-0.0100,0.2000,16,10000,no difference detectable
"""
STRATA = """dataset,protocol,detector,scale,condition,method,trainset,seed,bin,n_gt,n_matched,recall
synth,icdar2015,craft,1,hr,,,,<8,0,0,
synth,icdar2015,craft,1,hr,,,,8-12,10,9,0.9000
synth,icdar2015,craft,4,bicubic,bicubic,,,<8,0,0,
synth,icdar2015,craft,4,bicubic,bicubic,,,8-12,10,1,0.1000
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,<8,0,0,
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,8-12,10,3,0.3000
synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,<8,0,0,
synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,8-12,10,5,0.5000
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


def test_hmean_bars_are_seed_means_with_a_dot_per_seed(tmp_path):
    from textsr.report.figures import read_csv

    (tmp_path / "det.csv").write_text(DET + SEEDS)
    rows = read_csv(tmp_path / "det.csv")
    _, _, conditions, values = hmean_panels(rows)
    assert conditions == ["hr", "lr", "bicubic", "rcan@synth", "rcan_dat@synth"]
    # rcan@synth H 54.40, 50.00, 56.00 -> bar 53.47; P 85, 87, 86 -> 86; R 40, 44, 42 -> 42
    assert values[("synth", 4, "rcan@synth")] == pytest.approx((86.0, 42.0, 53.4667), abs=1e-4)
    assert values[("synth", 4, "rcan_dat@synth")][2] == pytest.approx((63.77 + 62.0) / 2)
    seeds = seed_hmeans(rows)
    assert set(seeds) == {("synth", 4, "rcan@synth"), ("synth", 4, "rcan_dat@synth")}  # single runs: no dots
    assert seeds[("synth", 4, "rcan@synth")] == pytest.approx([54.4, 50.0, 56.0])


def test_hmean_intervals_are_drawn_from_bicubic_hmean(tmp_path):
    from textsr.report.figures import read_csv

    (tmp_path / "c.csv").write_text(COMPARISONS)
    intervals = comparison_intervals(read_csv(tmp_path / "c.csv"))
    # only comparisons against bicubic; with several seeds the 'mean' row: 36 + [11, 24] = [47, 60]
    assert set(intervals) == {("synth", 4, "hr"), ("synth", 4, "rcan@synth")}
    assert intervals[("synth", 4, "rcan@synth")] == pytest.approx((36.0, 47.0, 60.0))
    assert intervals[("synth", 4, "hr")] == pytest.approx((36.0, 92.0, 99.0))
    (tmp_path / "det.csv").write_text(DET + SEEDS)
    for name in ("a", "b"):
        plot_hmean(tmp_path / "det.csv", tmp_path / f"{name}.pdf", tmp_path / f"{name}.png", tmp_path / "c.csv")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert _png_size(tmp_path / "a.png")[0] == 1050
    plot_hmean(tmp_path / "det.csv", tmp_path / "n.pdf", tmp_path / "n.png")  # no comparisons: no intervals
    assert (tmp_path / "n.png").read_bytes() != (tmp_path / "a.png").read_bytes()


def test_recall_by_height_figure_means_seeds_and_repeats_hr(tmp_path):
    from textsr.report.figures import read_csv

    (tmp_path / "s.csv").write_text(STRATA)
    panels, scales, conditions, bins, series, counts = strata_series(read_csv(tmp_path / "s.csv"))
    assert (panels, scales, bins) == ([("synth", "craft")], [4], ["<8", "8-12"])
    # rcan@synth seeds 30 % and 50 %: mean 40, band 30..50; a bin without GT is NaN; hr joins the x4 panel
    rcan = series[(("synth", "craft"), 4, "rcan@synth")]
    assert math.isnan(rcan[0][0]) and rcan[1] == pytest.approx((40.0, 30.0, 50.0))
    assert series[(("synth", "craft"), 4, "hr")][1] == pytest.approx((90.0, 90.0, 90.0))
    assert counts[(("synth", "craft"), 4)] == [0, 10]
    for name in ("a", "b"):
        plot_recall_by_height(tmp_path / "s.csv", tmp_path / f"{name}.pdf", tmp_path / f"{name}.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert _png_size(tmp_path / "a.png")[0] == 1050
