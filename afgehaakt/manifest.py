"""The manifest of a run: every output with its hashes and the provenance of the job that made it.

``manifest.json`` holds the facts of the run once (results version, git commit and whether the tree was dirty,
the config and data digests, Python and library versions) and, per output (path relative to the results
folder): size, SHA-256, content hash (:func:`afgehaakt.provenance.content_sha256`), kind and value fingerprint
(:mod:`afgehaakt.verify`), the rule, its script, the code digest of that script and of the package modules it
imports with the list of those modules (:mod:`afgehaakt.script_code`), its inputs with their SHA-256 and the
seeds among its parameters. ``manifest.tsv`` is the same list flat, one row per output. Figures carry the provenance of their
job in their own metadata (:func:`job_provenance`, written by :func:`afgehaakt.plotting.style.save_figure`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

import afgehaakt

from afgehaakt.disclosure import file_is_synthetic
from afgehaakt.provenance import content_sha256, input_digests, sha256_file
from afgehaakt.script_code import ScriptCode
from afgehaakt.verify import fingerprint, output_kind
from afgehaakt.versioning import git_state, package_versions

TABLE_COLUMNS = ["path", "bytes", "sha256", "content_sha256", "rule", "script", "code_sha256", "config_sha256"]


def run_record(run: Mapping, workflow_dir: str | Path = ".") -> dict:
    """The run's digests (``run``, fixed when the workflow is parsed) with the commit and the library versions
    as found while the job runs."""
    return {**run, "git": git_state(workflow_dir), "packages": package_versions()}


def job_provenance(*, rule: str, script: str | Path, inputs: Iterable[str | Path], run: Mapping,
                   workflow_dir: str | Path = ".") -> dict:
    """What a figure carries about the job that drew it: rule, script, the code digest of the script and of the
    package modules it imports with their list (:func:`script_code`), inputs with SHA-256, and the run."""
    script_path = Path(script)
    code = script_code(script_path)
    if script_path.is_absolute() and script_path.is_relative_to(Path(workflow_dir).resolve()):
        script_path = script_path.relative_to(Path(workflow_dir).resolve())
    return {"rule": rule, "script": script_path.as_posix(), **code, "inputs": input_digests(inputs),
            **run_record(run, workflow_dir)}


def script_code(script: str | Path) -> dict:
    """``{"code_sha256", "modules"}`` of a script against the package as installed (the one its job imports)."""
    return ScriptCode(Path(afgehaakt.__file__).parent).record(script)


def script_job_provenance(job, script: str | Path) -> dict:
    """:func:`job_provenance` of a Snakemake script job: ``job`` is its ``snakemake`` object (``rule``, ``input``,
    and the run record in ``params.provenance``), ``script`` its ``__file__``."""
    return job_provenance(rule=job.rule, script=script, inputs=job.input, run=job.params.provenance)


def _output_entry(path: Path, rule: str, job: Mapping) -> dict:
    return {
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "content_sha256": content_sha256(path),
        "kind": output_kind(path),
        "fingerprint": fingerprint(path),
        "rule": rule,
        "script": job["script"],
        "code_sha256": job["code_sha256"],
        "modules": list(job["modules"]),
        "inputs": input_digests(job["inputs"], temporaries=job.get("temporaries", ())),
        "seeds": dict(job["seeds"]),
    }


def build_manifest(producers: Mapping[str, list[str]], *, results_dir: str | Path, jobs: Mapping[str, Mapping],
                   run: Mapping, workflow_dir: str | Path = ".") -> dict:
    """The manifest document: the run record and one entry per output, keyed by its path under ``results_dir``.

    ``producers`` maps each rule to its outputs; ``jobs`` maps each output to its job's ``script``,
    ``code_sha256`` and ``modules`` (:meth:`afgehaakt.script_code.ScriptCode.record`), ``inputs`` and ``seeds``; ``run`` holds the digests fixed at parse time.
    """
    root = Path(results_dir)
    outputs = {}
    for rule, paths in producers.items():
        for path in paths:
            relative = Path(path).relative_to(root).as_posix()
            if relative in outputs:
                raise ValueError(f"output {path} is listed under two rules ({outputs[relative]['rule']}, {rule})")
            outputs[relative] = _output_entry(Path(path), rule, jobs[path])
    outputs = dict(sorted(outputs.items()))
    sources = [relative for relative in outputs if file_is_synthetic(root / relative)]
    derived = synthetic_lineage({"outputs": outputs, "synthetic_sources": sources}, results_dir=root)
    for relative, entry in outputs.items():
        entry["derived_from_synthetic"] = relative in derived
    return {**run_record(run, workflow_dir), "synthetic_sources": sources, "outputs": outputs}


FINDINGS = ("snippets/headline_numbers.*", "tables/publication/*")
"""The outputs that state findings: the headline snippets and the publication tables. None may derive from
synthetic data (everything computed from the synthetic survey is a methods demonstration under its own name)."""


def synthetic_lineage(manifest: Mapping, *, results_dir: str | Path | None = None) -> set[str]:
    """Every output (path relative to the results folder) that is synthetic or derives, through the inputs
    recorded in the manifest, from an output that is: the provenance is followed, not the file names.

    The roots are ``manifest["synthetic_sources"]`` (outputs whose content declares itself synthetic,
    :func:`afgehaakt.disclosure.file_is_synthetic`). Inputs are recorded as workflow paths
    (``results/<version>/...``); ``results_dir`` (default: read from the manifest's ``version``) maps them to
    output keys, and inputs outside it (the data snapshot) are not outputs.
    """
    outputs = manifest["outputs"]
    prefix = Path(results_dir) if results_dir is not None else Path("results") / manifest["version"]

    def as_output(path: str) -> str | None:
        candidate = Path(path)
        try:
            relative = candidate.relative_to(prefix).as_posix()
        except ValueError:
            relative = candidate.as_posix()
        return relative if relative in outputs else None

    parents = {path: {p for p in map(as_output, entry.get("inputs", {})) if p is not None}
               for path, entry in outputs.items()}
    derived = set(manifest.get("synthetic_sources", ()))
    changed = True
    while changed:
        changed = False
        for path, inputs in parents.items():
            if path not in derived and inputs & derived:
                derived.add(path)
                changed = True
    return derived


def findings_from_synthetic(manifest: Mapping, *, results_dir: str | Path | None = None) -> list[str]:
    """The findings (:data:`FINDINGS`) that derive from synthetic data; empty if none."""
    lineage = synthetic_lineage(manifest, results_dir=results_dir)
    return sorted(path for path in lineage if any(fnmatch.fnmatch(path, pattern) for pattern in FINDINGS))


def check_findings_are_not_synthetic(manifest: Mapping, *, results_dir: str | Path | None = None) -> None:
    """Raise ValueError naming every headline snippet or publication table that derives from synthetic data."""
    tainted = findings_from_synthetic(manifest, results_dir=results_dir)
    if tainted:
        raise ValueError(f"{len(tainted)} finding(s) derive from synthetic data (manifest provenance): "
                         f"{', '.join(tainted[:10])}; synthetic results belong to the methods demonstration")


def manifest_table(manifest: Mapping) -> pd.DataFrame:
    """One row per output, sorted by path (the flat ``manifest.tsv``)."""
    rows = [{"path": path, **{c: entry[c] for c in TABLE_COLUMNS[1:-1]}, "config_sha256": manifest["config_sha256"]}
            for path, entry in manifest["outputs"].items()]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
