"""CRAFT text detector (Baek et al., CVPR 2019) with the official architecture and state-dict key names.

Keys equal those of clovaai/CRAFT-pytorch's `craft_mlt_25k.pth` once the `module.` prefix is stripped
(`basenet.slice1.0.weight`, `upconv1.conv.0.weight`, `conv_cls.8.bias`, ...), so the released weights load strictly.

The official backbone keeps its skip features by reference while the next VGG slice starts with an in-place ReLU:
the stored relu2_2 / relu3_2 / relu4_3 tensors therefore end up ReLU'd, while relu5_3 (followed by a max-pool)
and fc7 stay pre-ReLU. This module applies those ReLUs explicitly, which gives the same numbers without relying on
tensor aliasing (see `VGG16BN.forward`).

Inference speed (`fold_for_inference`, `craft_forward`): a copy of a loaded model with each eval-mode BatchNorm
folded into its convolution and each following ReLU fused into it (one oneDNN call per conv on CPU), weights in
channels-last memory, in float32 or bfloat16. In float32 its score maps differ from the plain model's by ~1e-6
(the official fixtures' boxes are unchanged, tests/test_detect.py); the plain `CRAFT` stays the reference.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

# torchvision's vgg16_bn cfg "D": conv widths, "M" = 2x2 max-pool. Each conv is (Conv2d, BatchNorm2d, ReLU),
# so the `features` indices are: conv at 0,3,7,10,14,17,20,24,27,30,34,37,40; BN at conv+1; ReLU at conv+2.
_VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")

# Index ranges of VGG16-BN `features` that make the official slices (end exclusive).
_SLICES = {"slice1": (0, 12), "slice2": (12, 19), "slice3": (19, 29), "slice4": (29, 39)}


def _vgg16_bn_features() -> list[nn.Module]:
    """The layer list of torchvision's `vgg16_bn().features` (44 modules), built without torchvision."""
    layers: list[nn.Module] = []
    in_ch = 3
    for v in _VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_ch, v, kernel_size=3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            in_ch = v
    return layers


def init_weights(modules) -> None:
    """Official init of the non-pretrained parts: Xavier-uniform conv weights, zero bias; BN weight 1, bias 0."""
    for m in modules:
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class VGG16BN(nn.Module):
    """VGG16-BN backbone split into the official slices, plus fc6/fc7 (`slice5`).

    Input (B, 3, H, W) normalised RGB, H and W multiples of 32. `forward` returns a dict of the official skip
    features, values as inside the official forward (the in-place ReLU quirk included):

    - "relu2_2": (B, 128, H/2, W/2), conv2_2+BN then ReLU (min 0)
    - "relu3_2": (B, 256, H/4, W/4), conv3_2+BN then ReLU (min 0)
    - "relu4_3": (B, 512, H/8, W/8), conv4_2+BN then ReLU (min 0; official name, it is conv4_2)
    - "relu5_3": (B, 512, H/16, W/16), conv5_2+BN, NOT ReLU'd (can be negative; official name)
    - "fc7":     (B, 1024, H/16, W/16), max-pool 3x3/1 -> dilated conv 3x3 (d=6) -> conv 1x1, no ReLU
    """

    def __init__(self) -> None:
        super().__init__()
        features = _vgg16_bn_features()
        for name, (start, stop) in _SLICES.items():
            block = nn.Sequential()
            for idx in range(start, stop):
                block.add_module(str(idx), features[idx])  # keep the VGG index as the key: slice2.14.weight
            setattr(self, name, block)
        self.slice5 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.Conv2d(1024, 1024, kernel_size=1),
        )
        init_weights(self.modules())

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        # slice2..4 each begin with an in-place ReLU on the previous slice's output, which the official code has
        # already stored as a skip feature: so the skip feature is the ReLU'd tensor. Run that leading ReLU first
        # and keep its result, then the rest of the slice.
        h = self.slice1(x)
        relu2_2 = self.slice2[0](h)
        h = self.slice2[1:](relu2_2)
        relu3_2 = self.slice3[0](h)
        h = self.slice3[1:](relu3_2)
        relu4_3 = self.slice4[0](h)
        relu5_3 = self.slice4[1:](relu4_3)  # slice5 starts with a max-pool (not in place): stays pre-ReLU
        fc7 = self.slice5(relu5_3)
        return {"relu2_2": relu2_2, "relu3_2": relu3_2, "relu4_3": relu4_3, "relu5_3": relu5_3, "fc7": fc7}


class DoubleConv(nn.Module):
    """U-net decoder block (official `double_conv`): 1x1 conv -> BN -> ReLU -> 3x3 conv -> BN -> ReLU.

    Input channels in_ch + mid_ch (upsampled decoder map concatenated with a skip feature); output out_ch.
    """

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + mid_ch, mid_ch, kernel_size=1),
            nn.BatchNorm2d(mid_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_ch, out_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class CRAFT(nn.Module):
    """CRAFT: VGG16-BN backbone + U-net decoder + classification head (region and affinity scores).

    Input (B, 3, H, W): RGB 0-255 normalised with ImageNet mean/std, H and W multiples of 32.
    `forward` returns `(y, feature)` as the official model: y (B, H/2, W/2, 2) NHWC, channel 0 = region
    (character) score, channel 1 = affinity (link) score, no sigmoid; feature (B, 32, H/2, W/2) = upconv4 output.
    """

    def __init__(self) -> None:
        super().__init__()
        self.basenet = VGG16BN()
        self.upconv1 = DoubleConv(1024, 512, 256)
        self.upconv2 = DoubleConv(512, 256, 128)
        self.upconv3 = DoubleConv(256, 128, 64)
        self.upconv4 = DoubleConv(128, 64, 32)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, kernel_size=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 2, kernel_size=1),
        )
        for block in (self.upconv1, self.upconv2, self.upconv3, self.upconv4, self.conv_cls):
            init_weights(block.modules())

    def features(self, x: Tensor) -> dict[str, Tensor]:
        """All named maps of one forward pass, values exactly as inside the official forward.

        Keys and shapes for input (B, 3, H, W):
        "relu2_2" (B,128,H/2,W/2), "relu3_2" (B,256,H/4,W/4), "relu4_3" (B,512,H/8,W/8) — all ReLU'd (min 0);
        "relu5_3" (B,512,H/16,W/16) and "fc7" (B,1024,H/16,W/16) — not ReLU'd (can be negative);
        "upconv1" (B,256,H/16,W/16), "upconv2" (B,128,H/8,W/8), "upconv3" (B,64,H/4,W/4),
        "upconv4" (B,32,H/2,W/2) — decoder block outputs (post-ReLU); "upconv4" is the official `feature`;
        "y" (B,H/2,W/2,2) — the head output as `forward` returns it (NHWC, region then affinity).
        """
        out = dict(self.basenet(x))
        y = self.upconv1(torch.cat([out["fc7"], out["relu5_3"]], dim=1))
        out["upconv1"] = y
        for name, skip in (("upconv2", "relu4_3"), ("upconv3", "relu3_2"), ("upconv4", "relu2_2")):
            y = F.interpolate(y, size=out[skip].shape[2:], mode="bilinear", align_corners=False)
            y = getattr(self, name)(torch.cat([y, out[skip]], dim=1))
            out[name] = y
        out["y"] = self.conv_cls(y).permute(0, 2, 3, 1)
        return out

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        out = self.features(x)
        return out["y"], out["upconv4"]


# ------------------------------------------------------------------------------------------- fast inference

#: inference precisions: "fp32" (the reference numerics) and "bf16" (bfloat16 weights and activations, opt-in)
PRECISIONS = ("fp32", "bf16")
_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def _onednn_pointwise(dtype: torch.dtype) -> bool:
    """Is oneDNN's fused conv + bias + pointwise op usable on this CPU for `dtype`?"""
    if not torch.backends.mkldnn.is_available() or not hasattr(torch.ops.mkldnn, "_convolution_pointwise"):
        return False
    return dtype == torch.float32 or (dtype == torch.bfloat16 and torch.ops.mkldnn._is_mkldnn_bf16_supported())


class FoldedConv2d(nn.Module):
    """Inference-only Conv2d with a following eval-mode BatchNorm2d folded in and an optional ReLU fused.

    weight' = weight * g, bias' = (bias - running_mean) * g + bn.bias with g = bn.weight / sqrt(running_var + eps),
    computed in float64 and stored in `dtype`, the weight in channels-last memory. On CPU the conv, bias and ReLU run
    as one oneDNN call (`torch.ops.mkldnn._convolution_pointwise`, the op PyTorch's CPU compiler fuses into);
    elsewhere (GPU, no oneDNN) as `F.conv2d` then ReLU. Input and output (B, C, H, W) in `dtype`.
    """

    def __init__(self, conv: nn.Conv2d, bn: nn.BatchNorm2d | None = None, relu: bool = False,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        if not isinstance(conv.padding, tuple):
            raise TypeError(f"FoldedConv2d needs numeric padding, got {conv.padding!r}")
        w = conv.weight.detach().double()
        b = conv.bias.detach().double() if conv.bias is not None else w.new_zeros(w.shape[0])
        if bn is not None:
            g = bn.weight.detach().double() / torch.sqrt(bn.running_var.detach().double() + bn.eps)
            w = w * g[:, None, None, None]
            b = (b - bn.running_mean.detach().double()) * g + bn.bias.detach().double()
        self.weight = nn.Parameter(w.to(dtype).contiguous(memory_format=torch.channels_last), requires_grad=False)
        self.bias = nn.Parameter(b.to(dtype), requires_grad=False)
        self.stride, self.padding = list(conv.stride), list(conv.padding)
        self.dilation, self.groups, self.relu = list(conv.dilation), conv.groups, relu
        self._fused = _onednn_pointwise(dtype)

    def forward(self, x: Tensor) -> Tensor:
        if self._fused and x.device.type == "cpu":
            return torch.ops.mkldnn._convolution_pointwise(
                x, self.weight, self.bias, self.padding, self.stride, self.dilation, self.groups,
                "relu" if self.relu else "none", [], "")
        y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return F.relu(y) if self.relu else y


def _fold_sequential(seq: nn.Sequential, dtype: torch.dtype, relu_after: bool = False) -> None:
    """In place: each Conv2d [-> BatchNorm2d] [-> ReLU] run of `seq` becomes one FoldedConv2d (BN, ReLU -> Identity).

    relu_after: the caller always applies a ReLU to the output of `seq` (CRAFT's next backbone slice starts with one),
    so a trailing conv [+ BN] gets it fused as well.
    """
    names = list(seq._modules)
    i = 0
    while i < len(names):
        conv = seq._modules[names[i]]
        if not isinstance(conv, nn.Conv2d):
            i += 1
            continue
        j, bn = i + 1, None
        if j < len(names) and isinstance(seq._modules[names[j]], nn.BatchNorm2d):
            bn = seq._modules[names[j]]
            seq._modules[names[j]] = nn.Identity()
            j += 1
        relu = j < len(names) and isinstance(seq._modules[names[j]], nn.ReLU)
        if relu:
            seq._modules[names[j]] = nn.Identity()
            j += 1
        seq._modules[names[i]] = FoldedConv2d(conv, bn, relu or (j == len(names) and relu_after), dtype)
        i = j


def fold_for_inference(model: nn.Module, precision: str = "fp32") -> nn.Module:
    """An inference copy of `model` (CRAFT or RefineNet) with BatchNorm folded and ReLU fused, channels-last weights.

    Same class, same `forward` / `features` outputs and shapes; its parameters are in the precision's dtype
    (float32 or bfloat16) and its state_dict keys are not the official ones (save the original, never this copy).
    For CRAFT the leading in-place ReLU of backbone slices 2-4 is fused into the last conv of the slice before (the
    skip features relu2_2 / relu3_2 / relu4_3 are ReLU'd either way; relu5_3 and fc7 stay pre-ReLU).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {PRECISIONS}")
    dtype = _DTYPES[precision]
    folded = copy.deepcopy(model).eval()
    if isinstance(folded, CRAFT):
        b = folded.basenet
        for cur, nxt in ((b.slice1, b.slice2), (b.slice2, b.slice3), (b.slice3, b.slice4)):
            first = next(iter(nxt._modules))
            if not isinstance(nxt._modules[first], nn.ReLU):
                raise TypeError(f"CRAFT backbone slice does not start with a ReLU: {nxt._modules[first]}")
            _fold_sequential(cur, dtype, relu_after=True)
            nxt._modules[first] = nn.Identity()
    for seq in [m for m in folded.modules() if isinstance(m, nn.Sequential)]:
        _fold_sequential(seq, dtype)
    left = sorted({type(m).__name__ for m in folded.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))})
    if left:
        raise ValueError(f"fold_for_inference: {type(model).__name__} has layers outside conv-BN-ReLU runs: {left}")
    return folded


def _model_dtype_device(model: nn.Module) -> tuple[torch.dtype, torch.device]:
    for t in (*model.parameters(), *model.buffers()):
        if t.is_floating_point():
            return t.dtype, t.device
    return torch.float32, torch.device("cpu")


def inference_call(model: nn.Module, *inputs: Tensor | None, precision: str = "fp32"):
    """`model(*inputs)` under `torch.inference_mode` on the model's device, in `precision`.

    fp32: float32 throughout. bf16: a model folded to bfloat16 (`fold_for_inference(m, "bf16")`) gets bfloat16
    inputs; any other model runs under `torch.autocast(bfloat16)` on its device. Every floating-point output
    tensor (a tensor or a tuple of them, None kept) comes back as float32.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {PRECISIONS}")
    dtype, device = _model_dtype_device(model)
    if precision == "fp32" and dtype != torch.float32:
        raise ValueError(f"precision fp32 asked of a model whose weights are {dtype}")

    def out(t):
        if isinstance(t, tuple):
            return tuple(out(v) for v in t)
        return t.float() if isinstance(t, Tensor) and t.is_floating_point() else t

    args = [None if t is None else t.to(device=device, dtype=dtype) for t in inputs]
    with torch.inference_mode():
        if precision == "bf16" and dtype != torch.bfloat16:
            with torch.autocast(device.type, dtype=torch.bfloat16):
                return out(model(*args))
        return out(model(*args))


def craft_forward(model: nn.Module, x: Tensor, precision: str = "fp32") -> tuple[Tensor, Tensor | None]:
    """One CRAFT forward pass for inference (`inference_call`), the input in channels-last memory.

    x: (B, 3, H, W) float32 normalised RGB, H and W multiples of 32 (the official test.py's permuted HWC array is
    already channels-last: no copy). Returns y (B, H/2, W/2, 2) float32 NHWC (region, affinity) and feature
    (B, 32, H/2, W/2) float32 (upconv4), as `CRAFT.forward`.
    """
    return inference_call(model, x.contiguous(memory_format=torch.channels_last), precision=precision)
