"""What the machine can do, and the decisions that follow from it.

Detection (``detect_hardware``) imports torch; the decisions (``choose_precision``) are
pure functions of a :class:`Hardware` so that the CUDA and MPS paths are unit-tested on
a machine that has neither.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Literal

Device = Literal["cuda", "mps", "cpu"]
Precision = Literal["bf16", "fp16", "fp32"]


@dataclass(frozen=True)
class Hardware:
    device: Device
    name: str  # "NVIDIA A100-SXM4-40GB", "Apple MPS", "CPU (2 threads)"
    count: int = 1  # accelerators visible to this process
    bf16: bool = False  # bf16 autocast supported on `device` (for the CPU: native bf16 kernels)
    fp16: bool = False  # fp16 mixed precision supported on `device`
    cpu_threads: int = 1
    memory_gb: float | None = None  # per accelerator

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self, precision: str) -> str:
        """One line for a plan: "CPU (2 threads), precision fp32", "NVIDIA A100 x 2, ..."."""
        count = f" x {self.count}" if self.count > 1 else ""
        return f"{self.name}{count}, precision {precision}"


def choose_precision(hw: Hardware) -> Precision:
    """Hugging Face's convention: bf16 where the device supports it, else fp16 on a GPU.

    On the CPU, bf16 autocast only pays off with native bf16 instructions (AVX512-BF16
    or AMX); without them it is slower than fp32, so fp32 it is.
    """
    if hw.bf16:
        return "bf16"
    if hw.device != "cpu" and hw.fp16:
        return "fp16"
    return "fp32"


def choose_attention(hw: Hardware, precision: Precision, max_length: int) -> str | None:
    """The attention kernel to train with; None keeps the library's default (SDPA).

    On the CPU in bf16, PyTorch's fused scaled-dot-product attention is the slower one on
    long inputs: the plain matmul-softmax-matmul ("eager") trains MiniLM 1.3-1.4x faster
    per step at 256 tokens (torch 2.13, 2 cores, ``bench/attention.py``). On short padded
    sentences (SST-2) eager measured about 10 % slower end to end, so shorter inputs keep
    SDPA, as do fp32 and GPUs. Both kernels compute the same function.
    """
    if hw.device == "cpu" and precision == "bf16" and max_length >= 256:
        return "eager"
    return None


@contextlib.contextmanager
def inference_attention(model) -> Iterator[None]:
    """SDPA for forward-only passes (evaluation) while training uses eager attention:
    without a backward pass SDPA is the fast kernel in bf16 too (MiniLM, batch 64 x 256
    tokens, 2 cores: 57 samples/s against 36 with eager). Restored afterwards."""
    current = model.config._attn_implementation
    if current != "eager":
        yield
        return
    model.set_attn_implementation("sdpa")
    try:
        yield
    finally:
        model.set_attn_implementation(current)


def detect_hardware() -> Hardware:
    import torch
    from transformers.utils import is_torch_bf16_gpu_available

    threads = torch.get_num_threads() or os.cpu_count() or 1
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return Hardware(
            device="cuda",
            name=props.name,
            count=torch.cuda.device_count(),
            bf16=is_torch_bf16_gpu_available(),
            fp16=True,
            cpu_threads=threads,
            memory_gb=round(props.total_memory / 2**30, 1),
        )
    if torch.backends.mps.is_available():
        return Hardware(
            device="mps",
            name="Apple MPS",
            bf16=is_torch_bf16_gpu_available(),
            fp16=True,
            cpu_threads=threads,
        )
    return Hardware(
        device="cpu",
        name=f"CPU ({threads} threads)",
        bf16=_cpu_has_native_bf16(),
        cpu_threads=threads,
    )


def _cpu_has_native_bf16() -> bool:
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in checks)
