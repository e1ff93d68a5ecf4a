"""One place for the figure style and for saving figures reproducibly."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from afgehaakt.outputs import atomic_path  # noqa: E402

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.hashsalt": "afgehaakt",
    "pdf.compression": 6,
    "path.simplify": False,
}

# Matplotlib stamps its version and the time into PNG and PDF files; blank them so bytes depend on content.
_METADATA = {
    ".png": {"Software": None},
    ".pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}


def new_figure(width: float, height: float) -> plt.Figure:
    with plt.rc_context(STYLE):
        return plt.figure(figsize=(width, height))


def save_figure(figure: plt.Figure, paths: list[str | Path]) -> None:
    """Write the figure to every path (format from the suffix), each atomically, then close it."""
    with plt.rc_context(STYLE):
        for path in paths:
            suffix = Path(path).suffix.lower()
            with atomic_path(path) as temporary:
                figure.savefig(temporary, format=suffix.lstrip("."), metadata=_METADATA.get(suffix, {}))
    plt.close(figure)
