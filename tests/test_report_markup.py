from textsr.report.markup import (
    best_flags, detection_markdown, latex_escape, latex_tables, percent, write_detection_markdown,
    write_latex_tables,
)

DET_HEADER = "dataset,protocol,scale,condition,method,trainset,precision,recall,hmean,n_images,n_gt,n_det"


def _det(dataset, scale, condition, p, r, h):
    return {"dataset": dataset, "protocol": "icdar2015", "scale": str(scale), "condition": condition,
            "precision": str(p), "recall": str(r), "hmean": str(h), "n_images": "2", "n_gt": "10", "n_det": "9"}


ROWS = [
    _det("synth", 1, "hr", 0.99, 0.99, 0.99),
    _det("synth", 4, "lr", 0.90, 0.10, 0.18),
    _det("synth", 4, "bicubic", 0.80, 0.30, 0.4364),
    _det("synth", 4, "rcan_dat@synth", 0.70, 0.50, 0.5833),
    _det("other", 4, "bicubic", 0.50, 0.50, 0.50),
    _det("other", 4, "rcan_dat@synth", 0.40, 0.60, 0.48),
]


def test_best_flags_mark_the_max_per_dataset_and_scale_and_never_hr():
    # synth x4: P max 0.90 (lr), H max 0.5833 (rcan_dat); other x4: P max 0.50 (bicubic); hr (0.99) is not ranked
    assert best_flags(ROWS, "precision") == [False, True, False, False, True, False]
    assert best_flags(ROWS, "hmean") == [False, False, False, True, True, False]


def test_best_flags_ties_on_the_printed_value_are_all_bold():
    rows = [_det("d", 4, "a", 0.12341, 0, 0), _det("d", 4, "b", 0.12339, 0, 0)]  # both print as 12.3
    assert best_flags(rows, "precision") == [True, True]


def test_percent_has_one_decimal():
    assert percent("0.6592") == "65.9"
    assert percent(1.0) == "100.0"


def test_latex_escapes_underscore_at_and_the_other_specials():
    assert latex_escape("rcan_dat@synth") == r"rcan\_dat{@}synth"
    assert latex_escape("50% & #1 $x$") == r"50\% \& \#1 \$x\$"
    assert latex_escape("a{b}~c^d\\") == r"a\{b\}\textasciitilde{}c\textasciicircum{}d\textbackslash{}"


def test_markdown_bolds_the_best_and_marks_hr_as_upper_bound():
    md = detection_markdown(ROWS)
    assert "## synth (icdar2015)" in md and "## other (icdar2015)" in md
    assert "| ×1 | `hr` (upper bound) | 99.0 | 99.0 | 99.0 | 2 | 10 | 9 |" in md
    assert "| ×4 | `rcan_dat@synth` | 70.0 | **50.0** | **58.3** | 2 | 10 | 9 |" in md
    assert "| ×4 | `lr` | **90.0** | 10.0 | 18.0 |" in md


def test_latex_tables_are_booktabs_pivots_with_bold_and_escaped_names():
    sr = [{"dataset": "synth", "scale": "4", "condition": "bicubic", "psnr_y": "22.5", "ssim_y": "0.6"},
          {"dataset": "synth", "scale": "4", "condition": "rcan_dat@synth", "psnr_y": "24.125", "ssim_y": "0.71"}]
    tex = latex_tables(ROWS, sr)
    for needle in (r"\toprule", r"\midrule", r"\bottomrule", r"\cmidrule(lr){3-5} \cmidrule(lr){6-8}",
                   r"\label{tab:detection}", r"\label{tab:sr}", r"\multicolumn{3}{c}{synth}"):
        assert needle in tex, needle
    # one trainset: the condition prints as its method's name, escaped
    assert r" & RCAN\_dat & 70.0 & \textbf{50.0} & \textbf{58.3} & 40.0 & \textbf{60.0} & 48.0 \\" in tex
    assert r"$\times$1 & HR (upper bound) & 99.0 & 99.0 & 99.0 & -- & -- & -- \\" in tex
    # 24.125 is exact in binary and format() rounds half to even: 24.12
    assert r" & RCAN\_dat & \textbf{24.12} & \textbf{0.7100} \\" in tex
    assert r"\begin{table}[t]" in tex  # 2 datasets x 3 columns = 6: still one column


def test_latex_uses_table_star_for_many_columns_and_keeps_trainsets_apart():
    rows = [_det(f"d{i}", 4, c, 0.5, 0.5, 0.5) for i in range(3) for c in ("rcan@a", "rcan@b")]
    tex = latex_tables(rows, [])
    assert r"\begin{table*}[t]" in tex and "% (no SR conditions: no SR table)" in tex
    assert r" & RCAN{@}a & " in tex and r" & RCAN{@}b & " in tex


def test_writers_read_the_csvs(tmp_path):
    det = tmp_path / "detection_table.csv"
    det.write_text(DET_HEADER + "\nsynth,icdar2015,4,bicubic,bicubic,,0.5000,0.2500,0.3333,2,8,4\n")
    sr = tmp_path / "sr_table.csv"
    sr.write_text("dataset,scale,condition,psnr_y,ssim_y,n_images\nsynth,4,bicubic,22.000,0.6000,2\n")
    write_detection_markdown(det, tmp_path / "out" / "t.md")
    write_latex_tables(det, sr, tmp_path / "out" / "t.tex")
    assert "| ×4 | `bicubic` | **50.0** | **25.0** | **33.3** | 2 | 8 | 4 |" in (tmp_path / "out" / "t.md").read_text()
    assert r"\textbf{22.00} & \textbf{0.6000}" in (tmp_path / "out" / "t.tex").read_text()


def test_two_detectors_get_their_own_sections_column_groups_and_bold(tmp_path):
    det = tmp_path / "detection_table.csv"
    header = DET_HEADER.replace("protocol,", "protocol,detector,")
    det.write_text(header + "\n"
                   "synth,icdar2015,craft,4,bicubic,bicubic,,0.5000,0.2500,0.3333,2,8,4\n"
                   "synth,icdar2015,craft,4,rcan@synth,rcan,synth,0.6000,0.3000,0.4000,2,8,4\n"
                   "synth,icdar2015,db,4,bicubic,bicubic,,0.2000,0.1000,0.1333,2,8,4\n"
                   "synth,icdar2015,db,4,rcan@synth,rcan,synth,0.1000,0.1000,0.1000,2,8,8\n")
    sr = tmp_path / "sr_table.csv"
    sr.write_text("dataset,scale,condition,psnr_y,ssim_y,n_images\nsynth,4,bicubic,22.000,0.6000,2\n")
    write_detection_markdown(det, tmp_path / "t.md")
    md = (tmp_path / "t.md").read_text()
    assert "## synth, craft (icdar2015)" in md and "## synth, db (icdar2015)" in md
    # ranked within each detector: DB's bicubic (13.3) is its best although CRAFT's rows are higher
    assert "| ×4 | `bicubic` | **20.0** | **10.0** | **13.3** | 2 | 8 | 4 |" in md
    assert "| ×4 | `rcan@synth` | **60.0** | **30.0** | **40.0** | 2 | 8 | 4 |" in md
    write_latex_tables(det, sr, tmp_path / "t.tex")
    assert r"\multicolumn{3}{c}{synth, craft} & \multicolumn{3}{c}{synth, db}" in (tmp_path / "t.tex").read_text()


def test_fidelity_takes_each_sets_first_detector():
    from textsr.report.fidelity import fidelity_points

    det = [{"dataset": "s", "detector": d, "scale": "4", "condition": "bicubic", "seed": "", "hmean": h}
           for d, h in (("craft", "0.36"), ("db", "0.11"))]
    sr = [{"dataset": "s", "scale": "4", "condition": "bicubic", "seed": "", "psnr_y": "28.2", "ssim_y": "0.85"}]
    assert [p["hmean"] for p in fidelity_points(det, sr)] == [36.0]
