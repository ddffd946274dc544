"""The SR students by name (as BasicSR's ARCH_REGISTRY): a config's `arch` is a key of `ARCH_REGISTRY`.

Adding a student is one module (an `textsr.models.base.SRNetwork` subclass) plus one line below. Imports are
static so that `textsr.util.provenance.code_version` follows them (a changed student retrains what uses it).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from torch import Tensor

from textsr.models.a2n import A2N
from textsr.models.base import SRNetwork, attention_places_in, without_attention
from textsr.models.fsrcnn import FSRCNN
from textsr.models.rcan import RCAN
from textsr.models.rfdn import ERFDN, RFDN
from textsr.models.srnet import SRNet

#: registry name -> network class
ARCH_REGISTRY: dict[str, type[SRNetwork]] = {
    "rcan": RCAN,
    "rfdn": RFDN,
    "erfdn": ERFDN,
    "a2n": A2N,
    "srnet": SRNet,
    "fsrcnn": FSRCNN,
}


def arch_class(name: str) -> type[SRNetwork]:
    """The class registered as `name`; ValueError listing the registered names otherwise."""
    try:
        return ARCH_REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown arch {name!r}; registered: {', '.join(sorted(ARCH_REGISTRY))}") from None


def arch_name(model: SRNetwork) -> str:
    """Registry name of a network instance (the first name registered for its exact class)."""
    for name, cls in ARCH_REGISTRY.items():
        if type(model) is cls:
            return name
    raise ValueError(f"{type(model).__name__} is not a registered architecture")


def arch_options(name: str) -> list[str]:
    """Constructor keywords an arch accepts (what a config's `model:` may set)."""
    return [p for p in inspect.signature(arch_class(name).__init__).parameters if p != "self"]


def build_arch(name: str, *, attention: Mapping | None = None, **kwargs) -> SRNetwork:
    """`ARCH_REGISTRY[name](**kwargs)`, then the spatial-attention gates of `attention` ({places, kernel_size}).

    Unknown keywords are a ValueError naming the accepted ones (a config typo must not pass silently).
    """
    known = arch_options(name)
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise ValueError(f"arch {name!r} has no option(s) {unknown}; options: {known}")
    model = arch_class(name)(**kwargs)
    if attention and attention.get("places"):
        model.attach_attention(attention["places"], attention.get("kernel_size", 7))
    return model


def recognise(state_dict: Mapping[str, Tensor], arch: str | None = None) -> tuple[str, dict, dict | None]:
    """(arch name, constructor kwargs (scale included where the weights fix it), attention {places, kernel_size} or
    None) of a state dict, from its keys and shapes: official checkpoints of every registered student and this
    project's models (attention under `sa.*`).

    arch: the registry name to use instead of guessing (its class must still recognise the keys).
    """
    plain = without_attention(state_dict)
    names = [arch] if arch is not None else list(ARCH_REGISTRY)
    for name in names:
        kwargs = arch_class(name).kwargs_from_state_dict(plain)
        if kwargs is not None:
            places, kernel = attention_places_in(state_dict)
            return name, kwargs, ({"places": places, "kernel_size": kernel} if places else None)
    tried = ", ".join(names)
    raise ValueError(f"the keys are not those of any registered architecture (tried {tried}); first keys: "
                     f"{list(state_dict)[:4]}")
