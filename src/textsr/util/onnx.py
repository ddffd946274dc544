"""ONNX models shipped inside an installed PyPI wheel: locate, md5-check, install, and open with onnxruntime.

Torch-free (the PP-OCR recognizer and detector import only this, numpy, cv2 and onnxruntime). The wheel is found
through its installed metadata (`importlib.metadata`), so the package's own code is never imported or run.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import shutil
from pathlib import Path

from textsr.util.atomic import atomic_path

log = logging.getLogger("textsr.util.onnx")

CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


class ChecksumError(ValueError):
    """A model file whose md5 is not the expected one; the message names the file and both checksums.
    (Same meaning as `textsr.data.weights.ChecksumError`, which imports torch; this one does not.)"""


def file_md5(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex md5 of a file's bytes."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_md5(path: str | os.PathLike, md5: str) -> Path:
    """`path` when the file exists and its md5 is `md5`; FileNotFoundError / ChecksumError naming it otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model file not found")
    actual = file_md5(path)
    if actual != md5:
        raise ChecksumError(f"{path}: md5 mismatch for {path.name}: expected {md5}, got {actual} "
                            "(a damaged or replaced file: delete it and install it again)")
    return path


def packaged_file(distribution: str, member: str, version: str | None = None) -> Path:
    """Path of file `member` (e.g. "rapidocr/models/PP-OCRv6_rec_small.onnx") of the installed distribution
    `distribution`, found from its metadata without importing it. version: the exact version required, or None.

    FileNotFoundError names the distribution, the version and the file when it is not installed, is another
    version, or lacks the file.
    """
    wanted = f"{distribution}=={version}" if version else distribution
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(f"{member}: Python package {distribution!r} is not installed; "
                                f"install it (pip install {wanted})") from None
    if version is not None and dist.version != version:
        raise FileNotFoundError(f"{member}: installed {distribution} is {dist.version}, the model files are "
                                f"pinned to {version} (pip install {wanted})")
    path = Path(dist.locate_file(member))
    if not path.is_file():
        raise FileNotFoundError(f"{member} not found in the installed package {distribution} {dist.version} "
                                f"(looked at {path})")
    return path


def install_checked(source: str | os.PathLike, dest: str | os.PathLike, md5: str) -> Path:
    """Copy `source` to `dest` atomically, checking the copy's md5 first; returns `dest`.

    On a mismatch ChecksumError names the source and both checksums, and an existing `dest` is left as it was.
    """
    source, dest = Path(source), Path(dest)
    with atomic_path(dest) as tmp:
        with open(source, "rb") as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        actual = file_md5(tmp)
        if actual != md5:
            raise ChecksumError(f"{source}: md5 mismatch for {dest.name}: expected {md5}, got {actual}")
    log.info("installed %s -> %s (md5 %s)", source, dest, md5)
    return dest


def providers(device: str = "auto") -> list[str]:
    """onnxruntime execution providers for `device`: "cpu"; "cuda" / "cuda:N" (CUDA first, CPU behind it, an error
    when onnxruntime has no CUDA provider: install onnxruntime-gpu); "auto": CUDA when available, else CPU."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device == "cpu":
        return [CPU_PROVIDER]
    if device == "auto":
        return [CUDA_PROVIDER, CPU_PROVIDER] if CUDA_PROVIDER in available else [CPU_PROVIDER]
    if device.startswith("cuda"):
        if CUDA_PROVIDER not in available:
            raise RuntimeError(f"device {device!r}: onnxruntime {ort.__version__} has no {CUDA_PROVIDER} "
                               f"(available: {available}); install onnxruntime-gpu in place of onnxruntime")
        return [CUDA_PROVIDER, CPU_PROVIDER]
    raise ValueError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda[:N]'")


def open_session(path: str | os.PathLike, md5: str, *, threads: int = 1, device: str = "auto"):
    """An `onnxruntime.InferenceSession` on the md5-checked model file `path`.

    threads: intra-op threads of the CPU provider (inter-op 1: the graphs run sequentially), >= 1.
    Graph optimisation ORT_ENABLE_ALL and no CPU memory arena, as rapidocr 3.10.0's `OrtInferSession`
    (`rapidocr/inference_engine/onnxruntime/main.py`, config.yaml `EngineConfig.onnxruntime`).
    A file onnxruntime cannot load raises ValueError naming it.
    """
    import onnxruntime as ort

    if int(threads) < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    path = check_md5(path, md5)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    chosen = providers(device)
    if device.startswith("cuda:"):
        chosen = [(CUDA_PROVIDER, {"device_id": int(device.split(":", 1)[1])}), CPU_PROVIDER]
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=chosen)
    except Exception as exc:  # onnxruntime raises its own exception types for a bad graph
        raise ValueError(f"{path}: onnxruntime cannot load this model: {exc}") from exc
