"""The training loop shared by every trainer: steps, progress lines, the curve file, validation, early stopping and
checkpoints (`textsr.train.state.Checkpoint`)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from textsr.train.spec import CHECKPOINT_NAME, LOSS_TERMS
from textsr.train.state import Checkpoint
from textsr.util.atomic import write_text_atomic

log = logging.getLogger(__name__)


def curve_columns(terms: Iterable[str]) -> list[str]:
    """Curve TSV columns: iteration, the loss terms present (LOSS_TERMS order, then any other term as given), lr,
    val_psnr."""
    terms = list(terms)
    return ["iteration", *[t for t in LOSS_TERMS if t in terms], *[t for t in terms if t not in LOSS_TERMS], "lr",
            "val_psnr"]


def _fmt(v) -> str:
    if isinstance(v, int):
        return str(v)
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6g}"


def write_curve(path: Path, columns: list[str], rows: list[dict]) -> None:
    """The curve TSV: a header of `columns`, one line per row (%.6g; nan where a row has no value)."""
    lines = ["\t".join(columns)] + ["\t".join(_fmt(r.get(c)) for c in columns) for r in rows]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


def optimiser(params, t: Mapping):
    """Adam (0.9, 0.999, eps 1e-8) and the learning-rate schedule, stepped once per iteration."""
    optimizer = torch.optim.Adam(params, lr=t["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    if t.get("lr_schedule", "step") == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=int(t["iterations"]),
                                                               eta_min=float(t["lr_min"]))
    else:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(t["lr_step"]), gamma=t["lr_gamma"])
    return optimizer, scheduler


@dataclass
class Progress:
    """Loop state saved in checkpoints: curve rows, running sums since the last row (accum["n"] steps), early-stopping
    bookkeeping."""

    rows: list = field(default_factory=list)
    accum: dict = field(default_factory=dict)
    best_psnr: float = -math.inf
    best_iteration: int = 0
    stale: int = 0
    stopped_at: int | None = None

    def add(self, step_terms: Mapping[str, float]) -> None:
        self.accum["n"] += 1
        for k, v in step_terms.items():
            self.accum[k] += v

    def row(self, it: int, lr: float, terms: Iterable[str]) -> dict:
        """A curve row of the means since the previous row (the sums then restart); val_psnr nan until set."""
        n = max(self.accum["n"], 1)
        row = {"iteration": it, "lr": lr, "val_psnr": float("nan")}
        row.update({k: self.accum[k] / n for k in terms})
        self.accum = {k: 0 if k == "n" else 0.0 for k in self.accum}
        return row

    def validated(self, it: int, psnr: float, early: Mapping) -> tuple[bool, bool]:
        """Early-stopping bookkeeping of a validation: (improved by more than min_delta, stop now)."""
        if psnr > self.best_psnr + float(early["min_delta"]):
            self.best_psnr, self.best_iteration, self.stale = psnr, it, 0
            return True, False
        self.stale += 1
        return False, self.stale >= int(early["patience"])


def fit(
    *,
    net: torch.nn.Module,
    stepper: Callable[[dict], dict],
    sampler,
    optimizer,
    scheduler,
    train: Mapping,
    validate: Callable[[], float],
    fingerprint: str,
    checkpoint_dir: str | Path,
    curve_file: Path,
    terms: tuple[str, ...],
    extra_state: torch.nn.Module | None = None,
    label: str,
    callback: Callable[[int], None] | None = None,
) -> tuple[Progress, dict, float, int]:
    """Train `net` to train["iterations"] (or an early stop): one `stepper(sampler.sample(batch_size))` and one
    scheduler step per iteration; a curve row and a progress line every log_every / val_every iterations and at the
    end, validation PSNR every val_every; a checkpoint every checkpoint_every (resumed when the fingerprint
    matches). Returns (progress, final state dict on the CPU (the best validated one under early stopping),
    seconds this run, iteration resumed from)."""
    ckpt = Checkpoint(Path(checkpoint_dir) / CHECKPOINT_NAME, fingerprint, net=net, optimizer=optimizer,
                      scheduler=scheduler, sampler=sampler, extra=extra_state)
    columns = curve_columns(terms)
    start, prog, best_state = 0, Progress(accum={"n": 0, **{k: 0.0 for k in terms}}), None
    resumed = ckpt.restore()
    if resumed is not None:
        start, prog, best_state = resumed["iteration"], Progress(**resumed["progress"]), resumed["best_state"]
    write_curve(curve_file, columns, prog.rows)
    n_iter = int(train["iterations"])
    log_every, val_every, ck_every = (max(1, int(train[k])) for k in ("log_every", "val_every", "checkpoint_every"))
    early = train.get("early_stop")
    t_start = t_last = time.perf_counter()
    it_last = start
    for it in range(start + 1, n_iter + 1):
        prog.add(stepper(sampler.sample(int(train["batch_size"]))))
        scheduler.step()
        is_val = it % val_every == 0 or it == n_iter
        stop = False
        if it % log_every == 0 or is_val:
            now = time.perf_counter()
            speed = (it - it_last) / max(now - t_last, 1e-9)
            t_last, it_last = now, it
            row = prog.row(it, optimizer.param_groups[0]["lr"], terms)
            if is_val:
                row["val_psnr"] = validate()
                if early:
                    improved, stop = prog.validated(it, row["val_psnr"], early)
                    if improved:
                        best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
            prog.rows.append(row)
            write_curve(curve_file, columns, prog.rows)
            log.info("%s iter %d/%d  %s  lr %.3g  val_psnr %.3f dB  %.2f it/s", label, it, n_iter,
                     "  ".join(f"{k.removeprefix('loss_')} {row[k]:.4g}" for k in terms), row["lr"],
                     row["val_psnr"], speed)
        if stop:
            prog.stopped_at = it
            log.info("early stop at iteration %d: validation PSNR has not risen by more than %g dB for %d "
                     "validations; keeping iteration %d (%.3f dB)", it, early["min_delta"], early["patience"],
                     prog.best_iteration, prog.best_psnr)
            break
        if it % ck_every == 0 and it < n_iter:
            ckpt.save(it, asdict(prog), best_state)
        if callback is not None:
            callback(it)
    seconds = time.perf_counter() - t_start
    final = best_state if (early and best_state is not None) else net.state_dict()
    return prog, {k: v.detach().cpu() for k, v in final.items()}, seconds, start
