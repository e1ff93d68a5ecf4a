"""The manifest of a run: every output with its hashes and the provenance of the job that made it.

``manifest.json`` holds the facts of the run once (results version, git commit and whether the tree was dirty,
the code, config and data digests, Python and library versions) and, per output (path relative to the results
folder): size, SHA-256, content hash (:func:`afgehaakt.provenance.content_sha256`), kind and value fingerprint
(:mod:`afgehaakt.verify`), the rule, its script, its inputs with their SHA-256 and the seeds among its
parameters. ``manifest.tsv`` is the same list flat, one row per output. Figures carry the provenance of their
job in their own metadata (:func:`job_provenance`, written by :func:`afgehaakt.plotting.style.save_figure`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from afgehaakt.provenance import content_sha256, input_digests, sha256_file
from afgehaakt.verify import fingerprint, output_kind
from afgehaakt.versioning import git_state, package_versions

TABLE_COLUMNS = ["path", "bytes", "sha256", "content_sha256", "rule", "script", "config_sha256"]


def run_record(run: Mapping, workflow_dir: str | Path = ".") -> dict:
    """The run's digests (``run``, fixed when the workflow is parsed) with the commit and the library versions
    as found while the job runs."""
    return {**run, "git": git_state(workflow_dir), "packages": package_versions()}


def job_provenance(*, rule: str, script: str | Path, inputs: Iterable[str | Path], run: Mapping,
                   workflow_dir: str | Path = ".") -> dict:
    """What a figure carries about the job that drew it: rule, script, inputs with SHA-256, and the run."""
    script_path = Path(script)
    if script_path.is_absolute() and script_path.is_relative_to(Path(workflow_dir).resolve()):
        script_path = script_path.relative_to(Path(workflow_dir).resolve())
    return {"rule": rule, "script": script_path.as_posix(), "inputs": input_digests(inputs),
            **run_record(run, workflow_dir)}


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
        "inputs": input_digests(job["inputs"], temporaries=job.get("temporaries", ())),
        "seeds": dict(job["seeds"]),
    }


def build_manifest(producers: Mapping[str, list[str]], *, results_dir: str | Path, jobs: Mapping[str, Mapping],
                   run: Mapping, workflow_dir: str | Path = ".") -> dict:
    """The manifest document: the run record and one entry per output, keyed by its path under ``results_dir``.

    ``producers`` maps each rule to its outputs; ``jobs`` maps each output to its job's ``script``, ``inputs``
    and ``seeds``; ``run`` holds the digests fixed at parse time.
    """
    root = Path(results_dir)
    outputs = {}
    for rule, paths in producers.items():
        for path in paths:
            relative = Path(path).relative_to(root).as_posix()
            if relative in outputs:
                raise ValueError(f"output {path} is listed under two rules ({outputs[relative]['rule']}, {rule})")
            outputs[relative] = _output_entry(Path(path), rule, jobs[path])
    return {**run_record(run, workflow_dir), "outputs": dict(sorted(outputs.items()))}


def manifest_table(manifest: Mapping) -> pd.DataFrame:
    """One row per output, sorted by path (the flat ``manifest.tsv``)."""
    rows = [{"path": path, **{c: entry[c] for c in TABLE_COLUMNS[1:-1]}, "config_sha256": manifest["config_sha256"]}
            for path, entry in manifest["outputs"].items()]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)
