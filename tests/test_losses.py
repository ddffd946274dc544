"""Loss terms (textsr.train.losses): one class per term, registered by name, L = sum_i w_i * term_i from a spec.

Each term is evaluated on a hand-made context (tiny tensors whose value can be worked out on paper); the spec tests
check which terms, weights and order `build_losses` derives from a resolved method.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from textsr.train.losses import (
    LOSS_REGISTRY, LossTerm, build_loss, build_losses, build_terms, curve_terms, loss_options, register_loss,
    weighted_sum,
)
from textsr.train.loop import curve_columns
from textsr.train.students import resolve_method

TINY = {"n_resgroups": 2, "n_resblocks": 1, "n_feats": 8, "reduction": 4}
GATES = {"places": ["group1"]}
FAKD = {"type": "fakd", "places": ["group0", "group1", "skip"]}


def _t(*rows) -> torch.Tensor:
    """A (1, 1, h, w) float tensor from rows of numbers."""
    return torch.tensor(rows, dtype=torch.float32)[None, None]


def _ctx(**kw) -> SimpleNamespace:
    kw.setdefault("device", torch.device("cpu"))
    return SimpleNamespace(**kw)


def _kinds(spec) -> list[tuple[str, float]]:
    return [(o["type"], o["weight"]) for o in loss_options(spec)]


# ------------------------------------------------------------------------------------------ from a method spec


def test_spec_gives_the_terms_and_weights_in_the_order_of_the_sum():
    assert _kinds(resolve_method("rcan", 4, TINY)) == [("pixel", 1.0)]
    dat = resolve_method("rcan", 4, TINY, GATES, None, {})  # defaults w_sr 1, w_ad 1000, w_sd 300, SD on maps
    assert _kinds(dat) == [("pixel", 1.0), ("ad", 1000.0), ("sd_maps", 300.0)]
    assert loss_options(dat)[1]["pairs"] == [("group1", "relu3_2")]  # x4: relu3_2 (stride 4)
    # FAKD + AD: pixel weight 1 - alpha = 0.5 from kd, the teacher-output term 0.5, affinity 10
    both = resolve_method("rcan", 4, TINY, GATES, None, {}, FAKD)
    assert _kinds(both) == [("pixel", 0.5), ("ad", 1000.0), ("sd_maps", 300.0), ("out", 0.5), ("fakd", 10.0)]
    srkd = resolve_method("rcan", 4, TINY, kd={"type": "srkd", "places": ["skip"], "stats": ["mean"], "w_kd": 0.5})
    assert _kinds(srkd) == [("pixel", 1.0), ("srkd", 0.5)]  # SRKD's w_out is 0: no teacher-output term
    assert loss_options(srkd)[1]["stats"] == ["mean"]
    pisr = resolve_method("fsrcnn", 4, {"d": 8, "s": 4, "m": 2}, kd={"type": "pisr", "places": ["expanding"]})
    assert _kinds(pisr) == [("pixel", 1.0), ("vid", 1e-6)]
    assert _kinds(resolve_method("srnet", 4, {"n_resblocks": 2, "n_feats": 16})) == [("pixel", 1.0), ("aux", 1.0)]
    feats = resolve_method("rcan", 4, TINY, GATES, None, {"sd_on": "features", "w_sd": 3.0})
    (sd,) = [o for o in loss_options(feats) if o["type"] == "sd_features"]
    assert sd["weight"] == 3.0 and sd["places"] == ["group1"]


def test_built_terms_carry_weights_needs_and_columns():
    terms = build_losses(resolve_method("rcan", 4, TINY, GATES, None, {}, FAKD))
    assert [t.weight for t in terms] == [0.5, 1000.0, 300.0, 0.5, 10.0]
    assert [t.column for t in terms] == ["loss_sr", "loss_ad", "loss_sd", "loss_out", "loss_kd"]
    assert [set(t.needs) for t in terms] == [set(), {"teacher_maps"}, {"teacher_maps"}, {"sr_teacher"},
                                             {"sr_teacher"}]
    assert terms[4].places == terms[4].teacher_places == ["group0", "group1", "skip"]
    assert curve_terms(terms) == ("loss_total", "loss_sr", "loss_out", "loss_ad", "loss_sd", "loss_kd")


def test_weighted_sum_is_the_weights_times_the_raw_terms():
    # pixel L1: |0-1| + |2-1| + |4-1| + |6-1| = 10, / 4 = 2.5; AD: [3, 4] -> [0.6, 0.8] against [1, 0] -> squares
    # 0.16 + 0.64, mean 0.4; L = 0.5 * 2.5 + 1000 * 0.4 = 401.25
    terms = build_terms([{"type": "pixel", "weight": 0.5}, {"type": "ad", "weight": 1000.0,
                                                            "pairs": [("g", "relu3_2")]}])
    ctx = _ctx(sr=_t([0, 2], [4, 6]), target=torch.ones(1, 1, 2, 2), taps=SimpleNamespace(maps={"g": _t([3, 4])}),
               teacher=({"relu3_2": _t([1, 0])}, {}))
    total, raw = weighted_sum(terms, ctx)
    assert float(raw["loss_sr"]) == pytest.approx(2.5) and float(raw["loss_ad"]) == pytest.approx(0.4)
    assert float(total) == pytest.approx(401.25)


# --------------------------------------------------------------------------------------------- each term


@pytest.mark.parametrize("pixel_loss,expected", [("l1", 2.5), ("mse", 9.0)])
def test_pixel_term(pixel_loss, expected):
    # differences 1, 1, 3, 5: L1 mean 10 / 4 = 2.5; MSE mean (1 + 1 + 9 + 25) / 4 = 9
    term = build_loss({"type": "pixel", "weight": 1.0, "pixel_loss": pixel_loss})
    assert float(term(_ctx(sr=_t([0, 2], [4, 6]), target=torch.ones(1, 1, 2, 2)))) == pytest.approx(expected)


def test_pixel_to_teacher_term():
    # |0-1| + |2-1| + |4-2| + |6-2| = 8, / 4 = 2
    term = build_loss({"type": "out", "weight": 0.5})
    ctx = _ctx(sr=_t([0, 2], [4, 6]), sr_teacher=SimpleNamespace(output=_t([1, 1], [2, 2]), features={}))
    assert float(term(ctx)) == pytest.approx(2.0)


def test_ad_term_over_two_pairs():
    # pair 1: [1, 0] vs [0, 1] (both unit): squares 1 + 1, mean 1; pair 2: [3, 4] -> [0.6, 0.8] vs [1, 0]: 0.4
    term = build_loss({"type": "ad", "weight": 1.0, "pairs": [("a", "relu3_2"), ("b", "upconv3")]})
    ctx = _ctx(taps=SimpleNamespace(maps={"a": _t([1, 0]), "b": _t([3, 4])}),
               teacher=({"relu3_2": _t([0, 1]), "upconv3": _t([1, 0])}, {}))
    assert float(term(ctx)) == pytest.approx(1.4)


def _sd_value() -> float:
    """SD of student samples [1, 0], [0, 1] (Gram = I) against teacher samples [1, 0], [1, 0] (Gram all ones, rows
    normalised to 1/sqrt 2): squares 2 (1 - 1/sqrt 2)^2 + 2 (1/2) = 4 - 2 sqrt 2, / B^2 = 4 -> 1 - sqrt(2) / 2."""
    return 1 - math.sqrt(2) / 2


def test_sd_on_maps_term():
    term = build_loss({"type": "sd_maps", "weight": 1.0, "pairs": [("a", "relu3_2")]})
    student = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(2, 1, 1, 2)
    ctx = _ctx(taps=SimpleNamespace(maps={"a": student}),
               teacher=({"relu3_2": torch.tensor([[1.0, 0.0], [1.0, 0.0]]).view(2, 1, 1, 2)}, {}))
    assert float(term(ctx)) == pytest.approx(_sd_value(), rel=1e-6)


def test_sd_on_features_term_reads_features_not_maps():
    term = build_loss({"type": "sd_features", "weight": 1.0, "pairs": [("a", "relu3_2")], "places": ["a"]})
    assert term.places == ["a"] and term.needs == {"teacher_features"}
    student = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(2, 2, 1, 1)  # (B, C, 1, 1) features
    ctx = _ctx(taps=SimpleNamespace(features={"a": student}, maps={}),
               teacher=({}, {"relu3_2": torch.tensor([[1.0, 0.0], [1.0, 0.0]]).view(2, 2, 1, 1)}))
    assert float(term(ctx)) == pytest.approx(_sd_value(), rel=1e-6)


def test_fakd_term():
    # student positions [1, 0], [0, 1]: affinity I; teacher positions [1, 0], [1, 0]: all ones; |diff| mean 2/4
    term = build_loss({"type": "fakd", "weight": 10.0, "places": ["s"], "teacher_places": ["t"]})
    ctx = _ctx(taps=SimpleNamespace(features={"s": torch.tensor([[1.0, 0.0], [0.0, 1.0]]).view(1, 2, 1, 2)}),
               sr_teacher=SimpleNamespace(features={"t": torch.tensor([[1.0, 1.0], [0.0, 0.0]]).view(1, 2, 1, 2)},
                                          output=None))
    assert float(term(ctx)) == pytest.approx(0.5, rel=1e-6)


def test_srkd_term():
    # one position, channels [1, 3]: mean 2, std 1; teacher [2, 2]: mean 2, std sqrt(1e-12) = 1e-6;
    # MSE over the two maps: (0^2 + (1 - 1e-6)^2) / 2 = 0.499999
    term = build_loss({"type": "srkd", "weight": 1.0, "places": ["s"], "teacher_places": ["t"],
                       "stats": ["mean", "std"]})
    ctx = _ctx(taps=SimpleNamespace(features={"s": torch.tensor([1.0, 3.0]).view(1, 2, 1, 1)}),
               sr_teacher=SimpleNamespace(features={"t": torch.tensor([2.0, 2.0]).view(1, 2, 1, 1)}, output=None))
    assert float(term(ctx)) == pytest.approx(0.499999, abs=1e-6)


def test_vid_term_builds_one_head_per_place_and_sums_them():
    from textsr.distill.vid import VIDLoss

    term = build_loss({"type": "vid", "weight": 1e-6, "places": ["a", "b"], "teacher_places": ["a", "b"]})
    student = SimpleNamespace(place_channels=lambda places: [{"a": 3, "b": 5}[p] for p in places])
    torch.manual_seed(0)
    heads = term.trainable(student)
    torch.manual_seed(0)
    expect_heads = [VIDLoss(3), VIDLoss(5)]  # drawn in the same order from the same RNG state
    assert list(heads) == ["0", "1"] and all(torch.equal(p, q) for p, q in zip(
        heads.parameters(), [p for h in expect_heads for p in h.parameters()]))
    g = torch.Generator().manual_seed(1)
    s = {"a": torch.randn(2, 3, 4, 4, generator=g), "b": torch.randn(2, 5, 4, 4, generator=g)}
    t = {"a": torch.randn(2, 3, 4, 4, generator=g), "b": torch.randn(2, 5, 4, 4, generator=g)}
    ctx = _ctx(taps=SimpleNamespace(features=s), sr_teacher=SimpleNamespace(features=t, output=None))
    with torch.no_grad():
        expected = float(expect_heads[0](s["a"], t["a"]) + expect_heads[1](s["b"], t["b"]))
        value = float(term(ctx))
    assert value == pytest.approx(expected, rel=1e-6)
    with pytest.raises(RuntimeError, match="trainable"):
        build_loss({"type": "vid", "weight": 1.0, "places": ["a"], "teacher_places": ["a"]})(ctx)


def test_auxiliary_term_sums_the_network_s_losses_and_is_left_out_when_empty():
    term = build_loss({"type": "aux", "weight": 1.0})
    model = SimpleNamespace(auxiliary_losses=lambda taps, lr, hr: {"diff": torch.tensor(2.0),
                                                                   "other": torch.tensor(3.0)})
    assert float(term(_ctx(model=model, taps=None, lr=None, hr=None))) == 5.0  # 2 + 3
    empty = _ctx(model=SimpleNamespace(auxiliary_losses=lambda *a: {}), taps=None, lr=None, hr=None,
                 sr=_t([1.0]), target=_t([0.0]))
    total, raw = weighted_sum([build_loss({"type": "pixel", "weight": 2.0}), term], empty)
    assert float(total) == 2.0 and list(raw) == ["loss_sr"]  # 2 * |1 - 0|, no aux column this step


def test_imitation_term():
    # |1 - 0| and |2 - 0|: mean 1.5
    term = build_loss({"type": "imitation", "weight": 1e-4})
    assert term.column == "loss_kd" and term.needs == {"privileged_encoding"}
    assert float(term(_ctx(extras={"encoded": _t([1, 2]), "lr_target": _t([0, 0])}))) == pytest.approx(1.5)


# --------------------------------------------------------------------------------------------- the registry


def test_a_registered_class_is_buildable_by_name_and_reaches_the_curve():
    @register_loss
    class DoubleL1(LossTerm):
        name, column = "double_l1_test", "loss_double"

        def __call__(self, ctx):
            return 2 * (ctx.sr - ctx.target).abs().mean()

    try:
        term = build_loss({"type": "double_l1_test", "weight": 3.0})
        assert isinstance(term, DoubleL1) and term.weight == 3.0
        # 2 * mean(1, 1, 3, 5) = 5; L = 3 * 5 + 1 * 2.5 = 17.5
        total, raw = weighted_sum([term, build_loss({"type": "pixel", "weight": 1.0})],
                                  _ctx(sr=_t([0, 2], [4, 6]), target=torch.ones(1, 1, 2, 2)))
        assert float(raw["loss_double"]) == 5.0 and float(total) == 17.5
        assert curve_columns(curve_terms([term])) == ["iteration", "loss_total", "loss_double", "lr", "val_psnr"]
        with pytest.raises(ValueError, match="already registered"):
            register_loss(DoubleL1)
    finally:
        LOSS_REGISTRY.pop("double_l1_test")
    with pytest.raises(ValueError, match="unknown loss term 'double_l1_test'.*registered"):
        build_loss({"type": "double_l1_test", "weight": 1.0})


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="no weight"):
        build_loss({"type": "pixel"})
    with pytest.raises(ValueError, match="pixel_loss must be l1 or mse"):
        build_loss({"type": "pixel", "weight": 1.0, "pixel_loss": "l2"})
    with pytest.raises(ValueError, match="share the column"):
        build_terms([{"type": "sd_maps", "weight": 1.0, "pairs": []}, {"type": "sd_features", "weight": 1.0,
                                                                      "pairs": []}])

    class Odd(LossTerm):
        name, column, needs = "odd_test", "loss_odd", frozenset({"a_crystal_ball"})

    with pytest.raises(ValueError, match="unknown need"):
        register_loss(Odd)
    assert "odd_test" not in LOSS_REGISTRY
