"""RCAN_dat: RCAN + spatial-attention modules after chosen residual groups (student of CRAFT attention distillation).

The extra modules live under `sa.group{g}.*` (g = 0-based residual-group index, as in `body.{g}`), a prefix RCAN
never uses, so an RCAN checkpoint (official RCAN_BIX*.pt or the project's) loads into RCANDAT with
`load_state_dict(sd, strict=False)` reporting exactly the `sa.*` keys as missing and nothing unexpected;
`load_rcan_into(model, sd)` does that and checks it. Without SA modules (`sa_groups=()`) RCANDAT equals RCAN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from torch import Tensor, nn

from textsr.models.attention import SpatialAttention
from textsr.models.rcan import RCAN


class RCANDAT(RCAN):
    """RCAN whose forward also returns the spatial-attention maps.

    forward(x: (B, 3, h, w) RGB 0..rgb_range) -> (sr: (B, 3, h*scale, w*scale), {"group<g>": (B, 1, h, w)}).
    The SA module after group g gates that group's output (x * a) before it enters group g+1 (or the body conv).
    """

    def __init__(self, *, sa_groups: Iterable[int] = (1,), sa_kernel: int = 7, **rcan_kwargs):
        super().__init__(**rcan_kwargs)
        groups = sorted({int(g) for g in sa_groups})
        bad = [g for g in groups if not 0 <= g < self.n_resgroups]
        if bad:
            raise ValueError(f"sa_groups {bad} outside 0..{self.n_resgroups - 1} (0-based residual-group indices)")
        self.sa_groups = tuple(groups)
        self.sa = nn.ModuleDict({f"group{g}": SpatialAttention(sa_kernel) for g in groups})

    def forward(self, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        x = self.head(self.sub_mean(x))
        res = x
        maps: dict[str, Tensor] = {}
        for g in range(self.n_resgroups):
            res = self.body[g](res)
            name = f"group{g}"
            if name in self.sa:
                res, maps[name] = self.sa[name](res)
        res = self.body[self.n_resgroups](res) + x
        return self.add_mean(self.tail(res)), maps


def load_rcan_into(model: RCANDAT, state_dict: Mapping[str, Tensor]) -> list[str]:
    """Load an RCAN state_dict into an RCANDAT: strict for every RCAN key; returns the SA keys left untouched."""
    result = model.load_state_dict(state_dict, strict=False)
    bad_missing = [k for k in result.missing_keys if not k.startswith("sa.")]
    if bad_missing or result.unexpected_keys:
        raise KeyError(f"not an RCAN state_dict for this model: missing {bad_missing[:5]}, "
                       f"unexpected {list(result.unexpected_keys)[:5]}")
    return list(result.missing_keys)
