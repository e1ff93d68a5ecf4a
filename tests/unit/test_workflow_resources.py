"""Every rule declares what a cluster scheduler needs: threads, memory (mem_mb) and runtime, and measures itself.

The rule files are parsed as text (each ``rule name:`` block up to the next top-level line) and the set of
parsed rules is checked against ``snakemake --list-rules``, so that no rule escapes the check. Rules that only
collect targets (``all``, ``neighbourhoods``) are exempt.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

EXEMPT = {"all", "neighbourhoods", "power"}  # target rules: inputs only, no job
_RULE = re.compile(r"^(?:rule|checkpoint) (\w+):", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^\S", re.MULTILINE)


def rule_blocks(text: str) -> dict[str, str]:
    """Each rule's name and the text of its body."""
    blocks = {}
    for match in _RULE.finditer(text):
        following = _TOP_LEVEL.search(text, match.end())
        blocks[match.group(1)] = text[match.end(): following.start() if following else len(text)]
    return blocks


def missing_declarations(body: str) -> list[str]:
    """What a rule body lacks of threads, resources mem_mb and runtime, and a benchmark file."""
    resources = re.search(r"^    resources:\n((?:        .*\n)+)", body, re.MULTILINE)
    declared = resources.group(1) if resources else ""
    checks = {
        "threads": re.search(r"^    threads: ", body, re.MULTILINE),
        "resources mem_mb": re.search(r"^        mem_mb=", declared, re.MULTILINE),
        "resources runtime": re.search(r"^        runtime=", declared, re.MULTILINE),
        "benchmark": re.search(r"^    benchmark:", body, re.MULTILINE),
    }
    return [name for name, found in checks.items() if not found]


@pytest.fixture(scope="module")
def workflow_rules(repo):
    completed = subprocess.run([sys.executable, "-m", "snakemake", "--list-rules"], cwd=repo, capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return set(completed.stdout.split())


@pytest.fixture(scope="module")
def parsed_rules(repo):
    blocks = {}
    for path in [repo / "Snakefile", *sorted((repo / "rules").glob("*.smk"))]:
        blocks |= rule_blocks(path.read_text(encoding="utf-8"))
    return blocks


def test_every_rule_of_the_workflow_is_parsed(workflow_rules, parsed_rules):
    assert len(workflow_rules) > 30
    assert set(parsed_rules) == workflow_rules


def test_every_rule_declares_threads_memory_runtime_and_a_benchmark(parsed_rules):
    lacking = {name: missing_declarations(body) for name, body in parsed_rules.items() if name not in EXEMPT}
    assert {name: gaps for name, gaps in lacking.items() if gaps} == {}


def test_the_check_catches_a_rule_without_threads_or_runtime():
    text = '''rule a:
    output:
        "a.txt",
    benchmark:
        "logs/benchmarks/a.tsv"
    resources:
        mem_mb=100,
    shell:
        "touch {output}"


rule b:
    output:
        "b.txt",
    threads: 2
    resources:
        mem_mb=100,
        runtime=5,
    shell:
        "touch {output}"
'''
    blocks = rule_blocks(text)
    assert missing_declarations(blocks["a"]) == ["threads", "resources runtime"]
    assert missing_declarations(blocks["b"]) == ["benchmark"]
