import json

import pytest
from PIL import Image

from textsr.report.figures import read_csv
from textsr.report.recognition import (
    RECOGNITION_COLUMNS, plot_recognition, recognition_panels, write_recognition_table,
)

REC = """dataset,scale,condition,method,trainset,seed,recognizer,n_words,accuracy,char_accuracy,e2e_hmean
synth,1,hr,,,,ppocrv6_small,128,0.9000,0.9500,0.8500
synth,4,lr,,,,ppocrv6_small,128,0.0500,0.3000,0.0100
synth,4,bicubic,bicubic,,,ppocrv6_small,128,0.2000,0.5000,0.0800
synth,4,rcan@synth,rcan,synth,1,ppocrv6_small,128,0.3000,0.6000,0.1500
synth,4,rcan@synth,rcan,synth,2,ppocrv6_small,128,0.3400,0.6500,0.1700
tz_easy,1,hr,,,,ppocrv6_small,10,0.8000,0.9000,
tz_easy,2,bicubic,bicubic,,,ppocrv6_small,10,0.4000,0.7000,
"""
#: the same table read by english_g2 too (its own numbers)
REC_G2 = REC + """synth,1,hr,,,,english_g2,128,0.8000,0.9000,0.7000
synth,4,lr,,,,english_g2,128,0.0200,0.2000,0.0050
synth,4,rcan@synth,rcan,synth,1,english_g2,128,0.2000,0.5000,0.1000
"""
DET = """dataset,protocol,detector,scale,condition,method,trainset,seed,precision,recall,hmean,n_images,n_gt,n_det
synth,icdar2015,craft,1,hr,,,,0.9600,0.9800,0.9700,16,128,131
synth,icdar2015,craft,4,lr,,,,0.9000,0.0800,0.1400,16,128,11
synth,icdar2015,craft,4,bicubic,bicubic,,,0.8000,0.2300,0.3600,16,128,38
synth,icdar2015,craft,4,rcan@synth,rcan,synth,1,0.8500,0.4000,0.5440,16,128,60
synth,icdar2015,craft,4,rcan@synth,rcan,synth,2,0.8500,0.5000,0.6300,16,128,60
synth,icdar2015,other,4,rcan@synth,rcan,synth,2,0.1000,0.1000,0.1000,16,128,60
"""


def _json(tmp_path, name, **fields):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(fields))
    return path


def _key(dataset, scale, condition, seed="", detector="", **extra):
    """A plan row's key: hr on no degradation, TextZoom (tz_*) on its own LR (`real`), the others on `bi`; trained
    conditions trained on `bi`."""
    method, _, trainset = condition.partition("@")
    degradation = "none" if condition == "hr" else "real" if dataset.startswith("tz") else "bi"
    return {"dataset": dataset, "detector": detector, "scale": scale, "degradation": degradation,
            "condition": condition, "method": "" if condition in ("hr", "lr") else method, "trainset": trainset,
            "train_degradation": "bi" if trainset else "", "seed": seed, **extra}


def test_table_has_the_columns_fractions_and_empty_e2e_where_not_measured(tmp_path):
    a = _json(tmp_path, "a", recognizer="ppocrv6_small", n_words=8, n_correct=5, accuracy=0.625,
              char_accuracy=0.81249, e2e_hmean=0.123456)
    b = _json(tmp_path, "b", recognizer="ppocrv6_small", n_words=0, n_correct=0, accuracy=None, char_accuracy=None,
              e2e_hmean=None)  # no scorable word
    c = _json(tmp_path, "c", recognizer="english_g2", n_words=3, n_correct=1, accuracy=1 / 3,
              char_accuracy=2 / 3)  # TextZoom: no e2e field
    out = tmp_path / "recognition_table.csv"
    keys = [_key("synth", 1, "hr", detector="general-box"), _key("td500", 4, "lr"), _key("tz_easy", 2, "rcan@synth", 3)]
    rows = write_recognition_table([a, b, c], keys, out)
    assert RECOGNITION_COLUMNS[:2] == ["dataset", "detector"]
    assert RECOGNITION_COLUMNS[9:] == ["recognizer", "n_words", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
                                       "char_accuracy", "e2e_hmean"]
    assert out.read_text().splitlines() == [
        ",".join(RECOGNITION_COLUMNS),
        "synth,general-box,1,none,hr,,,,,ppocrv6_small,8,0.6250,0.3057,0.8632,0.8125,0.1235",
        "td500,,4,bi,lr,,,,,ppocrv6_small,0,,,,,",
        "tz_easy,,2,real,rcan@synth,rcan,synth,bi,3,english_g2,3,0.3333,0.0615,0.7923,0.6667,",
    ]
    assert len(rows) == 3


def test_two_recognizers_give_two_rows_and_two_averages(tmp_path):
    # one condition (bicubic x2) of TextZoom easy (4 words) and hard (6 words), read by both recognizers:
    #   ppocrv6_small: easy 3/4 words, char accuracy 0.9; hard 2/6, char accuracy 0.5
    #     average: accuracy (3 + 2) / 10 = 0.5; char accuracy (4 x 0.9 + 6 x 0.5) / 10 = (3.6 + 3.0) / 10 = 0.66
    #   english_g2: easy 2/4, 0.75; hard 0/6, 0.25
    #     average: accuracy 2 / 10 = 0.2; char accuracy (4 x 0.75 + 6 x 0.25) / 10 = (3.0 + 1.5) / 10 = 0.45
    files = [_json(tmp_path, "pe", recognizer="ppocrv6_small", n_words=4, n_correct=3, accuracy=0.75,
                   char_accuracy=0.9),
             _json(tmp_path, "ph", recognizer="ppocrv6_small", n_words=6, n_correct=2, accuracy=1 / 3,
                   char_accuracy=0.5),
             _json(tmp_path, "ge", recognizer="english_g2", n_words=4, n_correct=2, accuracy=0.5,
                   char_accuracy=0.75),
             _json(tmp_path, "gh", recognizer="english_g2", n_words=6, n_correct=0, accuracy=0.0,
                   char_accuracy=0.25)]
    keys = [_key("tz_easy", 2, "bicubic", recognizer="ppocrv6_small"), _key("tz_hard", 2, "bicubic"),
            _key("tz_easy", 2, "bicubic", recognizer="english_g2"), _key("tz_hard", 2, "bicubic")]
    out = tmp_path / "t.csv"
    write_recognition_table(files, keys, out, averages={"textzoom": ["tz_easy", "tz_hard"]})
    assert out.read_text().splitlines()[1:] == [
        "tz_easy,,2,real,bicubic,bicubic,,,,ppocrv6_small,4,0.7500,0.3006,0.9544,0.9000,",
        "tz_hard,,2,real,bicubic,bicubic,,,,ppocrv6_small,6,0.3333,0.0968,0.7000,0.5000,",
        "tz_easy,,2,real,bicubic,bicubic,,,,english_g2,4,0.5000,0.1500,0.8500,0.7500,",
        "tz_hard,,2,real,bicubic,bicubic,,,,english_g2,6,0.0000,0.0000,0.3903,0.2500,",
        "textzoom,,2,real,bicubic,bicubic,,,,ppocrv6_small,10,0.5000,0.2366,0.7634,0.6600,",
        "textzoom,,2,real,bicubic,bicubic,,,,english_g2,10,0.2000,0.0567,0.5098,0.4500,",
    ]


def test_the_recognizer_must_be_named_once_and_consistently(tmp_path):
    a = _json(tmp_path, "a", recognizer="english_g2", n_words=1, n_correct=1, accuracy=1.0, char_accuracy=1.0)
    with pytest.raises(ValueError, match="a.json: read by 'english_g2', but its row key names .*'ppocrv6_small'"):
        write_recognition_table([a], [_key("s", 1, "hr", recognizer="ppocrv6_small")], tmp_path / "x.csv")
    old = _json(tmp_path, "old", n_words=1, n_correct=1, accuracy=1.0)  # an older result: no recognizer field
    with pytest.raises(ValueError, match="old.json: no recognizer named"):
        write_recognition_table([old], [_key("s", 1, "hr")], tmp_path / "x.csv")
    write_recognition_table([old], [_key("s", 1, "hr", recognizer="english_g2")], tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines()[1] == "s,,1,none,hr,,,,,english_g2,1,1.0000,0.2065,1.0000,,"


def test_average_row_is_weighted_by_words_not_by_split(tmp_path):
    # easy 3/4, medium 1/2, hard 0/4: word-weighted 4/10 = 0.4000 (the mean of the three accuracies, 0.4167, is wrong)
    # char accuracy 0.9, 0.6, 0.2: (4 x 0.9 + 2 x 0.6 + 4 x 0.2) / 10 = (3.6 + 1.2 + 0.8) / 10 = 0.56 (mean: 0.5667)
    r = "english_g2"
    files = [_json(tmp_path, "e", recognizer=r, n_words=4, n_correct=3, accuracy=0.75, char_accuracy=0.9),
             _json(tmp_path, "m", recognizer=r, n_words=2, n_correct=1, accuracy=0.5, char_accuracy=0.6),
             _json(tmp_path, "h", recognizer=r, n_words=4, n_correct=0, accuracy=0.0, char_accuracy=0.2),
             _json(tmp_path, "e_hr", recognizer=r, n_words=4, n_correct=4, accuracy=1.0,
                   char_accuracy=1.0)]  # hr of easy only: no average row
    keys = [_key("tz_easy", 2, "bicubic"), _key("tz_medium", 2, "bicubic"), _key("tz_hard", 2, "bicubic"),
            _key("tz_easy", 1, "hr")]
    out = tmp_path / "t.csv"
    rows = write_recognition_table(files, keys, out, averages={"textzoom": ["tz_easy", "tz_medium", "tz_hard"]})
    assert len(rows) == 5
    assert out.read_text().splitlines()[-1] == \
        "textzoom,,2,real,bicubic,bicubic,,,,english_g2,10,0.4000,0.1682,0.6873,0.5600,"


def test_table_refuses_mismatched_lengths_and_non_recognition_json(tmp_path):
    a = _json(tmp_path, "a", recognizer="english_g2", precision=0.5)
    with pytest.raises(ValueError, match="2 row keys"):
        write_recognition_table([a], [_key("s", 1, "hr"), _key("s", 1, "hr")], tmp_path / "x.csv")
    with pytest.raises(ValueError, match="a.json: not a recognition result"):
        write_recognition_table([a], [_key("s", 1, "hr")], tmp_path / "x.csv")


def test_panels_average_seeds_use_the_first_detector_and_repeat_hr(tmp_path):
    (tmp_path / "r.csv").write_text(REC)
    (tmp_path / "d.csv").write_text(DET)
    panels, conditions, recognizers, values = recognition_panels(read_csv(tmp_path / "r.csv"),
                                                                 read_csv(tmp_path / "d.csv"))
    assert panels == [("synth", 4), ("tz_easy", 2)]
    assert conditions == ["hr", "lr", "bicubic", "rcan@synth"]
    assert recognizers == ["ppocrv6_small"]
    acc = values["accuracy"]["ppocrv6_small"]
    assert acc[("synth", 4, "rcan@synth")] == pytest.approx([30.0, 34.0])
    assert acc[("synth", 4, "hr")] == pytest.approx([90.0])  # hr (scale 1) in the x4 panel
    assert acc[("tz_easy", 2, "hr")] == pytest.approx([80.0])
    assert values["hmean"][("synth", 4, "rcan@synth")] == pytest.approx([54.4, 63.0])  # detector "other" left out
    assert values["e2e"]["ppocrv6_small"][("synth", 4, "lr")] == pytest.approx([1.0])
    assert ("tz_easy", 2, "bicubic") not in values["hmean"]
    _, _, _, other = recognition_panels(read_csv(tmp_path / "r.csv"), read_csv(tmp_path / "d.csv"), detector="other")
    assert other["hmean"] == {("synth", 4, "rcan@synth"): pytest.approx([10.0])}


def test_figure_is_column_wide_and_byte_identical_on_rerun(tmp_path):
    (tmp_path / "r.csv").write_text(REC)
    (tmp_path / "d.csv").write_text(DET)
    for name in ("a", "b"):
        plot_recognition(tmp_path / "r.csv", tmp_path / "d.csv", tmp_path / f"{name}.pdf", tmp_path / f"{name}.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    with Image.open(tmp_path / "a.png") as im:
        assert im.size[0] == 1050  # 3.5 in x 300 dpi
    no_detector_column = DET.replace(",detector", "").replace(",craft", "").replace(",other", "")
    (tmp_path / "d2.csv").write_text(no_detector_column)
    plot_recognition(tmp_path / "r.csv", tmp_path / "d2.csv", tmp_path / "c.pdf", tmp_path / "c.png")
    assert (tmp_path / "c.png").is_file()


def test_panels_keep_each_recognizers_runs_apart(tmp_path):
    (tmp_path / "r.csv").write_text(REC_G2)
    (tmp_path / "d.csv").write_text(DET)
    _, conditions, recognizers, values = recognition_panels(read_csv(tmp_path / "r.csv"), read_csv(tmp_path / "d.csv"))
    assert recognizers == ["ppocrv6_small", "english_g2"]
    assert conditions == ["hr", "lr", "bicubic", "rcan@synth"]
    assert values["accuracy"]["english_g2"][("synth", 4, "rcan@synth")] == pytest.approx([20.0])  # not 30, 34
    assert values["accuracy"]["ppocrv6_small"][("synth", 4, "rcan@synth")] == pytest.approx([30.0, 34.0])
    assert values["e2e"]["english_g2"][("synth", 4, "hr")] == pytest.approx([70.0])
    assert ("synth", 4, "bicubic") not in values["accuracy"]["english_g2"]


def test_figure_with_two_recognizers_gets_a_column_of_panels_each(tmp_path):
    (tmp_path / "r.csv").write_text(REC_G2)
    (tmp_path / "d.csv").write_text(DET)
    plot_recognition(tmp_path / "r.csv", tmp_path / "d.csv", tmp_path / "a.pdf", tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as im:
        assert im.size[0] == 1575  # 3 columns of panels: 3.5 in x 3 / 2 = 5.25 in x 300 dpi


def test_wilson_interval_of_a_proportion():
    from textsr.report.recognition import wilson_interval

    # by hand: z = 1.96, 5 of 10: centre (5 + 1.92) / 13.84 = 0.5, half-width 1.96 sqrt(2.5 + 0.96) / 13.84 = 0.2634
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)  # never below 0, unlike p +- z se
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(0, 0) is None
