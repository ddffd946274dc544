"""Train SR students: any registered architecture, plain, with attention gates, with CRAFT attention distillation
and/or an SR teacher; deterministic from the seed, checkpointed, resumable bit-identically after a kill.

Modules: `spec` (torch-free: MethodSpec, every default, `resolve_options`), `losses` (one class per loss term,
LOSS_REGISTRY, L = sum_i w_i * term_i from a spec), `step` (one optimisation step), `state` (seeding, RNG states,
fingerprint, checkpoint), `loop` (`fit`: steps, curve, validation, early stopping), `session` (a run's set-up and
model file, shared), `students` (`resolve_method`, `train_sr`), `privileged` (PISR step 1), `patches` (aligned
training crops). Model file written at the end: `{"state_dict": ..., "meta": {"arch", "model", "attention",
"method", "seed", "iterations", ...}}`, which `textsr.inference.superres.load_sr_model` rebuilds.

Losses are in the network's own pixel units (0-255 for RCAN; [0, 1] Y for FSRCNN, as the official code); the
progress log and the curve file report each term RAW (unweighted) and the weighted total.

Names are loaded on first use, so that `textsr.train.spec` (torch-free) stays light.
"""

import importlib

_EXPORTS = {
    "MethodSpec": "spec", "resolve_options": "spec",
    "LOSS_REGISTRY": "losses", "LossTerm": "losses", "build_loss": "losses", "build_losses": "losses",
    "register_loss": "losses",
    "Stepper": "step", "curve_columns": "loop", "PatchSampler": "patches",
    "make_model": "students", "resolve_method": "students", "train_sr": "students",
    "train_privileged_teacher": "privileged",
}


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
