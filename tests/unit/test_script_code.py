"""The code identity of a job: its script and the package modules it imports, found statically and hashed
without docstrings and comments (afgehaakt/script_code.py)."""

from pathlib import Path

import pytest

from afgehaakt.script_code import ScriptCode

REPO = Path(__file__).resolve().parents[2]


def _package(root: Path) -> Path:
    """A miniature ``afgehaakt``: a plotting sub-package, a statistics module, a data file named by one module."""
    package = root / "afgehaakt"
    (package / "plotting").mkdir(parents=True)
    (package / "resources").mkdir()
    files = {
        "__init__.py": '"""The package."""\n__version__ = "0"\n',
        "plotting/__init__.py": "",
        "plotting/style.py": '"""Style."""\nfrom afgehaakt import labels\nDPI = 200\n',
        "plotting/scatter.py": '"""Scatter."""\nfrom .style import DPI\n\ndef draw():\n    """Draw."""\n'
                               "    return DPI\n",
        "labels.py": 'CATALOGUE = "labels.csv"\n',
        "moran.py": "def moran():\n    from afgehaakt.outputs import write\n    return write\n",
        "outputs.py": "def write():\n    return 1\n",
        "unused.py": '"""Nobody imports me."""\nX = 1\n',
        "resources/labels.csv": "key,en\na,A\n",
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    scripts = root / "scripts"
    scripts.mkdir()
    (scripts / "figure.py").write_text("from afgehaakt.plotting.scatter import draw\ndraw()\n", encoding="utf-8")
    (scripts / "table.py").write_text("import afgehaakt.moran\n", encoding="utf-8")
    return package


@pytest.fixture
def package(tmp_path):
    return _package(tmp_path)


def test_imports_are_followed_through_the_package_with_every_package_init(package):
    code = ScriptCode(package)
    assert code.modules(package.parent / "scripts/figure.py") == [
        "afgehaakt", "afgehaakt.labels", "afgehaakt.plotting", "afgehaakt.plotting.scatter",
        "afgehaakt.plotting.style"]
    # An import inside a function counts (it runs when the function does).
    assert code.modules(package.parent / "scripts/table.py") == ["afgehaakt", "afgehaakt.moran", "afgehaakt.outputs"]


def _digests(package):
    code = ScriptCode(package)
    return {name: code.digest(package.parent / "scripts" / f"{name}.py") for name in ("figure", "table")}


@pytest.mark.parametrize("module, edit, changed", [
    ("plotting/style.py", lambda t: t.replace("DPI = 200", "DPI = 300"), {"figure"}),
    ("outputs.py", lambda t: t.replace("return 1", "return 2"), {"table"}),
    ("__init__.py", lambda t: t.replace('"0"', '"1"'), {"figure", "table"}),
    ("unused.py", lambda t: t.replace("X = 1", "X = 2"), set()),
    # Docstrings, comments and formatting are not code.
    ("plotting/scatter.py", lambda t: t.replace('"""Draw."""', '"""Draw it, reworded."""'), set()),
    ("plotting/scatter.py", lambda t: t.replace('"""Scatter."""\n', "# a comment\n\n\n"), set()),
    ("moran.py", lambda t: t.replace("return write", "return  write  # why"), set()),
])
def test_a_change_reruns_exactly_the_scripts_that_import_it(package, module, edit, changed):
    before = _digests(package)
    path = package / module
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    after = _digests(package)
    assert {name for name in before if before[name] != after[name]} == changed


def test_a_function_whose_body_is_only_a_docstring_keeps_its_digest_apart_from_the_docstring(package):
    path = package / "unused.py"
    path.write_text('def f():\n    """One."""\n', encoding="utf-8")
    code = ScriptCode(package)
    first = code.module_digest("afgehaakt.unused")
    path.write_text('def f():\n    """Two."""\n', encoding="utf-8")
    assert ScriptCode(package).module_digest("afgehaakt.unused") == first
    path.write_text("def f():\n    return None\n", encoding="utf-8")
    assert ScriptCode(package).module_digest("afgehaakt.unused") != first


def test_a_data_file_named_by_a_module_is_part_of_its_code(package):
    before = _digests(package)
    (package / "resources/labels.csv").write_text("key,en\na,B\n", encoding="utf-8")
    after = _digests(package)
    assert after["figure"] != before["figure"] and after["table"] == before["table"]


def test_the_script_itself_is_part_of_the_digest_and_the_record_lists_the_modules(package):
    script = package.parent / "scripts/table.py"
    record = ScriptCode(package).record(script)
    script.write_text("import afgehaakt.moran\nprint(1)\n", encoding="utf-8")
    assert ScriptCode(package).record(script) == {**record, "code_sha256": ScriptCode(package).digest(script)}
    assert ScriptCode(package).digest(script) != record["code_sha256"]
    assert record["modules"] == ["afgehaakt", "afgehaakt.moran", "afgehaakt.outputs"]


def test_a_script_that_does_not_parse_is_named(package):
    (package.parent / "scripts/broken.py").write_text("def (:\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.py: cannot be parsed"):
        ScriptCode(package).record(package.parent / "scripts/broken.py")


def test_every_script_of_the_workflow_resolves_and_imports_only_existing_modules():
    code = ScriptCode(REPO / "afgehaakt")
    for script in sorted((REPO / "scripts").glob("*.py")):
        record = code.record(script)
        assert record["modules"][0] == "afgehaakt", script
        assert all(code.module_path(name) is not None for name in record["modules"])
    plotting = code.modules(REPO / "scripts/moran_scatterplot.py")
    assert "afgehaakt.plotting.scatter" in plotting
    assert "afgehaakt.plotting.scatter" not in code.modules(REPO / "scripts/global_moran.py")
