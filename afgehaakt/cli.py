"""``afgehaakt``: find, trace, compare and build results from the command line.

* ``afgehaakt where [SNAKEMAKE ARGS]``: the results folder this checkout and config produce (``--config`` and
  ``--configfile`` are passed on to Snakemake, which names the folder as the workflow does).
* ``afgehaakt trace OUTPUT``: the chain from an output (path relative to the results folder) through the rules
  and their inputs to the raw data files with their SHA-256, as a tree, read from the folder's ``manifest.json``.
* ``afgehaakt diff A B``: two results folders compared output by output with the verification engine
  (:mod:`afgehaakt.verify`): figures by content, tables and JSON within its tolerance, with the config difference.
* ``afgehaakt build OUTPUT [SNAKEMAKE ARGS]``: make one output, named by its path relative to the results folder.

Also runs as ``python -m afgehaakt.cli``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import yaml

from afgehaakt.runs import CONFIG, config_difference
from afgehaakt.verify import compare_outputs
from afgehaakt.versioning import LATEST

RESULTS_ROOT = "results"
FOLDER_LINE = "results folder: "
PROFILE = "workflow/profiles/default"


class CliError(RuntimeError):
    """A problem the command can name (no folder, no manifest, an output not in it)."""


def _snakemake() -> str:
    beside = Path(sys.executable).with_name("snakemake")
    found = str(beside) if beside.exists() else shutil.which("snakemake")
    if not found:
        raise CliError("snakemake is not installed beside this Python (run `make install`)")
    return found


def results_folder(workflow_dir: Path, snakemake_args: Sequence[str] = ()) -> Path:
    """The folder the workflow in ``workflow_dir`` writes to with these arguments (it prints it when it parses)."""
    done = subprocess.run([_snakemake(), "--list-rules", "--nolock", *snakemake_args], cwd=workflow_dir,
                          capture_output=True, text=True)
    for line in (done.stderr + done.stdout).splitlines():
        if line.startswith(FOLDER_LINE):
            return Path(line.removeprefix(FOLDER_LINE).strip())
    raise CliError("the workflow did not name its results folder:\n" + (done.stdout + done.stderr).strip())


def resolve_folder(name: str | None, workflow_dir: Path) -> Path:
    """A results folder given as a path or a version name; the one ``results/LATEST`` names when ``name`` is None."""
    root = workflow_dir / RESULTS_ROOT
    if name is None:
        latest = root / LATEST
        if not latest.is_file():
            raise CliError(f"no {latest} (no complete run yet); name a folder with --results")
        name = latest.read_text(encoding="utf-8").strip()
    for candidate in (Path(name), workflow_dir / name, root / name):
        if candidate.is_dir():
            return candidate
    raise CliError(f"no results folder {name!r} (looked in {root})")


def load_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise CliError(f"{path} does not exist: the run in {folder} is not complete")
    return json.loads(path.read_text(encoding="utf-8"))


def relative_output(output: str, folder: Path) -> str:
    """``output`` relative to the results folder, whether given that way or with ``results/<version>/`` before it."""
    path = Path(output).as_posix()
    for prefix in (folder.as_posix().rstrip("/") + "/", f"{RESULTS_ROOT}/{folder.name}/"):
        path = path.removeprefix(prefix)
    return path


def trace_lines(output: str, manifest: Mapping, *, prefix: str, pinned: Mapping[str, str] | None = None
                ) -> Iterator[str]:
    """The tree from ``output`` to raw data: each output with its rule, script and seeds, each input beneath it.

    Inputs that are outputs of the run are traced further (once; later mentions say so); other inputs under the
    results folder are intermediates the manifest does not list; everything else is a raw data file, shown with
    the SHA-256 its consumer read and whether that is the one ``pinned`` (the snapshot's SHA256SUMS) lists.
    """
    pinned = pinned or {}
    outputs = manifest["outputs"]
    if output not in outputs:
        close = sorted(path for path in outputs if Path(path).name == Path(output).name)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise CliError(f"{output!r} is not an output in the manifest{hint}")
    seen: set[str] = set()

    def describe(path: str) -> str:
        entry = outputs[path]
        seeds = ", ".join(f"{key}={value}" for key, value in entry.get("seeds", {}).items())
        return f"{path}  [rule {entry['rule']}, {entry['script']}{'; seeds ' + seeds if seeds else ''}]"

    def children(path: str, indent: str) -> Iterator[str]:
        inputs = sorted(outputs[path]["inputs"].items())
        for number, (name, sha256) in enumerate(inputs):
            last = number == len(inputs) - 1
            branch, further = ("└── ", "    ") if last else ("├── ", "│   ")
            relative = name.removeprefix(prefix)
            if relative in outputs:
                repeated = relative in seen
                yield indent + branch + describe(relative) + ("  (traced above)" if repeated else "")
                if not repeated:
                    seen.add(relative)
                    yield from children(relative, indent + further)
            elif name.startswith(prefix):
                yield indent + branch + f"{relative}  (intermediate file, not listed in the manifest)"
            else:
                check = ("" if name not in pinned else
                         ", as in SHA256SUMS" if pinned[name] == sha256 else ", NOT the one in SHA256SUMS")
                yield indent + branch + f"{name}  raw data, SHA-256 {sha256}{check}"

    seen.add(output)
    yield describe(output)
    yield from children(output, "")


def pinned_checksums(folder: Path, workflow_dir: Path) -> dict[str, str]:
    """SHA256SUMS of the data folder the run read (``data_dir`` in its config.yaml, else ``data``), keyed by the
    path as the workflow names the files (``data/elections/...``)."""
    from afgehaakt.acquisition.snapshot import read_checksums

    config_file = folder / CONFIG
    data_dir = (yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}).get("data_dir", "data") \
        if config_file.is_file() else "data"
    checksums = Path(data_dir) if Path(data_dir).is_absolute() else workflow_dir / data_dir
    if not (checksums / "SHA256SUMS").is_file():
        return {}
    return {f"{data_dir}/{name}": sha256 for name, sha256 in read_checksums(checksums / "SHA256SUMS").items()}


def raw_files(lines: Sequence[str]) -> list[str]:
    return sorted({line.split("── ", 1)[1].split("  raw data")[0] for line in lines if "raw data, SHA-256" in line})


def other_code_outputs(first: Mapping[str, Mapping], second: Mapping[str, Mapping]) -> list[str]:
    """The outputs of both manifests whose code digest (script and imported modules) differs, sorted."""
    return sorted(path for path in set(first) & set(second)
                  if first[path].get("code_sha256") != second[path].get("code_sha256"))


def folder_difference(first: Path, second: Path) -> list[str]:
    """Config and outputs of two results folders compared; one line per difference, outputs as the verification
    engine describes them."""
    lines = []
    configs = [folder / CONFIG for folder in (first, second)]
    if all(path.is_file() for path in configs):
        a, b = (yaml.safe_load(path.read_text(encoding="utf-8")) for path in configs)
        lines += [f"config: {line}" for line in config_difference(b, a)]
    manifests = [load_manifest(folder) for folder in (first, second)]
    if manifests[0].get("data_sha256") != manifests[1].get("data_sha256"):
        lines.append(f"run: data digest {manifests[0].get('data_sha256', '')[:8]} -> "
                     f"{manifests[1].get('data_sha256', '')[:8]}")
    a_outputs, b_outputs = manifests[0]["outputs"], manifests[1]["outputs"]
    if other_code := other_code_outputs(a_outputs, b_outputs):
        lines.append(f"code: {len(other_code)} output(s) made by other code (script or the modules it imports), "
                     f"e.g. {other_code[0]}")
    lines += compare_outputs(b_outputs, a_outputs, only_expected=f"only in {first.name}",
                             only_actual=f"only in {second.name}")
    return lines


def _where(options, extra: list[str]) -> int:
    print(results_folder(options.workflow_dir, extra))
    return 0


def _trace(options, extra: list[str]) -> int:
    folder = resolve_folder(options.results, options.workflow_dir)
    manifest = load_manifest(folder)
    output = relative_output(options.output, folder)
    lines = list(trace_lines(output, manifest, prefix=f"{RESULTS_ROOT}/{folder.name}/",
                             pinned=pinned_checksums(folder, options.workflow_dir)))
    print(f"{folder}/ (commit {manifest.get('git', {}).get('commit', 'unknown')})")
    print("\n".join(lines))
    raw = raw_files(lines)
    print(f"\n{len(raw)} raw data file(s): {', '.join(raw)}")
    return 0


def _diff(options, extra: list[str]) -> int:
    first, second = (resolve_folder(name, options.workflow_dir) for name in (options.a, options.b))
    lines = folder_difference(first, second)
    print("\n".join(lines) if lines else f"{first.name} and {second.name} agree in config and every output")
    outputs = [line for line in lines if not line.startswith(("config: ", "run: "))]
    print(f"\n{len(outputs)} output(s) differ", file=sys.stderr)
    return 1 if outputs else 0


def _build(options, extra: list[str]) -> int:
    folder = results_folder(options.workflow_dir, extra)
    target = f"{folder.as_posix()}/{relative_output(options.output, folder)}"
    command = [_snakemake(), "--profile", PROFILE, *extra, "--", target]
    print("running: " + " ".join(command), file=sys.stderr)
    return subprocess.run(command, cwd=options.workflow_dir).returncode


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="afgehaakt", description=__doc__.splitlines()[0])
    main.add_argument("--workflow-dir", type=Path, default=Path("."),
                      help="the checkout holding the Snakefile (default: the current directory)")
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("where", help="the results folder of this checkout and config; other arguments "
                                      "(--config, --configfile) go to Snakemake")
    trace = commands.add_parser("trace", help="trace an output to the raw data files, as a tree")
    trace.add_argument("output", help="path relative to the results folder, e.g. figures/maps/tk2021_turnout.png")
    trace.add_argument("--results", help="results folder or version (default: the one results/LATEST names)")
    diff = commands.add_parser("diff", help="compare two results folders with the verification engine")
    diff.add_argument("a", help="results folder or version")
    diff.add_argument("b", help="results folder or version")
    build = commands.add_parser("build", help="make one output by its path relative to the results folder; "
                                              "other arguments go to Snakemake")
    build.add_argument("output")
    return main


HANDLERS = {"where": _where, "trace": _trace, "diff": _diff, "build": _build}


def main(arguments: Sequence[str] | None = None) -> int:
    options, extra = parser().parse_known_args(arguments)
    if extra and options.command not in ("where", "build"):
        parser().error(f"unrecognised arguments: {' '.join(extra)}")
    try:
        return HANDLERS[options.command](options, extra)
    except CliError as error:
        print(f"afgehaakt {options.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
