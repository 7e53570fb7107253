"""``--plot``: a PNG bar chart of RAM per item and lookup time per structure (log scales)."""

from __future__ import annotations

from .runner import Record

__all__ = ["plot"]

_COLORS = {"lowram": "#1b7837", "baseline": "#4a6fa5", "peer": "#b08d57"}


def _log_axis(ax, values) -> None:
    """Log axis starting below the smallest figure, so bars share a base; say if empty."""
    import math

    positive = [v for v in values if v and v > 0]
    if not positive:
        ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center", color="gray")
        return
    ax.set_xscale("log")
    ax.set_xlim(left=10 ** math.floor(math.log10(min(positive)) - 0.3),
                right=max(positive) * 3)


def plot(records: list[Record], path: str, *, title: str = "lowram-report") -> None:
    """Draw one row per corpus: bytes per item (RSS) and lookup ns, log scale, to ``path``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install 'lowram[plot]'") from None
    corpora = list(dict.fromkeys(r.corpus for r in records))
    fig, axes = plt.subplots(len(corpora), 2, squeeze=False,
                             figsize=(12, 1.2 + 0.42 * max(len([r for r in records
                                                                 if r.corpus == c])
                                                             for c in corpora) * len(corpora)))
    for row, corpus in enumerate(corpora):
        recs = [r for r in records if r.corpus == corpus]
        recs.sort(key=lambda r: (r.bytes_per_item is None, r.bytes_per_item or 0))
        names = [r.structure for r in recs]
        colors = [_COLORS.get(r.family, "#888888") for r in recs]
        ax = axes[row][0]
        bpi = [r.bytes_per_item or 0 for r in recs]
        ax.barh(names, bpi, color=colors)
        _log_axis(ax, bpi)
        ax.invert_yaxis()
        ax.set_xlabel("bytes per item (RSS growth, log scale)")
        ax.set_title(f"{corpus}: RAM", loc="left", fontsize=10)
        for y, v in enumerate(bpi):
            if v:
                ax.text(v, y, f" {v:,.1f}", va="center", fontsize=8)
        ax2 = axes[row][1]
        ns = [r.hit_ns if r.hit_ns is not None else (r.getitem_ns or 0) for r in recs]
        miss = [r.miss_ns or 0 for r in recs]
        ys = range(len(recs))
        ax2.barh([y - 0.2 for y in ys], ns, height=0.4, color=colors, label="hit / x[i]")
        if any(miss):
            ax2.barh([y + 0.2 for y in ys], miss, height=0.4, color=colors, alpha=0.45,
                     label="miss")
        ax2.set_yticks(list(ys))
        ax2.set_yticklabels([n + (" (x[i])" if r.hit_ns is None and r.getitem_ns else "")
                             for n, r in zip(names, recs)])
        ax2.invert_yaxis()
        _log_axis(ax2, ns + miss)
        ax2.set_xlabel("ns per lookup (log scale)")
        ax2.set_title(f"{corpus}: lookup time", loc="left", fontsize=10)
        ax2.legend(loc="lower right", fontsize=8)
        for y, v in enumerate(ns):
            if v:
                ax2.text(v, y - 0.2, f" {v:,.0f}", va="center", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in _COLORS.values()]
    fig.legend(handles, list(_COLORS), loc="upper right", ncol=3, fontsize=9)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
