"""One place for the figure style and for saving figures reproducibly."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import matplotlib
import matplotlib.font_manager
import matplotlib.text
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
    # Drawn at the resolution it is saved at: hinted text is not proportionally wider at another resolution, so
    # text is measured (footnote, clipped_texts) as the PNG shows it.
    "figure.dpi": 150,
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


FOOTNOTE_MARGIN = 0.01
"""Figure-width fraction kept free on the right of a footnote."""


def wrap_to_width(text: str, *, width_px: float, measure) -> str:
    """``text`` with its words wrapped into lines no wider than ``width_px``; ``measure(line)`` gives a line's
    width in pixels. Existing line breaks are kept; a single word wider than the width stays on its own line."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > width_px:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


def fit_to_width(figure: plt.Figure, text: str, *, width_px: float, fontsize: float) -> str:
    """``text`` wrapped (:func:`wrap_to_width`) so that each line, rendered at ``fontsize``, is at most
    ``width_px`` wide; measured with the figure's renderer, so it holds for any language and font."""
    with plt.rc_context(STYLE):
        probe = figure.text(0, 0, "", fontsize=fontsize)
        renderer = figure.canvas.get_renderer()

        def measure(line: str) -> float:
            probe.set_text(line)
            return probe.get_window_extent(renderer).width

        try:
            return wrap_to_width(text, width_px=width_px, measure=measure)
        finally:
            probe.remove()


def footnote(figure: plt.Figure, text: str, *, x: float = 0.01, y: float = 0.01, fontsize: float = 6,
             va: str = "bottom") -> matplotlib.text.Text:
    """A note at the foot of the figure (source line, inference), wrapped to the figure's width so that no line
    runs past its right edge. Wrapped here, once, so the saved files show exactly what was measured."""
    width = figure.bbox.width * (1.0 - x - FOOTNOTE_MARGIN)
    return figure.text(x, y, fit_to_width(figure, text, width_px=width, fontsize=fontsize), fontsize=fontsize,
                       ha="left", va=va)


def title(figure: plt.Figure, text: str, *, x: float = 0.01, fontsize: float = 11, **options) -> matplotlib.text.Text:
    """The figure's title (left-aligned at ``x``), wrapped to the figure's width."""
    width = figure.bbox.width * (1.0 - x - FOOTNOTE_MARGIN)
    return figure.suptitle(fit_to_width(figure, text, width_px=width, fontsize=fontsize), x=x, ha="left",
                           fontsize=fontsize, **options)


def fitted_ylabel(axes: plt.Axes, text: str, *, fontsize: float | None = None) -> matplotlib.text.Text:
    """A y-axis label wrapped to the height of its axes (a long Dutch label would run off the figure)."""
    size = fontsize or plt.rcParams["axes.labelsize"]
    size = matplotlib.font_manager.FontProperties(size=size).get_size_in_points()
    height = axes.get_window_extent(axes.figure.canvas.get_renderer()).height
    return axes.set_ylabel(fit_to_width(axes.figure, text, width_px=height, fontsize=size), fontsize=size)


def _overshoot(extent, bounds, tolerance_px: float) -> str:
    beyond = {"left": bounds.x0 - extent.x0, "right": extent.x1 - bounds.x1,
              "bottom": bounds.y0 - extent.y0, "top": extent.y1 - bounds.y1}
    return ", ".join(f"{side} by {value:.0f} px" for side, value in beyond.items() if value > tolerance_px)


def clipped_texts(figure: plt.Figure, *, tolerance_px: float = 0.5) -> list[str]:
    """What of ``figure`` is drawn beyond its edges: each figure-level text (title, footnotes, figure legends) and
    each panel with everything drawn for it (tick labels, axis labels, titles, legends, texts), as rendered.

    A text drawn with ``wrap=True`` is measured wrapped, as matplotlib draws it (through its private helper; this
    is a check, not drawing code)."""
    with plt.rc_context(STYLE):
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        bounds = figure.bbox
        clipped = []
        # The figure's title is among its texts (suptitle adds it there).
        for artist in [*figure.texts, *figure.legends]:
            if not artist.get_visible():
                continue
            if isinstance(artist, matplotlib.text.Text):
                shown = artist._get_wrapped_text() if artist.get_wrap() else artist.get_text()
                with artist._cm_set(text=shown):
                    extent = artist.get_window_extent(renderer)
                name = repr(artist.get_text()[:60])
            else:
                extent, name = artist.get_window_extent(renderer), "figure legend"
            if where := _overshoot(extent, bounds, tolerance_px):
                clipped.append(f"{name}: past the {where}")
        for number, axes in enumerate(figure.axes):
            if not axes.get_visible():
                continue
            extent = axes.get_tightbbox(renderer)
            if extent is not None and (where := _overshoot(extent, bounds, tolerance_px)):
                clipped.append(f"panel {number} ({axes.get_title()[:40]!r}): past the {where}")
    return clipped


def footer(figure: plt.Figure, paragraphs: list[str], *, fontsize: float = 6.0, x: float = 0.01,
           y: float = 0.01) -> float:
    """Caption and source lines at the bottom of the figure as one :func:`footnote` (wrapped by measured width).

    Returns the height of the block as a fraction of the figure height (with ``y``), for callers that place axes
    above it.
    """
    note = footnote(figure, "\n".join(p for p in paragraphs if p), x=x, y=y, fontsize=fontsize)
    with plt.rc_context(STYLE):
        height = note.get_window_extent(figure.canvas.get_renderer()).height
    return height / figure.bbox.height + y


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
