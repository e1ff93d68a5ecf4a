"""The disclosure scan of a results directory: every published table checked for small cells and respondent records.

:func:`scan_results` looks through a ``results/`` directory at the end of a run and fails (raises
:class:`DisclosureError`, naming the file, row and column) if a table breaks one of the rules below; it returns
a :class:`ScanReport` listing every file scanned and every finding.

Which files are scanned
    ``*.csv``, ``*.tsv`` (separator ``,``, ``;`` or tab, taken from the header line), ``*.parquet`` (GeoParquet
    included) and ``*.json`` (every list of objects is a table, and every object holding a respondent-count key is
    a one-row table). Anything else (figures, Markdown, ``*.part`` leftovers) is listed as skipped. Rows are named
    as a reader finds them: ``line N`` in text files (header = line 1; quoted cells spanning lines are not
    expected in results), ``row i`` (0-based) in Parquet, a JSON pointer (``/groups/3``) in JSON.

Which files are microdata-derived
    A file is *microdata-derived* if its path (relative to ``results_dir``, ``/``-separated) matches one of the
    glob patterns in ``microdata_derived`` (``fnmatch``: ``*`` also matches ``/``), or if a manifest
    (``results/manifest.tsv``: columns ``path`` and ``rule``) says a rule in ``microdata_rules`` wrote it.

Respondent-count columns
    :data:`RESPONDENT_COUNT_COLUMNS` (``n_respondents``, ``respondents``, ...) count respondents in every file.
    The generic names in :data:`GENERIC_COUNT_COLUMNS` (``n``, ``n_obs``, ``count``, ...) count respondents only
    in microdata-derived files, since elsewhere ``n`` is e.g. the number of municipalities in a Moran table.
    Matching ignores case.

Rules (``error`` findings make the scan fail; ``warning`` findings are reported only)
    ``small_cell`` (error)
        A table with a respondent-count column has a row whose count is below ``threshold`` or missing, and the row
        is not marked suppressed (a ``suppressed`` column whose value is true: ``True``, ``1``, ``"true"``,
        ``"yes"``). Exempt: synthetic tables (below).
    ``individual_level`` (error), in any file, microdata-derived or not:
        (I1) a column that identifies respondents (:data:`RESPONDENT_ID_COLUMNS`, or a name starting with
        ``rinpersoon``); (I2) more than ``rows_per_municipality * n_municipalities`` rows (default 20 x 352 =
        7,040) together with at least two survey-answer columns (:data:`SURVEY_ANSWER_COLUMNS`: the standard
        variables of :mod:`afgehaakt.survey.microdata` plus design weights); (I3) in a microdata-derived file, at
        least two survey-answer columns, no respondent-count column and more rows than ``n_municipalities`` (an
        aggregate over municipalities has at most one row each and must carry its counts).
        Synthetic tables are *not* exempt: a file of synthetic respondents is accepted only if its path matches a
        pattern in ``allow_individual_level`` **and** it is marked synthetic, so that neither a stray real
        respondent file nor a mislabelled one passes by accident.
    ``unverifiable`` (warning)
        A microdata-derived table without any respondent-count column: small cells cannot be checked. Add the
        count, or accept the warning for tables that hold no per-group estimates (e.g. fixed effects).
    ``unreadable`` (error)
        A ``.csv``, ``.tsv``, ``.parquet`` or ``.json`` file that cannot be read as a table.

Synthetic tables
    A table is synthetic if it has a column ``synthetic`` that is true on every row, or a column ``data_source`` or
    ``source`` equal to ``"synthetic"`` on every row; a Parquet file also if its schema metadata (or pandas
    ``attrs``) has ``synthetic`` = ``true``; a JSON document if its top level has ``"synthetic": true``. A partly
    synthetic table is not synthetic. Synthetic tables are exempt from the small-cell rule only.

Limits: the rules catch the ordinary ways a microdata table leaks (small groups, respondent files, row-level
extracts); they do not detect disclosure by differencing (a suppressed cell recomputed from a total and its
other cells, i.e. secondary suppression) or by linking several published tables. Review those by hand.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from afgehaakt.disclosure.suppression import DEFAULT_THRESHOLD, SUPPRESSED_COLUMN, check_threshold, truthy

DEFAULT_MUNICIPALITIES = 352
"""Municipalities on the 2021 map: the bound of a per-municipality aggregate's row count."""
DEFAULT_ROWS_PER_MUNICIPALITY = 20
RESPONDENT_COUNT_COLUMNS = (
    "n_respondents",
    "respondents",
    "n_resp",
    "respondent_count",
    "respondents_n",
    "unweighted_n",
    "n_unweighted",
    "aantal_respondenten",
)
GENERIC_COUNT_COLUMNS = ("n", "n_obs", "nobs", "count", "cell_count", "group_size", "n_group", "n_cases")
RESPONDENT_ID_COLUMNS = (
    "respondent_id",
    "respondentid",
    "respondent",
    "respondentnummer",
    "respondent_nr",
    "resp_id",
    "respid",
    "person_id",
    "persoon_id",
    "persoonid",
    "case_id",
    "caseid",
    "interview_id",
    "rinpersoon",
)
SURVEY_ANSWER_COLUMNS = (
    # the standard variables of afgehaakt.survey.microdata (a test keeps the two in step) ...
    "trust",
    "turnout",
    "education",
    "low_income",
    "poor_health",
    "age",
    "female",
    # ... and what travels with them in a respondent file
    "design_weight",
    "weight",
    "trust_latent",
    "stacked_disadvantage",
)
_TABLE_SUFFIXES = {".csv", ".tsv", ".parquet", ".json"}
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem: the file (relative to the results directory), where in it, which rule, and why."""

    path: str
    rule: Literal["small_cell", "individual_level", "unverifiable", "unreadable"]
    severity: Severity
    message: str
    row: str | None = None
    column: str | None = None
    table: str | None = None
    """For JSON, the pointer of the table inside the document; ``None`` for a file that is one table."""

    def __str__(self) -> str:
        where = [self.path + (self.table or "")]
        if self.row is not None:
            where.append(self.row)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class ScanReport:
    """Every file looked at and every finding; ``ok`` when there is no error-level finding."""

    results_dir: str
    threshold: int
    scanned: tuple[str, ...]
    skipped: tuple[str, ...]
    microdata_derived: tuple[str, ...]
    synthetic: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["ok"] = self.ok
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def raise_for_errors(self) -> None:
        if self.errors:
            raise DisclosureError(self)


class DisclosureError(RuntimeError):
    """The results hold something that may disclose respondents; ``report`` has every finding."""

    def __init__(self, report: ScanReport) -> None:
        self.report = report
        errors = report.errors
        listed = "\n".join(f"  {finding}" for finding in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(
            f"{len(errors)} disclosure finding(s) in {report.results_dir} (threshold {report.threshold} "
            f"respondents); first: {errors[0]}\n{listed}{more}"
        )


def scan_results(
    results_dir: str | Path,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    microdata_derived: Iterable[str] = (),
    manifest: str | Path | None = None,
    microdata_rules: Iterable[str] = (),
    allow_individual_level: Iterable[str] = (),
    n_municipalities: int = DEFAULT_MUNICIPALITIES,
    rows_per_municipality: int = DEFAULT_ROWS_PER_MUNICIPALITY,
    raise_on_error: bool = True,
) -> ScanReport:
    """Scan every table under ``results_dir`` by the rules in the module docstring.

    ``microdata_derived`` are glob patterns of paths relative to ``results_dir``; ``microdata_rules`` are rule
    names looked up in ``manifest`` (default ``results_dir/manifest.tsv`` when rules are given).
    ``allow_individual_level`` are glob patterns of files allowed to hold synthetic respondent records. Raises
    :class:`DisclosureError` when an error-level finding is made (unless ``raise_on_error`` is false); returns
    the :class:`ScanReport` otherwise.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no results directory {root}")
    threshold = check_threshold(threshold)
    patterns = list(microdata_derived)
    allowed = list(allow_individual_level)
    from_manifest = _manifest_paths(root, manifest, set(microdata_rules))

    scanned, skipped, derived_files, synthetic_files, findings = [], [], [], [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if path.suffix.lower() not in _TABLE_SUFFIXES or path.name.endswith(".part"):
            skipped.append(relative)
            continue
        scanned.append(relative)
        derived = relative in from_manifest or any(fnmatch.fnmatchcase(relative, p) for p in patterns)
        if derived:
            derived_files.append(relative)
        try:
            tables = list(_tables(path))
        except Exception as error:  # any reason the file cannot be read as a table
            findings.append(Finding(relative, "unreadable", "error", f"cannot be read as a table: {error}"))
            continue
        file_synthetic = bool(tables) and all(table.synthetic for table in tables)
        if file_synthetic:
            synthetic_files.append(relative)
        for table in tables:
            findings += _check_table(
                table,
                relative=relative,
                derived=derived,
                threshold=threshold,
                individual_allowed=any(fnmatch.fnmatchcase(relative, p) for p in allowed),
                max_rows=rows_per_municipality * n_municipalities,
                n_municipalities=n_municipalities,
            )
    report = ScanReport(
        results_dir=str(root),
        threshold=threshold,
        scanned=tuple(scanned),
        skipped=tuple(skipped),
        microdata_derived=tuple(derived_files),
        synthetic=tuple(synthetic_files),
        findings=tuple(findings),
    )
    if raise_on_error:
        report.raise_for_errors()
    return report


@dataclass
class _Table:
    frame: pd.DataFrame
    rows: list[str]
    """How each row is named in a finding (``line 5``, ``row 3``, ``/groups/3``)."""
    synthetic: bool
    pointer: str | None = None


def _check_table(
    table: _Table,
    *,
    relative: str,
    derived: bool,
    threshold: int,
    individual_allowed: bool,
    max_rows: int,
    n_municipalities: int,
) -> list[Finding]:
    frame = table.frame
    lower = {str(name).strip().lower(): name for name in frame.columns}
    findings: list[Finding] = []

    def finding(rule, severity, message, *, row=None, column=None) -> Finding:
        return Finding(relative, rule, severity, message, row=row, column=column, table=table.pointer)

    # Individual-level records (all files).
    id_columns = [lower[name] for name in lower if name in RESPONDENT_ID_COLUMNS or name.startswith("rinpersoon")]
    answers = [lower[name] for name in lower if name in SURVEY_ANSWER_COLUMNS]
    counts = [lower[name] for name in lower if name in RESPONDENT_COUNT_COLUMNS
              or (derived and name in GENERIC_COUNT_COLUMNS)]
    exempt = individual_allowed and table.synthetic
    if not exempt:
        if id_columns:
            findings.append(finding(
                "individual_level", "error",
                f"a respondent identifier column: one row per respondent ({len(frame)} rows); individual records "
                f"must not be published" + (" (marked synthetic, but its path is not in allow_individual_level)"
                                            if table.synthetic else ""),
                column=str(id_columns[0])))
        elif len(frame) > max_rows and len(answers) >= 2:
            findings.append(finding(
                "individual_level", "error",
                f"{len(frame)} rows (more than {max_rows}) with survey-answer columns {answers}: looks like "
                f"respondent records"))
        elif derived and not counts and len(answers) >= 2 and len(frame) > n_municipalities:
            findings.append(finding(
                "individual_level", "error",
                f"a microdata-derived table with survey-answer columns {answers}, no respondent-count column and "
                f"{len(frame)} rows (more than the {n_municipalities} municipalities): looks like respondent "
                f"records"))

    # Small cells.
    if derived and not counts:
        findings.append(finding(
            "unverifiable", "warning",
            f"microdata-derived but no respondent-count column ({', '.join(RESPONDENT_COUNT_COLUMNS[:3])}, n, ...): "
            f"small cells cannot be checked"))
    if counts and not table.synthetic:
        suppressed = truthy(frame[lower[SUPPRESSED_COLUMN]]) if SUPPRESSED_COLUMN in lower else pd.Series(
            False, index=frame.index)
        for column in counts:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = ((values < threshold) | values.isna()) & ~suppressed
            for position in np.flatnonzero(bad.to_numpy()):
                value = values.iloc[position]
                shown = "missing" if pd.isna(value) else f"{value:g}"
                findings.append(finding(
                    "small_cell", "error",
                    f"respondent count {shown} below the threshold {threshold} and the row is not marked "
                    f"{SUPPRESSED_COLUMN!r}",
                    row=table.rows[position], column=str(column)))
    return findings


def file_is_synthetic(path: str | Path) -> bool:
    """Whether a file declares itself synthetic by the rules of :func:`scan_results`: a JSON document with a
    top-level ``"synthetic": true``, or a table file every table of which is synthetic."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and _truthy_value(document.get("synthetic")):
            return True
    if path.suffix.lower() not in (".csv", ".tsv", ".parquet", ".json"):
        return False
    tables = list(_tables(path))
    return bool(tables) and all(table.synthetic for table in tables)


def _tables(path: Path) -> Iterator[_Table]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        frame = _read_text_table(path)
        yield _Table(frame, [f"line {k + 2}" for k in range(len(frame))], _frame_is_synthetic(frame))
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        metadata = pq.read_schema(path).metadata or {}
        frame = pd.read_parquet(path)
        marked = metadata.get(b"synthetic", b"").strip().lower() in (b"true", b"1") or _truthy_value(
            frame.attrs.get("synthetic"))
        yield _Table(frame, [f"row {k}" for k in range(len(frame))], marked or _frame_is_synthetic(frame))
    elif suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        marked = isinstance(document, dict) and _truthy_value(document.get("synthetic"))
        yield from _json_tables(document, "", marked)


def _read_text_table(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    separator = "\t" if path.suffix.lower() == ".tsv" else max(",;\t", key=header.count)
    return pd.read_csv(path, sep=separator, encoding="utf-8-sig", low_memory=False)


def _json_tables(node: Any, pointer: str, marked: bool) -> Iterator[_Table]:
    if isinstance(node, list):
        if node and all(isinstance(item, dict) for item in node):
            frame = pd.DataFrame.from_records(node)
            yield _Table(frame, [f"{pointer}/{k}" for k in range(len(node))], marked or _frame_is_synthetic(frame),
                         pointer=pointer or "/")
            return
        for k, item in enumerate(node):
            yield from _json_tables(item, f"{pointer}/{k}", marked)
    elif isinstance(node, dict):
        keys = {str(key).strip().lower() for key in node}
        if keys & set(RESPONDENT_COUNT_COLUMNS) and not any(isinstance(v, (dict, list)) for v in node.values()):
            frame = pd.DataFrame.from_records([node])
            yield _Table(frame, [pointer or "/"], marked or _frame_is_synthetic(frame), pointer=pointer or "/")
            return
        for key, value in node.items():
            yield from _json_tables(value, f"{pointer}/{key}", marked)


def _frame_is_synthetic(frame: pd.DataFrame) -> bool:
    if frame.empty:
        return False
    lower = {str(name).strip().lower(): name for name in frame.columns}
    if "synthetic" in lower and truthy(frame[lower["synthetic"]]).all():
        return True
    for name in ("data_source", "source"):
        if name in lower and frame[lower[name]].astype("string").str.strip().str.lower().eq("synthetic").all():
            return True
    return False


def _truthy_value(value: object) -> bool:
    return bool(truthy(pd.Series([value], dtype=object)).iloc[0])


def _manifest_paths(root: Path, manifest: str | Path | None, rules: set[str]) -> set[str]:
    """Paths (relative to ``root``) that the manifest says a microdata rule wrote."""
    if not rules:
        return set()
    manifest = Path(manifest) if manifest is not None else root / "manifest.tsv"
    if not manifest.is_file():
        raise FileNotFoundError(f"microdata_rules {sorted(rules)} given, but there is no manifest {manifest}")
    table = pd.read_csv(manifest, sep="\t", dtype=str)
    missing = {"path", "rule"} - set(table.columns)
    if missing:
        raise ValueError(f"manifest {manifest} lacks column(s) {sorted(missing)}")
    paths = set()
    for row in table.itertuples(index=False):
        if row.rule in rules:
            path = str(row.path)
            prefix = f"{root.name}/"
            paths.add(path[len(prefix):] if path.startswith(prefix) else path)
    return paths
