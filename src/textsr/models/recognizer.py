"""EasyOCR's generation-2 word recognizer (`english_g2.pth`): CRNN = VGG features, two BiLSTMs, CTC head.

Architecture and key names from JaidedAI/EasyOCR @ c4f3cd7225efd4f85451bd8b4a7646ae9a092420 (v1.7.2):
`easyocr/model/vgg_model.py` (class `Model`), `easyocr/model/modules.py` (`VGG_FeatureExtractor`,
`BidirectionalLSTM`), with the generation-2 parameters of `easyocr/easyocr.py` (input_channel 1,
output_channel 256, hidden_size 256) and 97 classes (96 characters of `easyocr/config.py` `english_g2` + the CTC
blank). The released file holds 44 tensors saved from `DataParallel` (every key starts with `module.`); without
the prefix they equal `CRNN().state_dict()` keys (`FeatureExtraction.ConvNet.0.weight`,
`SequenceModeling.0.rnn.weight_ih_l0`, `Prediction.bias`, ...), so the file loads strictly.

EasyOCR names the model class `Model`; here it is `CRNN` (Shi et al., TPAMI 2017), the paper's name for this
feature-extractor + BiLSTM + CTC design. Not trained here: the benchmark only scores with it.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
from torch import Tensor

NUM_CLASS = 97  # 96 characters + CTC blank (index 0)


class VGG_FeatureExtractor(nn.Module):  # EasyOCR's name
    """The VGG-style convolutional stack `ConvNet` (indices as EasyOCR's, so keys match).

    Input (B, C_in, 64, W) -> (B, 256, 3, W/4 - 1) for W divisible by 4: two 2x2 pools, two (2, 1) pools that keep
    the width, then a 2x2 valid convolution.
    """

    def __init__(self, input_channel: int = 1, output_channel: int = 256):
        super().__init__()
        c = [output_channel // 8, output_channel // 4, output_channel // 2, output_channel]
        self.ConvNet = nn.Sequential(
            nn.Conv2d(input_channel, c[0], 3, 1, 1), nn.ReLU(True),  # 0, 1
            nn.MaxPool2d(2, 2),  # 2
            nn.Conv2d(c[0], c[1], 3, 1, 1), nn.ReLU(True),  # 3, 4
            nn.MaxPool2d(2, 2),  # 5
            nn.Conv2d(c[1], c[2], 3, 1, 1), nn.ReLU(True),  # 6, 7
            nn.Conv2d(c[2], c[2], 3, 1, 1), nn.ReLU(True),  # 8, 9
            nn.MaxPool2d((2, 1), (2, 1)),  # 10
            nn.Conv2d(c[2], c[3], 3, 1, 1, bias=False), nn.BatchNorm2d(c[3]), nn.ReLU(True),  # 11, 12, 13
            nn.Conv2d(c[3], c[3], 3, 1, 1, bias=False), nn.BatchNorm2d(c[3]), nn.ReLU(True),  # 14, 15, 16
            nn.MaxPool2d((2, 1), (2, 1)),  # 17
            nn.Conv2d(c[3], c[3], 2, 1, 0), nn.ReLU(True),  # 18, 19
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.ConvNet(x)


class BidirectionalLSTM(nn.Module):
    """One bidirectional LSTM layer and a linear projection: (B, T, input_size) -> (B, T, output_size)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(hidden_size * 2, output_size)

    def forward(self, x: Tensor) -> Tensor:
        recurrent, _ = self.rnn(x)
        return self.linear(recurrent)


class CRNN(nn.Module):
    """EasyOCR generation-2 recognizer (`Model` in `easyocr/model/vgg_model.py`).

    forward: (B, 1, 64, W) grey crops normalised to [-1, 1] -> (B, T, num_class) logits, T = W/4 - 1 time steps
    (CTC: class 0 is the blank). The feature map (B, 256, 3, T) is averaged over its height (EasyOCR's
    `AdaptiveAvgPool2d((None, 1))` after a permute), giving a (B, T, 256) sequence.
    """

    def __init__(self, input_channel: int = 1, output_channel: int = 256, hidden_size: int = 256,
                 num_class: int = NUM_CLASS):
        super().__init__()
        self.FeatureExtraction = VGG_FeatureExtractor(input_channel, output_channel)
        self.SequenceModeling = nn.Sequential(
            BidirectionalLSTM(output_channel, hidden_size, hidden_size),
            BidirectionalLSTM(hidden_size, hidden_size, hidden_size),
        )
        self.Prediction = nn.Linear(hidden_size, num_class)

    def forward(self, x: Tensor) -> Tensor:
        features = self.FeatureExtraction(x)  # (B, C, h, T)
        sequence = features.mean(dim=2).transpose(1, 2)  # (B, T, C): mean over the height
        return self.Prediction(self.SequenceModeling(sequence).contiguous())


def load_recognizer(path: str | Path, device: str | torch.device = "cpu") -> CRNN:
    """`english_g2.pth` (or any checkpoint with its keys) loaded strictly into a CRNN, eval mode, on `device`.

    Read with `textsr.util.checkpoint.load_checkpoint` (weights_only=True; a bad file raises an error naming it). A
    leading `module.` is stripped from every key that has it; missing, unexpected or mis-shaped keys raise
    ValueError naming the file.
    """
    from textsr.util.checkpoint import load_checkpoint

    state = load_checkpoint(path, map_location="cpu")
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ValueError(f"{path}: expected a state dict (name -> tensor), got {type(state).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    model = CRNN()
    expected = model.state_dict()
    problems = [f"missing {k}" for k in expected if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in expected]
    problems += [f"{k} has shape {tuple(state[k].shape)}, expected {tuple(v.shape)}" for k, v in expected.items()
                 if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"{path}: not an EasyOCR generation-2 recognizer checkpoint: {'; '.join(problems[:5])}{more}")
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()
