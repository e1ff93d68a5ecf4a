"""One place for the figure style and for saving figures reproducibly."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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


PROVENANCE_KEY = "afgehaakt:provenance"
"""The PNG text chunk that holds the provenance; in a PDF it is the Subject, after this key and a space."""
_provenance: ContextVar[Mapping | None] = ContextVar("figure_provenance", default=None)


@contextmanager
def embedded_provenance(record: Mapping) -> Iterator[None]:
    """Every figure saved inside the block carries ``record`` (as JSON) in its metadata.

    A context rather than an argument, so that the drawing functions need not pass it along; the figure scripts
    open it around their work with the provenance of their job (:func:`afgehaakt.manifest.job_provenance`).
    """
    token = _provenance.set(record)
    try:
        yield
    finally:
        _provenance.reset(token)


def _metadata(suffix: str) -> dict:
    """The fixed metadata of the format, with the provenance of the job when one is set (no timestamps)."""
    metadata = dict(_METADATA.get(suffix, {}))
    record = _provenance.get()
    if record is not None:
        # ASCII JSON with sorted keys: a PNG text chunk takes Latin-1 only, and equal records give equal bytes.
        text = json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        if suffix == ".png":
            metadata[PROVENANCE_KEY] = text
        elif suffix == ".pdf":
            metadata["Subject"] = f"{PROVENANCE_KEY} {text}"
    return metadata


def new_figure(width: float, height: float) -> plt.Figure:
    with plt.rc_context(STYLE):
        return plt.figure(figsize=(width, height))


_CHARACTER_WIDTH_EM = 0.58
"""Mean width of a DejaVu Sans character in ems, for wrapping footers to the figure's width."""


def footer(figure: plt.Figure, paragraphs: list[str], *, fontsize: float = 6.0, x: float = 0.01,
           y: float = 0.01) -> float:
    """Caption and source lines at the bottom of the figure, wrapped to its width so none is clipped.

    Returns the height of the block as a fraction of the figure height, for callers that place axes above it.
    """
    import textwrap

    width_points = figure.get_figwidth() * (1.0 - 2.0 * x) * 72.0
    columns = max(20, int(width_points / (_CHARACTER_WIDTH_EM * fontsize)))
    lines = [textwrap.fill(paragraph, columns) for paragraph in paragraphs if paragraph]
    text = "\n".join(lines)
    figure.text(x, y, text, fontsize=fontsize, ha="left", va="bottom")
    line_count = text.count("\n") + 1
    return line_count * fontsize * 1.25 / 72.0 / figure.get_figheight() + y


def save_figure(figure: plt.Figure, paths: list[str | Path]) -> None:
    """Write the figure to every path (format from the suffix), each atomically, then close it."""
    with plt.rc_context(STYLE):
        for path in paths:
            suffix = Path(path).suffix.lower()
            with atomic_path(path) as temporary:
                figure.savefig(temporary, format=suffix.lstrip("."), metadata=_metadata(suffix))
    plt.close(figure)
