"""The code identity of one job: the digest of its script and of the package modules that script imports.

A results folder is named by release, config and data (:mod:`afgehaakt.versioning`); the code that made each
output is recorded per output in the manifest. Each rule passes :func:`ScriptCode.digest` of its script as a
parameter, so Snakemake (which reruns a job whose parameters changed) reruns exactly the rules whose scripts
import a changed module, and nothing else.

Found statically, without importing anything: the script's ``afgehaakt`` imports are followed through the
package (every ``import``/``from ... import`` anywhere in a module, also inside functions, and relative imports),
with the ``__init__`` of every package on the way, since Python runs those too.

What is hashed is the meaning of the code, not its text: each module's syntax tree (:func:`ast.dump`) with its
docstrings removed. Comments, docstrings, blank lines and formatting change nothing, so a reworded docstring
reruns no job; any change to what the code does (a statement, a name, a constant) reruns every job that imports
the module. The syntax tree's form depends on the Python version, so a new Python reruns everything, as it
should. A data file of the package (``afgehaakt/resources/labels.csv``) counts as part of every module that
names it in a string constant (:func:`afgehaakt.labels`, :mod:`afgehaakt.parties`), byte for byte.

The versions of the libraries are not part of the digest (they are recorded in every manifest, and the opt-in
output cache of :mod:`afgehaakt.reuse` is split by them).
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "afgehaakt"


def _without_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with the docstring of the module and of every class and function removed (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                # A body of only a docstring stays valid as `pass`, so the change is a removal, not a new tree.
                node.body = body[1:] or [ast.Pass()]
    return tree


def parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise ValueError(f"{path}: cannot be parsed ({error.msg}, line {error.lineno})") from error


def tree_digest(tree: ast.AST) -> str:
    """SHA-256 of the syntax tree without docstrings, positions or comments."""
    dump = ast.dump(_without_docstrings(tree), include_attributes=False)
    return hashlib.sha256(dump.encode("utf-8")).hexdigest()


def _string_constants(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every dotted name imported in ``tree`` (the module named ``module``), absolute, with each imported name of
    a ``from`` import as a candidate submodule (``from afgehaakt.plotting import scatter``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                # Relative: level 1 is the module's own package (the module itself when it is a package).
                parts = module.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return {name for name in names if name == PACKAGE or name.startswith(PACKAGE + ".")}


@dataclass
class ScriptCode:
    """The package at ``package_dir`` (the folder of ``afgehaakt``); each module's imports and digest are found
    once and cached."""

    package_dir: Path
    _analysed: dict[str, tuple[list[str], str]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.package_dir = Path(self.package_dir)
        self._data_files = {path.name: path for path in sorted(self.package_dir.rglob("*"))
                            if path.is_file() and path.suffix not in (".py", ".pyc")
                            and "__pycache__" not in path.parts}

    def module_path(self, name: str) -> tuple[Path, bool] | None:
        """The file of module ``name`` (``afgehaakt.x.y``) and whether it is a package; None if not a module."""
        relative = Path(*name.split(".")[1:])
        package = self.package_dir / relative / "__init__.py"
        if package.is_file():
            return package, True
        module = (self.package_dir / relative).with_suffix(".py") if name != PACKAGE else None
        if module is not None and module.is_file():
            return module, False
        return None

    def _analyse(self, name: str) -> tuple[list[str], str]:
        """Module ``name``, parsed once: the package modules it imports directly (each with its parent packages)
        and its digest (:func:`tree_digest` with the bytes of every package data file it names), cached."""
        if name not in self._analysed:
            path, is_package = self.module_path(name)
            tree = parse(path)
            imported = sorted({m for i in _imported_names(tree, name, is_package) for m in self._with_parents(i)})
            named = sorted(_string_constants(tree) & set(self._data_files))
            digest = hashlib.sha256(tree_digest(tree).encode())
            for file_name in named:
                digest.update(b"\0" + file_name.encode() + b"\0" + self._data_files[file_name].read_bytes())
            self._analysed[name] = (imported, digest.hexdigest())
        return self._analysed[name]

    def _with_parents(self, name: str) -> list[str]:
        """``afgehaakt.x.y`` -> the modules among ``afgehaakt``, ``afgehaakt.x``, ``afgehaakt.x.y`` (an imported
        name that is a function or class, not a module, falls away)."""
        parts = name.split(".")
        return [m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if self.module_path(m)]

    def modules(self, script: str | Path) -> list[str]:
        """The package modules that ``script`` imports, directly or through other modules, sorted."""
        found: set[str] = set()
        pending = [m for name in _imported_names(parse(Path(script)), "__main__", False)
                   for m in self._with_parents(name)]
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                pending.extend(self._analyse(name)[0])
        return sorted(found)

    def module_digest(self, name: str) -> str:
        """:func:`tree_digest` of the module, with the bytes of every package data file it names."""
        return self._analyse(name)[1]

    def record(self, script: str | Path) -> dict:
        """``{"code_sha256": ..., "modules": [...]}``: the digest over the script's syntax tree and each module's
        :meth:`module_digest` (name and digest, sorted by name), and the modules themselves."""
        modules = self.modules(script)
        digest = hashlib.sha256(tree_digest(parse(Path(script))).encode())
        for name in modules:
            digest.update(b"\0" + name.encode() + b"\0" + self.module_digest(name).encode())
        return {"code_sha256": digest.hexdigest(), "modules": modules}

    def digest(self, script: str | Path) -> str:
        """The rerun trigger of a rule: :meth:`record`'s ``code_sha256`` of its script."""
        return self.record(script)["code_sha256"]
