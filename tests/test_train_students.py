"""train_sr for every registered student (plain, attention gates, CRAFT attention distillation from cached maps) and
every SR-teacher distillation (FAKD, SRKD, PISR): loss terms against recomputations from the initial weights and the
first batch, the Y-channel colour path, frozen teachers, the FAKD memory check, kill + resume.

Tiny networks on tiny images, CPU, 1 thread. The first logged row (log_every 1) of a curve holds the raw loss terms of
iteration 1: the student's initial weights (torch seeded with the training seed) on the sampler's first batch (its
own RNG seeded with the same seed), which `_initial` rebuilds independently of `train_sr`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from textsr.train.patches import PatchSampler
from textsr.distill import compute_teacher_maps
from textsr.util.imageio import read_image, write_png
from textsr.models.registry import build_arch
from textsr.inference.superres import load_sr_model, superres_image
from textsr.train import curve_columns, make_model, resolve_method, train_privileged_teacher, train_sr

pytestmark = pytest.mark.usefixtures("torch_one_thread")

SEED = 11
#: LR side 20 (RFDN's ESA needs >= 15); patches 16 (square: SRNet)
TRAIN = {"iterations": 4, "batch_size": 2, "patch_size": 16, "checkpoint_every": 2, "log_every": 1, "val_every": 2,
         "n_val": 1, "device": "cpu"}
#: a few thousand parameters each; names are the registry's
STUDENTS = {
    "rfdn": {"nf": 8, "num_modules": 3},
    "erfdn": {"nf": 8, "num_modules": 2},
    "a2n": {"nf": 8, "unf": 8, "nb": 2},
    "srnet": {"n_resblocks": 2, "n_feats": 16},
    "fsrcnn": {"d": 8, "s": 4, "m": 2},
}
#: default gates: the middle and the last block (`SRNetwork.default_attention_places`)
DEFAULT_GATES = {"rfdn": ["B1", "B3"], "erfdn": ["B1", "B2"], "a2n": ["AAB0", "AAB1"], "srnet": ["block0", "block1"],
                 "fsrcnn": ["mapping0", "mapping1"]}
STUDENT_RCAN = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
TEACHER_RCAN = {"n_resgroups": 2, "n_resblocks": 2, "n_feats": 16, "reduction": 4}
FSRCNN = {"d": 8, "s": 4, "m": 2}




@pytest.fixture
def data(tmp_path) -> Path:
    """3 HR 80x80 images of 4x4 blocks + their x4 block means as LR (20x20); stem "c" is the validation image."""
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c"):
        small = rng.integers(0, 256, (20, 20, 3)).astype(np.uint8)
        write_png(tmp_path / "hr" / f"{name}.png", np.kron(small, np.ones((4, 4, 1), np.uint8)))
        write_png(tmp_path / "lr" / f"{name}.png", small)
    return tmp_path


@pytest.fixture
def teacher_maps(data, pool_craft) -> Path:
    compute_teacher_maps(data / "hr", data / "teacher", weights="w", layers=["relu3_2"], threads=1)
    return data / "teacher"


class Killed(Exception):
    pass


def _train(root: Path, name: str, arch: str, model: dict, *, kill_at: int | None = None, train: dict | None = None,
           **kw) -> dict:
    def cb(it):
        if it == kill_at:
            raise Killed

    return train_sr(root / "hr", root / "lr", root / name / "model.pt", arch=arch, scale=4, seed=SEED, model=model,
                    train=train or TRAIN, checkpoint_dir=root / name / "ckpt", curve_file=root / name / "curve.tsv",
                    threads=1, callback=cb, method=name, **kw)


def _curve(root: Path, name: str) -> list[dict[str, float]]:
    lines = (root / name / "curve.tsv").read_text().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, map(float, line.split("\t")))) for line in lines[1:]]


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["state_dict"]


def _initial(root: Path, arch: str, model: dict, attention: dict | None = None, train: dict | None = None):
    """(the student's initial weights in train mode, the first training batch) of `_train` with these settings."""
    t = train or TRAIN
    spec = resolve_method(arch, 4, model, attention, t)
    torch.manual_seed(SEED)
    net = make_model(spec).train()
    sampler = PatchSampler(root / "hr", root / "lr", scale=4, patch_size=t["patch_size"], seed=SEED, stems=["a", "b"])
    return net, sampler.sample(t["batch_size"])


def _y01(rgb: torch.Tensor) -> torch.Tensor:
    """RGB 0-255 (B, 3, h, w) -> BT.601 studio-swing Y / 255 (B, 1, h, w), written out: PISR's input."""
    r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
    return (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0) / 255.0


def _affinity(f: torch.Tensor) -> torch.Tensor:
    """FAKD's spatial affinity, written out: cosine similarity of every pair of positions' C-vectors."""
    v = f.flatten(2)
    v = v / (v.norm(dim=1, keepdim=True) + 1e-8)
    return torch.einsum("bci,bcj->bij", v, v)


# ------------------------------------------------------------------------------------------- the students


@pytest.mark.parametrize("arch", sorted(STUDENTS))
@pytest.mark.parametrize("variant", ["plain", "sa", "dat"])
def test_every_student_trains_plain_gated_and_distilled(data, teacher_maps, arch, variant):
    kw = {}
    if variant != "plain":
        kw["attention"] = {}  # the default places
    if variant == "dat":
        kw.update(distill={}, teacher_dir=teacher_maps)
    out = _train(data, variant, arch, STUDENTS[arch], **kw)
    assert out["iterations"] == 4 and np.isfinite(out["val_psnr"])
    terms = ["loss_total", "loss_sr"] + (["loss_ad", "loss_sd"] if variant == "dat" else [])
    terms += ["loss_aux"] if arch == "srnet" else []  # SRNet's Diff loss
    assert (data / variant / "curve.tsv").read_text().splitlines()[0].split("\t") == curve_columns(terms)
    for row in _curve(data, variant):
        # default weights: w_sr 1, w_ad 1000, w_sd 300; SRNet's Diff weight 1
        expected = row["loss_sr"] + 1000 * row.get("loss_ad", 0) + 300 * row.get("loss_sd", 0) + row.get("loss_aux", 0)
        assert row["loss_total"] == pytest.approx(expected, rel=1e-4)
        assert row["loss_sr"] > 0 and row.get("loss_ad", 1) > 0 and row.get("loss_aux", 1) > 0
    model, meta = load_sr_model(data / variant / "model.pt", scale=4)
    assert meta["arch"] == arch and model.colour == ("y" if arch == "fsrcnn" else "rgb")
    gates = DEFAULT_GATES[arch] if variant != "plain" else []
    assert (meta["attention"] or {}).get("places", []) == gates
    # the official keys, plus the gates' keys under sa.<place>. only
    official = set(build_arch(arch, scale=4, **STUDENTS[arch]).state_dict())
    keys = set(_weights(data / variant / "model.pt"))
    extra = keys - official
    assert official <= keys and all(k.startswith("sa.") for k in extra)
    assert {k.split(".")[1] for k in extra} == set(gates)


@pytest.mark.parametrize("arch", ["rfdn", "srnet", "fsrcnn"])
def test_control_arm_equals_the_distilled_arm_at_zero_weights_for_other_students(data, teacher_maps, arch):
    """`{student}_sa` and `{student}_dat` with w_ad = w_sd = 0 train to the same weights bit for bit (as RCAN's);
    the default weights move them apart."""
    _train(data, "sa", arch, STUDENTS[arch], attention={})
    _train(data, "dat0", arch, STUDENTS[arch], attention={}, distill={"w_ad": 0.0, "w_sd": 0.0},
           teacher_dir=teacher_maps)
    _train(data, "dat", arch, STUDENTS[arch], attention={}, distill={}, teacher_dir=teacher_maps)
    a, b, c = (_weights(data / n / "model.pt") for n in ("sa", "dat0", "dat"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a if k in c)


def test_srnet_logs_its_diff_loss_of_the_first_batch_as_loss_aux(data):
    from textsr.models.srnet import diff_label_batch

    _train(data, "srnet", "srnet", STUDENTS["srnet"])
    first = _curve(data, "srnet")[0]
    net, batch = _initial(data, "srnet", STUDENTS["srnet"])
    with torch.no_grad():
        sr, taps = net.forward_taps(batch["lr"])
    label = diff_label_batch(batch["hr"], batch["lr"], 4)  # |HR - bicubic(LR)|, PIL filters, 0-255
    assert first["loss_aux"] == pytest.approx(float(F.l1_loss(taps.aux["diff"], label)), rel=1e-4)
    assert first["loss_sr"] == pytest.approx(float(F.l1_loss(sr, batch["hr"])), rel=1e-4)
    assert first["loss_aux"] > 1.0  # an untrained branch is far from the label (in 0-255 units)


def test_fsrcnn_pixel_loss_is_on_y_in_0_1(data):
    _train(data, "fsrcnn", "fsrcnn", FSRCNN)
    first = _curve(data, "fsrcnn")[0]
    net, batch = _initial(data, "fsrcnn", FSRCNN)
    with torch.no_grad():
        sr = net(_y01(batch["lr"]))
    assert first["loss_sr"] == pytest.approx(float(F.l1_loss(sr, _y01(batch["hr"]))), rel=1e-4)
    assert first["loss_sr"] < 1.0  # [0, 1] units: an RGB 0-255 path would be two orders larger


def test_fsrcnn_learns_a_flat_colour_and_its_colour_output_keeps_the_chroma(tmp_path):
    """On flat (200, 60, 30) images the Y network only has to learn a constant; 40 Adam steps at lr 1e-2 reach it.
    Validation PSNR (Y) above 40 dB means input, target and output are in the same Y units; the decoded RGB equal
    to the colour means the chroma comes from the LR image. Y = 16 + (65.481*200 + 128.553*60 + 24.966*30)/255
    = 106.4, Cb = 83.3, Cr = 181.2: a grey output (Cb = Cr = 128) or Y in the wrong range misses by > 50 levels."""
    colour = np.array([200, 60, 30], np.uint8)
    for name in ("a", "b", "c"):
        write_png(tmp_path / "hr" / f"{name}.png", np.broadcast_to(colour, (64, 64, 3)).copy())
        write_png(tmp_path / "lr" / f"{name}.png", np.broadcast_to(colour, (16, 16, 3)).copy())
    train = {**TRAIN, "iterations": 40, "patch_size": 12, "lr": 1e-2, "log_every": 40, "val_every": 40}
    out = _train(tmp_path, "flat", "fsrcnn", FSRCNN, train=train)
    assert out["val_psnr"] > 40.0  # measured 46.6 dB; 22 dB after 20 steps at lr 3e-3
    model, _ = load_sr_model(tmp_path / "flat" / "model.pt", scale=4)
    sr = superres_image(model, read_image(tmp_path / "lr" / "c.png"))
    dev = sr[4:-4, 4:-4].reshape(-1, 3).astype(int) - colour  # the transposed conv's border is not learnt yet
    assert np.median(np.abs(dev)) <= 1
    # what error there is, is the luma's: the same in R, G and B (a chroma error would differ between channels)
    assert (dev.max(axis=1) - dev.min(axis=1)).max() <= 1


# ------------------------------------------------------------------------------------ SR teachers: FAKD, SRKD


@pytest.fixture
def rcan_teacher(data) -> Path:
    """A tiny RCAN (2 groups x 2 blocks x 16) trained for 2 iterations: the SR teacher's model file."""
    _train(data, "teacher_rcan", "rcan", TEACHER_RCAN, train={**TRAIN, "iterations": 2, "val_every": 2})
    return data / "teacher_rcan" / "model.pt"


FAKD = {"type": "fakd", "places": ["group0", "group1", "skip"]}


def test_fakd_losses_are_the_official_objective_on_the_first_batch(data, rcan_teacher):
    _train(data, "fakd", "rcan", STUDENT_RCAN, kd=FAKD, sr_teacher=rcan_teacher)
    rows = _curve(data, "fakd")
    assert list(rows[0]) == curve_columns(["loss_total", "loss_sr", "loss_out", "loss_kd"])
    for row in rows:  # (1 - 0.5) L1(SR, HR) + 0.5 L1(SR, SR_T) + 10 * sum of affinity L1s
        assert row["loss_total"] == pytest.approx(0.5 * row["loss_sr"] + 0.5 * row["loss_out"] + 10 * row["loss_kd"],
                                                  rel=1e-4)
    net, batch = _initial(data, "rcan", STUDENT_RCAN)
    teacher, _ = load_sr_model(rcan_teacher, scale=4)
    with torch.no_grad():
        sr, s_taps = net.forward_taps(batch["lr"], FAKD["places"])
        sr_t, t_taps = teacher.forward_taps(batch["lr"], FAKD["places"])  # the teacher sees the same LR patch
    kd = sum(float((_affinity(s_taps.features[p]) - _affinity(t_taps.features[p])).abs().mean())
             for p in FAKD["places"])
    first = rows[0]
    assert first["loss_sr"] == pytest.approx(float(F.l1_loss(sr, batch["hr"])), rel=1e-4)
    assert first["loss_out"] == pytest.approx(float(F.l1_loss(sr, sr_t)), rel=1e-4)
    assert first["loss_kd"] == pytest.approx(kd, rel=1e-4)
    assert 0 < first["loss_kd"] < 6  # three pairs, each in [0, 2]


def test_sr_teacher_stays_frozen_and_in_eval_mode(data, rcan_teacher, monkeypatch):
    import textsr.train.students as students

    loaded = []
    real = students.load_sr_teacher

    def spy(*args, **kwargs):
        loaded.append(real(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(students, "load_sr_teacher", spy)
    _train(data, "fakd", "rcan", STUDENT_RCAN, kd=FAKD, sr_teacher=rcan_teacher)
    (teacher,) = loaded
    on_file = _weights(rcan_teacher)
    after = teacher.state_dict()
    assert all(torch.equal(on_file[k], after[k]) for k in on_file)
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())
    student = _weights(data / "fakd" / "model.pt")
    assert set(student) == set(build_arch("rcan", scale=4, **STUDENT_RCAN).state_dict())  # no teacher keys


def test_fakd_memory_check_refuses_a_too_large_patch_before_training(data, rcan_teacher):
    # bytes = (3 layers + 3) x batch 2 x (side^2)^2 x 4 = 48 side^4: 16 px -> 3,145,728 > 1 MiB = 1,048,576;
    # 12 px -> 995,328 fits, 13 px -> 1,370,928 does not
    with pytest.raises(ValueError, match=r"FAKD: an LR patch of 16x16 px.*3145728 bytes.*at most 12 px"):
        _train(data, "big", "rcan", STUDENT_RCAN, kd={**FAKD, "max_affinity_mib": 1}, sr_teacher=rcan_teacher)
    assert not (data / "big").exists()  # refused at start-up: nothing trained, nothing written


def test_srkd_loss_is_the_mse_of_channel_mean_and_std_maps(data, rcan_teacher):
    kd = {"type": "srkd", "places": ["group0", "skip"], "w_kd": 0.5}
    _train(data, "srkd", "rcan", STUDENT_RCAN, kd=kd, sr_teacher=rcan_teacher)
    rows = _curve(data, "srkd")
    assert list(rows[0]) == curve_columns(["loss_total", "loss_sr", "loss_kd"])  # w_out 0: no teacher-output term
    for row in rows:
        assert row["loss_total"] == pytest.approx(row["loss_sr"] + 0.5 * row["loss_kd"], rel=1e-4)
    net, batch = _initial(data, "rcan", STUDENT_RCAN)
    teacher, _ = load_sr_model(rcan_teacher, scale=4)
    with torch.no_grad():
        _, s_taps = net.forward_taps(batch["lr"], kd["places"])
        _, t_taps = teacher.forward_taps(batch["lr"], kd["places"])

    def stats(f):  # mean and population std over channels, per position
        return torch.cat([f.mean(1, keepdim=True), f.var(1, unbiased=False, keepdim=True).sqrt()], 1)

    expected = sum(float(((stats(s_taps.features[p]) - stats(t_taps.features[p])) ** 2).mean()) for p in kd["places"])
    assert rows[0]["loss_kd"] == pytest.approx(expected, rel=1e-4)


def test_fakd_with_attention_distillation_logs_all_five_terms(data, rcan_teacher, teacher_maps):
    """The 2 x 2's fourth corner (FAKD + AD on one student): pixel weight 0.5 from FAKD, AD / SD at their defaults."""
    _train(data, "fakd_dat", "rcan", STUDENT_RCAN, kd=FAKD, sr_teacher=rcan_teacher, attention={}, distill={},
           teacher_dir=teacher_maps)
    rows = _curve(data, "fakd_dat")
    assert list(rows[0]) == curve_columns(["loss_total", "loss_sr", "loss_out", "loss_ad", "loss_sd", "loss_kd"])
    for row in rows:
        assert row["loss_total"] == pytest.approx(
            0.5 * row["loss_sr"] + 0.5 * row["loss_out"] + 1000 * row["loss_ad"] + 300 * row["loss_sd"]
            + 10 * row["loss_kd"], rel=1e-4)
        assert row["loss_ad"] > 0 and row["loss_kd"] > 0
    _, meta = load_sr_model(data / "fakd_dat" / "model.pt")
    assert meta["attention"]["places"] == ["group0", "group1"] and meta["kd"]["type"] == "fakd"


def test_teacher_without_the_places_is_an_error_naming_the_file(data, rcan_teacher):
    with pytest.raises(ValueError, match=r"teacher_rcan/model.pt.*no place\(s\) \['group5'\]"):
        _train(data, "bad", "rcan", STUDENT_RCAN, kd={**FAKD, "teacher_places": ["group0", "group5", "skip"]},
               sr_teacher=rcan_teacher)


# ---------------------------------------------------------------------------------------------------- PISR


@pytest.fixture
def privileged(data) -> Path:
    """PISR step 1 on the tiny data: the privileged teacher (encoder sees HR + FSRCNN decoder), 4 iterations."""
    out = train_privileged_teacher(data / "hr", data / "lr", data / "priv" / "privileged.pt", scale=4, seed=SEED,
                                   model=FSRCNN, train={**TRAIN, "lr": 1e-2}, checkpoint_dir=data / "priv" / "ckpt",
                                   curve_file=data / "priv" / "curve.tsv", threads=1)
    assert out["iterations"] == 4 and np.isfinite(out["val_psnr"])
    return data / "priv" / "privileged.pt"


PISR = {"type": "pisr", "places": ["expanding"]}


def test_pisr_student_starts_from_the_decoder_and_distils_with_vid(data, privileged):
    from textsr.distill.vid import VIDLoss
    from textsr.models.pisr import load_privileged_teacher

    _train(data, "pisr", "fsrcnn", FSRCNN, kd=PISR, init_from=privileged, sr_teacher=privileged)
    rows = _curve(data, "pisr")
    assert list(rows[0]) == curve_columns(["loss_total", "loss_sr", "loss_kd"])
    for row in rows:  # L1 + 1e-6 VID
        assert row["loss_total"] == pytest.approx(row["loss_sr"] + 1e-6 * row["loss_kd"], rel=1e-5, abs=1e-7)
    _, batch = _initial(data, "fsrcnn", FSRCNN)
    spec = resolve_method("fsrcnn", 4, FSRCNN, train=TRAIN)
    torch.manual_seed(SEED)  # as train_sr draws them: the student (overwritten), the teacher file's network, VID
    make_model(spec)
    teacher = load_privileged_teacher(privileged)
    vid = VIDLoss(FSRCNN["d"])
    with torch.no_grad():
        sr, s_taps = teacher.decoder.forward_taps(_y01(batch["lr"]), ["expanding"])  # the student = the decoder
        t_feat = teacher.teacher_features(_y01(batch["hr"]), ["expanding"])[0]  # the teacher sees HR
        kd = float(vid(s_taps.features["expanding"], t_feat))
    # iteration 1's pixel loss is the decoder's: the student starts from its weights, not from a random init
    assert rows[0]["loss_sr"] == pytest.approx(float(F.l1_loss(sr, _y01(batch["hr"]))), rel=1e-4)
    assert rows[0]["loss_kd"] == pytest.approx(kd, rel=1e-4)
    # the model file is a plain FSRCNN: the VID heads are training state only
    assert set(_weights(data / "pisr" / "model.pt")) == set(build_arch("fsrcnn", scale=4, **FSRCNN).state_dict())


def test_pisr_teacher_file_defaults_to_the_privileged_initialisation(data, privileged):
    """The DAG passes the privileged file once (init_from); the same file is the VID teacher."""
    _train(data, "both", "fsrcnn", FSRCNN, kd=PISR, init_from=privileged, sr_teacher=privileged)
    _train(data, "init", "fsrcnn", FSRCNN, kd=PISR, init_from=privileged)
    a, b = _weights(data / "both" / "model.pt"), _weights(data / "init" / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="needs its teacher's model file"):
        _train(data, "none", "fsrcnn", FSRCNN, kd=PISR)


def test_pisr_student_with_attention_gates_takes_every_other_weight_from_the_decoder(data, privileged, teacher_maps):
    """PISR + CRAFT attention distillation on one FSRCNN: the gates keep their own initialisation, everything else
    is the decoder's (Adam at lr 1e-12 moves no weight by more than ~4e-12 in 4 steps)."""
    from textsr.models.pisr import load_privileged_teacher

    _train(data, "pisr_dat", "fsrcnn", FSRCNN, kd=PISR, init_from=privileged, attention={},
           distill={"w_ad": 3.92, "w_sd": 1.18}, teacher_dir=teacher_maps, train={**TRAIN, "lr": 1e-12})
    assert list(_curve(data, "pisr_dat")[0]) == curve_columns(
        ["loss_total", "loss_sr", "loss_ad", "loss_sd", "loss_kd"])
    student = _weights(data / "pisr_dat" / "model.pt")
    decoder = load_privileged_teacher(privileged).decoder.state_dict()
    assert set(student) - set(decoder) == {"sa.mapping0.conv.weight", "sa.mapping0.conv.bias",
                                           "sa.mapping1.conv.weight", "sa.mapping1.conv.bias"}
    assert all(torch.allclose(student[k], decoder[k], rtol=0, atol=1e-10) for k in decoder)


def test_privileged_file_of_another_scale_or_for_another_method_is_refused(data, privileged):
    with pytest.raises(ValueError, match="kd type pisr only"):
        _train(data, "rcan_init", "rcan", STUDENT_RCAN, init_from=privileged)
    for name in ("a", "b", "c"):  # x2 LR: every other pixel of HR
        write_png(data / "lr2" / f"{name}.png", read_image(data / "hr" / f"{name}.png")[::2, ::2])
    train_privileged_teacher(data / "hr", data / "lr2", data / "x2" / "privileged.pt", scale=2, seed=SEED, model=FSRCNN,
                             train={**TRAIN, "iterations": 1, "patch_size": 8}, checkpoint_dir=data / "x2" / "ckpt",
                             curve_file=data / "x2" / "curve.tsv", threads=1)
    with pytest.raises(ValueError, match=r"x2/privileged.pt: a x2 teacher, but scale 4"):
        _train(data, "wrong_scale", "fsrcnn", FSRCNN, kd=PISR, init_from=data / "x2" / "privileged.pt")


# ------------------------------------------------------------------------------------------ kill and resume


@pytest.mark.parametrize("kind", ["fakd", "pisr"])
def test_kill_and_resume_of_a_kd_student_gives_identical_weights(data, rcan_teacher, privileged, kind):
    """Checkpoint at iteration 2, killed after 3: the resumed run equals the uninterrupted one bit for bit (PISR: the
    VID heads' weights and Adam state are restored too, else the student's updates would differ)."""
    if kind == "fakd":
        kw = {"arch": "rcan", "model": STUDENT_RCAN, "kd": FAKD, "sr_teacher": rcan_teacher}
    else:
        kw = {"arch": "fsrcnn", "model": FSRCNN, "kd": PISR, "init_from": privileged}
    full = _train(data, "full", **kw)
    with pytest.raises(Killed):
        _train(data, "killed", kill_at=3, **kw)
    resumed = _train(data, "killed", **kw)
    assert full["resumed_from"] == 0 and resumed["resumed_from"] == 2
    a, b = _weights(data / "full" / "model.pt"), _weights(data / "killed" / "model.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (data / "full" / "curve.tsv").read_text() == (data / "killed" / "curve.tsv").read_text()


def test_checkpoint_made_with_another_teacher_is_not_resumed(data, rcan_teacher):
    with pytest.raises(Killed):
        _train(data, "x", "rcan", STUDENT_RCAN, kd=FAKD, sr_teacher=rcan_teacher, kill_at=3)
    _train(data, "other_teacher", "rcan", TEACHER_RCAN, train={**TRAIN, "iterations": 3, "val_every": 3})
    out = _train(data, "x", "rcan", STUDENT_RCAN, kd=FAKD, sr_teacher=data / "other_teacher" / "model.pt")
    assert out["resumed_from"] == 0
