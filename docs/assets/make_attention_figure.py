"""Draw attention-weights.png, the heat maps of the self-attention lesson's worked example.

    python docs/assets/make_attention_figure.py

The matrices are not repeated here: the script runs the lesson's own worked-example code
block (docs/lessons/self-attention.md, the first Python block after the
``{#worked-example}`` heading), so the figure always shows what the page computes.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
LESSON = HERE.parent / "lessons" / "self-attention.md"
TOKENS = ["the", "cat", "sat"]


def worked_example() -> dict:
    """The names defined by the lesson's worked-example block (X, W_Q, scores, weights...)."""
    text = LESSON.read_text(encoding="utf-8")
    section = text.split("{#worked-example}", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    if block is None:
        raise SystemExit(f"{LESSON}: no python block after {{#worked-example}}")
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.group(1), str(LESSON), "exec"), namespace)
    return namespace


def masked_weights(scores, blocked):
    import numpy as np

    s = np.where(blocked, -np.inf, scores)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def attention_figure(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    ns = worked_example()
    scores = ns["scores"]
    n = len(TOKENS)
    causal = np.triu(np.ones((n, n), dtype=bool), k=1)
    padding = np.broadcast_to(np.array([False, False, True]), (n, n))
    panels = [
        ("no mask (BERT)", ns["weights"], np.zeros((n, n), dtype=bool)),
        ("causal mask (GPT)", masked_weights(scores, causal), causal),
        ('padding mask ("sat" as [PAD])', masked_weights(scores, padding), padding),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), dpi=150)
    for ax, (title, weights, blocked) in zip(axes, panels):
        ax.imshow(weights, cmap="Blues", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                label = "0\n(masked)" if blocked[i, j] else f"{weights[i, j]:.4f}"
                color = "white" if weights[i, j] > 0.6 else "#222222"
                ax.text(j, i, label, ha="center", va="center", fontsize=9, color=color)
        ax.set_xticks(range(n), TOKENS)
        ax.set_yticks(range(n), TOKENS)
        ax.set_xlabel("key (attended to)")
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("query (attending)")
    fig.suptitle("Attention weights of one head on “the cat sat” (each row sums to 1)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)


def main() -> None:
    out = HERE / "attention-weights.png"
    attention_figure(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
