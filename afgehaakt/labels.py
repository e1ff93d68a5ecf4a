"""Every user-facing label of figures and publication tables, in English and Dutch, from one catalogue.

The catalogue is ``resources/labels.csv`` (columns ``key``, ``en``, ``nl``). A label may be a template with
``{field}`` placeholders; both languages of a key must use the same fields. Plotting and table code asks a
:class:`Labels` object for text by key, so that switching ``outputs.language`` in config switches every title,
axis label, legend and table header, and a key that is missing or untranslated is an error, never English text
slipping into a Dutch figure.
"""

from __future__ import annotations

import csv
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from afgehaakt import catalogue

LANGUAGES = ("en", "nl")
CATALOGUE = "labels.csv"


def read_catalogue(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """key -> {language: text}; every key once, with a non-empty text in every language and the same fields."""
    if path is None:
        handle = resources.files("afgehaakt.resources").joinpath(CATALOGUE).open(encoding="utf-8", newline="")
        name = f"afgehaakt/resources/{CATALOGUE}"
    else:
        handle = open(path, encoding="utf-8", newline="")
        name = str(path)
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["key", *LANGUAGES]:
            raise ValueError(f"{name}: columns must be {['key', *LANGUAGES]}, not {reader.fieldnames}")
        texts: dict[str, dict[str, str]] = {}
        for row_number, row in enumerate(reader, start=2):
            key = row["key"]
            if key in texts:
                raise ValueError(f"{name}, row {row_number}: label key {key!r} appears twice")
            for language in LANGUAGES:
                if not (row[language] or "").strip():
                    raise ValueError(f"{name}, row {row_number}: label {key!r} has no {language!r} translation")
            fields = {language: template_fields(row[language]) for language in LANGUAGES}
            if len(set(map(frozenset, fields.values()))) != 1:
                raise ValueError(f"{name}, row {row_number}: label {key!r} uses different fields per language: "
                                 f"{ {k: sorted(v) for k, v in fields.items()} }")
            texts[key] = {language: row[language] for language in LANGUAGES}
    return texts


def template_fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@cache
def _default_catalogue() -> dict[str, dict[str, str]]:
    return read_catalogue()


@dataclass(frozen=True)
class Labels:
    """The labels of one language. ``labels("fig.moran.title", variable=...)`` fills a template."""

    language: str

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown label language {self.language!r}; choose one of {list(LANGUAGES)} "
                             "(config key 'outputs.language')")

    def __call__(self, key: str, **fields: object) -> str:
        texts = _default_catalogue()
        if key not in texts:
            raise KeyError(f"label key {key!r} is not in afgehaakt/resources/{CATALOGUE}")
        template = texts[key][self.language]
        needed = template_fields(template)
        if needed != set(fields):
            raise ValueError(f"label {key!r} takes fields {sorted(needed)}, got {sorted(fields)}")
        return template.format(**fields)

    def has(self, key: str) -> bool:
        return key in _default_catalogue()

    def variable(self, name: str) -> str:
        """The label of a variable; ``turnout_tk2021`` becomes the label of ``turnout`` and the election's label."""
        if self.has(f"var.{name}"):
            return self(f"var.{name}")
        for election_id, election in catalogue.ELECTIONS.items():
            suffix = f"_{election_id}"
            if name.endswith(suffix) and self.has(f"var.{name[: -len(suffix)]}"):
                return f"{self(f'var.{name[: -len(suffix)]}')} {election.label}"
        return self(f"var.{name}")  # raises, naming the key

    def term(self, name: str) -> str:
        """A regression term: a variable, or an interaction ``a:b`` of two."""
        name = "intercept" if name == "(Intercept)" else name
        return " × ".join(self.variable(part) for part in name.split(":"))

    def source(self, sources: str) -> str:
        return self("source", sources=sources)
