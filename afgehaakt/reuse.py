"""Reuse of outputs across results folders: which rules may be fetched from Snakemake's output cache, and where
the cache lies.

Snakemake's between-workflow cache (``--cache``) keys each output by the rule's script, its parameters, the
checksums of its raw inputs and, recursively, the keys of the jobs that made its other inputs. A job whose key
is in the cache is not run: its outputs are linked from there. A rule may use it when its outputs depend on
nothing else: not on the labels' language and not on the identity of the run (figures embed the run's
provenance, the manifest and the disclosure check describe their whole folder), and when its outputs are kept
(a scatter part is temporary). Everything else is keyed by what it computes, so a change of ``outputs.language``
reruns only the rules that write labels.

The key does not see the library versions (Snakemake adds software only for conda or container runs), so the
cache is split by them: one folder per digest of Python's and the key libraries' versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

CACHE_VARIABLE = "SNAKEMAKE_OUTPUT_CACHE"
CACHE_ROOT = ".cache/outputs"
RUN_SPECIFIC_PARAMS = ("language", "provenance", "run")
"""Parameters that make a rule's outputs specific to a run's labels or identity."""
NOT_REUSED = ("all", "manifest", "disclosure_check")
"""Rules that describe the whole results folder (or are the target)."""


def cache_location(workflow_dir: str | Path, versions: Mapping[str, str]) -> Path:
    """``<workflow>/.cache/outputs/<16 hex digits of the software versions>``."""
    digest = hashlib.sha256(json.dumps(dict(versions), sort_keys=True).encode()).hexdigest()[:16]
    return Path(workflow_dir) / CACHE_ROOT / digest


def is_reusable(rule, *, is_temporary: Callable[[object], bool]) -> bool:
    """Whether a Snakemake rule's outputs may come from the cache (see the module docstring); ``is_temporary``
    tells whether the rule's outputs are temporary (the workflow passes it: the package never imports Snakemake)."""
    if rule.name in NOT_REUSED or rule.name.startswith("download_") or not rule.output:
        return False
    if any(name in RUN_SPECIFIC_PARAMS for name in rule.params.keys()):
        return False
    return not is_temporary(rule)


def reusable_rules(rules: Iterable, *, is_temporary: Callable[[object], bool]) -> list:
    return [rule for rule in rules if is_reusable(rule, is_temporary=is_temporary)]
