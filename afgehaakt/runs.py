"""What made each results folder, and an index of all of them.

Every run that executes jobs writes into its folder ``results/<version>/``:

* ``config.yaml``: the validated config (defaults filled in, overrides applied) that the folder's name hashes;
* ``invocations.yaml``: one entry per invocation that ran jobs there: the time (UTC), the git commit, the command
  line, the config files and the ``--config`` overrides.

``results/INDEX.tsv`` lists every folder that has a ``config.yaml``: its first date, its git commit, a human label
(``label:`` in config, else the name of the scenario file given with ``--configfile``) and how its config differs
from the default config of this checkout. The index is rebuilt from the folders, so it never disagrees with them.
None of these files is an output of a rule: they change neither the DAG nor any manifest.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

CONFIG = "config.yaml"
INVOCATIONS = "invocations.yaml"
INDEX = "INDEX.tsv"
DEFAULT_CONFIG = "config/config.yaml"
INDEX_COLUMNS = ["folder", "date", "commit", "label", "difference_from_default"]


def _plain(value: object) -> object:
    """``value`` as plain dicts and lists (Snakemake's config may hold its own mapping types)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def config_difference(config: Mapping, default: Mapping, prefix: str = "") -> list[str]:
    """Every key whose value differs from ``default``, as ``key.path=value`` (``key.path`` removed / added)."""
    differences = []
    for key in sorted(set(config) | set(default), key=str):
        path = f"{prefix}{key}"
        if key not in config:
            differences.append(f"{path} removed")
        elif key not in default:
            differences.append(f"{path}={_compact(config[key])} (not in default)")
        elif isinstance(config[key], Mapping) and isinstance(default[key], Mapping):
            differences.extend(config_difference(config[key], default[key], f"{path}."))
        elif config[key] != default[key]:
            differences.append(f"{path}={_compact(config[key])}")
    return differences


def _compact(value: object) -> str:
    return yaml.safe_dump(_plain(value), default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def describe_commit(state: Mapping) -> str:
    """The commit of :func:`afgehaakt.versioning.git_state`, marked ``+uncommitted changes`` when the tree is dirty."""
    return f"{state['commit']} +uncommitted changes" if state.get("dirty") else str(state["commit"])


def scenario_label(configfiles: Sequence[str]) -> str:
    """The name of the last scenario file given with ``--configfile`` (not the default config), else ""."""
    scenarios = [Path(name) for name in configfiles if Path(name).as_posix() != DEFAULT_CONFIG]
    return scenarios[-1].stem if scenarios else ""


def record_invocation(results_dir: str | Path, *, config: Mapping, overrides: Mapping, configfiles: Sequence[str],
                      command: Sequence[str], commit: str, now: dt.datetime | None = None) -> Path:
    """Write the folder's ``config.yaml`` and append this invocation to its ``invocations.yaml``."""
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG).write_text(yaml.safe_dump(_plain(config), sort_keys=False, allow_unicode=True),
                                 encoding="utf-8")
    moment = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = {"date": moment, "commit": commit, "command": shlex.join(command),
             "configfiles": [str(name) for name in configfiles], "overrides": _plain(overrides)}
    with open(folder / INVOCATIONS, "a", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=10_000))
    return folder / INVOCATIONS


def _index_row(folder: Path, default: Mapping) -> dict:
    config = yaml.safe_load((folder / CONFIG).read_text(encoding="utf-8")) or {}
    invocations_file = folder / INVOCATIONS
    invocations = (yaml.safe_load(invocations_file.read_text(encoding="utf-8")) if invocations_file.exists()
                   else None) or [{}]
    first = invocations[0]
    label = config.get("label") or scenario_label(first.get("configfiles", []))
    difference = config_difference({k: v for k, v in config.items() if k != "label"},
                                   {k: v for k, v in default.items() if k != "label"})
    return {"folder": folder.name, "date": first.get("date", ""), "commit": first.get("commit", ""),
            "label": label or ("default" if not difference else ""),
            "difference_from_default": "; ".join(difference) or "none"}


def write_index(results_root: str | Path, default: Mapping) -> Path:
    """Rebuild ``results/INDEX.tsv`` from every folder with a ``config.yaml``, oldest first."""
    root = Path(results_root)
    rows = [_index_row(folder, default) for folder in sorted(root.iterdir())
            if folder.is_dir() and (folder / CONFIG).is_file()]
    table = pd.DataFrame(rows, columns=INDEX_COLUMNS).sort_values(["date", "folder"], kind="stable")
    path = root / INDEX
    table.to_csv(path, sep="\t", index=False)
    return path
