"""Draw the figures the lessons show; the PNGs are committed next to this script.

    python docs/assets/make_figures.py

Run it again only after changing a figure. It draws the schedule from the same formula as
transformers' get_linear_schedule_with_warmup (checked against it when transformers is
installed), so the picture and the code in the lesson cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def linear_warmup_decay(step: int, peak: float, warmup: int, total: int) -> float:
    """Learning rate at ``step``: 0 to peak over ``warmup`` steps, then linearly to 0."""
    if step < warmup:
        return peak * step / max(1, warmup)
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def schedule_figure(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # A CoLA-sized run: 8,551 sentences, batch 32 -> 268 steps an epoch, 3 epochs.
    peak, steps_per_epoch, epochs = 2e-5, 268, 3
    total = steps_per_epoch * epochs
    warmup = int(0.1 * total)
    steps = list(range(total + 1))
    rates = [linear_warmup_decay(s, peak, warmup, total) for s in steps]

    try:  # the same curve as the library's scheduler, to the last step
        import torch
        from transformers import get_linear_schedule_with_warmup

        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=peak)
        sched = get_linear_schedule_with_warmup(opt, warmup, total)
        lib = []
        for _ in steps:
            lib.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        assert all(abs(a - b) < 1e-12 for a, b in zip(rates, lib, strict=True)), "formula drifted"
    except ImportError:
        pass

    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=150)
    ax.plot(steps, [r * 1e5 for r in rates], color="#3f51b5", linewidth=2.2)
    ax.axvspan(0, warmup, color="#ff7043", alpha=0.15, linewidth=0)
    ax.text(warmup + 8, 0.2, f"\u2190 warm-up: {warmup} steps (10 %)", fontsize=9, color="#bf360c")
    ax.annotate(
        "linear decay to 0",
        xy=(warmup + (total - warmup) * 0.55, peak * 1e5 * 0.5),
        xytext=(warmup + (total - warmup) * 0.62, peak * 1e5 * 0.78),
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": "#333333"},
    )
    for epoch in range(1, epochs):
        ax.axvline(epoch * steps_per_epoch, color="#9e9e9e", linestyle=":", linewidth=1)
        ax.text(
            epoch * steps_per_epoch + 6, 2.08, f"epoch {epoch + 1}", fontsize=8, color="#616161"
        )
    ax.set_xlim(0, total)
    ax.set_ylim(0, 2.25)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("learning rate (×1e-5)")
    ax.set_title("Linear warm-up then linear decay (peak 2e-5, 3 epochs of 268 steps)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    out = HERE / "lr-schedule.png"
    schedule_figure(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
