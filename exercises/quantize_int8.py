"""Exercise `quantize_int8`: symmetric int8 quantization of a weight tensor, and back.

Fill in `quantize` and `dequantize`, then run `tutor check quantize_int8` (or press Run
tests in the lesson page). Stuck? `tutor hint quantize_int8`.

The production lesson's scheme: one scale for the whole tensor maps the largest |w| to 127,

    s = max_i |w_i| / 127,   q_i = round(w_i / s) in [-127, 127],   w_hat_i = s * q_i.
"""

from __future__ import annotations


def quantize(weights: list[float]) -> tuple[list[int], float]:
    """``(q, scale)``: the int8 values (Python ints from -127 to 127) and the scale. An
    all-zero tensor gets scale 1.0 (any scale represents it exactly; 0 would divide by 0).
    Raise ValueError for an empty list."""
    # TODO
    raise NotImplementedError("TODO: implement quantize")


def dequantize(q: list[int], scale: float) -> list[float]:
    """The approximate weights s * q_i."""
    # TODO
    raise NotImplementedError("TODO: implement dequantize")
