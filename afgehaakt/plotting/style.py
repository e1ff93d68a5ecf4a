"""One place for the figure style and for saving figures reproducibly."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402

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


DRAWN_DIGITS = 9
"""Significant digits of the data positions and axis limits that a figure draws (:func:`quantise_drawn_data`)."""


def significant(values, digits: int = DRAWN_DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (non-finite values kept)."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v) & (v != 0)
    magnitude = np.floor(np.log10(np.abs(v, where=finite, out=np.ones_like(v))))
    scale = 10.0 ** (digits - 1 - magnitude)
    return np.where(finite, np.round(v * scale) / scale, v)


def quantise_drawn_data(figure: plt.Figure) -> None:
    """Round the data positions of lines, markers and annotations, and the axis limits, to :data:`DRAWN_DIGITS`.

    A PDF stores coordinates with 10 decimals of a point. Values that differ in their last bits between machines
    (numpy's SIMD reductions and OpenBLAS kernels order sums differently per CPU) then change a stored coordinate
    wherever one sits at a rounding boundary: on a second machine the EP2019 turnout scatterplot differed in one
    marker (149.7602342199 against 149.76023422). Rounded here, far below anything visible (1e-9 of a value),
    the same data give the same drawing on every machine, unless a value lies within its noise of a rounding
    boundary of the ninth digit (about one in 10^7).
    """
    for axes in figure.axes:
        for artist in axes.get_children():
            if isinstance(artist, Line2D):
                x, y = artist.get_data(orig=True)
                if np.asarray(x).dtype.kind in "fiu" and np.asarray(y).dtype.kind in "fiu":
                    artist.set_data(significant(x), significant(y))
            elif isinstance(artist, PathCollection) and artist.get_offset_transform() == axes.transData:
                offsets = artist.get_offsets()
                rounded = significant(np.ma.getdata(offsets))
                artist.set_offsets(np.ma.array(rounded, mask=np.ma.getmaskarray(offsets))
                                   if np.ma.isMaskedArray(offsets) else rounded)
            elif isinstance(artist, Annotation):
                if artist.xycoords == "data":
                    artist.xy = tuple(significant(artist.xy))
            elif isinstance(artist, Text) and artist.get_transform() == axes.transData:
                artist.set_position(tuple(significant(artist.get_position())))
        if axes.get_autoscalex_on() or axes.get_autoscaley_on():
            axes.autoscale_view()
        axes.set_xlim(*significant(axes.get_xlim()))
        axes.set_ylim(*significant(axes.get_ylim()))


def save_figure(figure: plt.Figure, paths: list[str | Path]) -> None:
    """Write the figure to every path (format from the suffix), each atomically, then close it."""
    quantise_drawn_data(figure)
    with plt.rc_context(STYLE):
        for path in paths:
            suffix = Path(path).suffix.lower()
            with atomic_path(path) as temporary:
                figure.savefig(temporary, format=suffix.lstrip("."), metadata=_metadata(suffix))
    plt.close(figure)
