"""Reuse across results folders: which rules may come from the output cache, and where the cache lies."""

from types import SimpleNamespace

from afgehaakt.reuse import cache_location, is_reusable, reusable_rules


def _rule(name, params=(), outputs=("out.csv",), temporary=False):
    return SimpleNamespace(name=name, params=SimpleNamespace(keys=lambda: list(params)), output=list(outputs),
                           temporary=temporary)


def _is_temporary(rule):
    return rule.temporary


def test_rules_that_write_labels_or_describe_the_run_are_not_reused():
    rules = [
        _rule("global_moran", params=("code", "moran")),
        _rule("choropleth", params=("code", "language", "provenance")),
        _rule("publication_table", params=("language",)),
        _rule("manifest", params=("run",)),
        _rule("disclosure_check"),
        _rule("all", outputs=()),
        _rule("download_statline", params=("http",)),
        _rule("lisa_part", temporary=True),
        _rule("lisa", params=("lisa",)),
    ]
    assert [r.name for r in reusable_rules(rules, is_temporary=_is_temporary)] == ["global_moran", "lisa"]
    assert not is_reusable(_rule("zone_map", params=("language",)), is_temporary=_is_temporary)


def test_the_cache_is_under_the_project_and_split_by_software_versions(tmp_path):
    first = cache_location(tmp_path, {"python": "3.11.7", "numpy": "1.26.4"})
    assert first.parent == tmp_path / ".cache/outputs" and len(first.name) == 16
    assert cache_location(tmp_path, {"numpy": "1.26.4", "python": "3.11.7"}) == first
    assert cache_location(tmp_path, {"python": "3.11.7", "numpy": "2.0.0"}) != first
