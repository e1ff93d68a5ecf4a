"""The label catalogue: complete in both languages, strict about keys, and the only source of figure text.

Every figure function is rendered in Dutch on a small grid, the figure is captured instead of saved, and the
texts of all its artists (titles, axis and tick labels, legends, colour bars, footers) are checked: the Dutch
labels are there and no English-only text of the catalogue is.
"""

from __future__ import annotations

import csv
import re

import geopandas as gpd
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import box

from afgehaakt import catalogue
from afgehaakt.features.codebook import ELECTION_OUTCOMES, MUNICIPAL_INDICATORS
from afgehaakt.labels import LANGUAGES, Labels, read_catalogue, template_fields
from afgehaakt.plotting.style import clipped_texts

SIDE = 6
CODES = [f"{i:04d}" for i in range(1, SIDE * SIDE + 1)]
# The longest source line a figure script writes (scripts/indicator_maps.py), so that footers are measured at
# their real length.
LONG_SOURCE_NL = Labels("nl").source(
    f"{catalogue.FEATURE_ATTRIBUTION}; {catalogue.sources('tk2023', 2021)} {catalogue.CROSSWALK_ATTRIBUTION}.")


def _catalogue_rows(repo):
    with open(repo / "afgehaakt/resources/labels.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_label_key_has_both_languages(repo):
    rows = _catalogue_rows(repo)
    assert len(rows) > 50 and [*rows[0]] == ["key", *LANGUAGES]
    for row in rows:
        for language in LANGUAGES:
            assert row[language].strip(), f"{row['key']} has no {language} text"
        assert template_fields(row["en"]) == template_fields(row["nl"]), row["key"]
    assert len({row["key"] for row in rows}) == len(rows)
    assert read_catalogue().keys() == {row["key"] for row in rows}


def test_every_indicator_and_outcome_has_a_label_and_a_unit():
    labels = Labels("nl")
    for definition in MUNICIPAL_INDICATORS:
        assert labels.variable(definition.name) and labels(f"unit.{definition.name}")
    for outcome in ELECTION_OUTCOMES:
        assert labels(f"unit.{outcome}")
    assert labels.variable("turnout_tk2021") == "Opkomst Tweede Kamer 2021"
    assert labels.variable("outsider_share") == "Aandeel buitenstaanderspartijen"
    assert labels.variable("stacked_disadvantage") == "Gestapelde achterstand"
    assert labels.term("edu_low:stacked_disadvantage") == "Laag opleidingsniveau × Gestapelde achterstand"
    assert Labels("en").term("(Intercept)") == "Intercept"


def test_an_unknown_key_language_or_field_is_a_clear_error():
    with pytest.raises(KeyError, match="'var.no_such_thing' is not in afgehaakt/resources/labels.csv"):
        Labels("en").variable("no_such_thing")
    with pytest.raises(ValueError, match="unknown label language 'de'.*outputs.language"):
        Labels("de")
    with pytest.raises(ValueError, match=r"'fig.moran.title' takes fields \['variable'\], got \[\]"):
        Labels("en")("fig.moran.title")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key,en,nl\nvar.a,A,\n", "row 2: label 'var.a' has no 'nl' translation"),
        ("key,en,nl\nvar.a,A,B\nvar.a,A,B\n", "row 3: label key 'var.a' appears twice"),
        ("key,en,nl\nfig.x,{a} x,{b} x\n", "row 2: label 'fig.x' uses different fields per language"),
        ("key,en\nvar.a,A\n", "columns must be"),
    ],
)
def test_a_broken_catalogue_is_refused_with_its_row(tmp_path, text, message):
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        read_catalogue(path)


# --- every figure function takes its text from the catalogue --------------------------------------------------


def _english_only_fragments() -> set[str]:
    """Literal pieces of English labels that their Dutch label does not contain (long enough to be telling)."""
    fragments = set()
    for texts in read_catalogue().values():
        if texts["en"] == texts["nl"]:
            continue
        for piece in re.split(r"\{[^}]*\}", texts["en"]):
            piece = piece.strip(" ,;:()=+")
            if len(piece) >= 6 and piece not in texts["nl"]:
                fragments.add(piece)
    return fragments


@pytest.fixture
def rendered(monkeypatch):
    """Call a plotting function; return the texts of every artist of the figure it would have saved."""

    def render(module, function, *args, **kwargs):
        captured = []
        monkeypatch.setattr(module, "save_figure", lambda figure, paths: captured.append(figure))
        function(*args, paths=["unused.png"], **kwargs)
        (figure,) = captured
        # Every text lies inside the figure: measured from the rendered extents, not from the string length.
        assert clipped_texts(figure) == []
        text = "\n".join(t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text())
        if kwargs["labels"].language == "nl":
            assert not re.search(r"\band\b", text), "English 'and' in a Dutch figure"
        return text

    return render


def _assert_dutch(text: str, *expected: str) -> None:
    for label in expected:
        assert label in text, f"{label!r} not in the figure"
    leaked = sorted(f for f in _english_only_fragments() if f in text)
    assert not leaked, f"English labels in a Dutch figure: {leaked}"


@pytest.fixture(scope="module")
def grid():
    cells = [box(i % SIDE, -(i // SIDE), i % SIDE + 1, -(i // SIDE) + 1) for i in range(SIDE * SIDE)]
    return gpd.GeoDataFrame({"code": CODES}, geometry=cells, crs="EPSG:28992")


@pytest.fixture(scope="module")
def values():
    return pd.Series(np.linspace(0.6, 0.9, len(CODES)), index=pd.Index(CODES, name="code"))


def test_choropleth_in_dutch(rendered, grid, values):
    from afgehaakt.plotting import maps

    nl = Labels("nl")
    flagged = pd.Series([True] + [False] * (len(CODES) - 1), index=CODES)
    text = rendered(maps, maps.choropleth, grid, values.rename("turnout"), title=nl.variable("turnout_tk2021"),
                    legend_title=nl("unit.turnout"), scheme="Quantiles", k=4, colormap="YlGnBu",
                    source_line=nl.source("Kiesraad"), flagged=flagged, labels=nl)
    _assert_dutch(text, "Opkomst Tweede Kamer 2021", "aandeel kiesgerechtigden", "opkomst boven 100%\n(kiezerspas-bezoekers",
                  "Bron: Kiesraad")


def test_moran_scatterplot_in_dutch(rendered, grid, values):
    from afgehaakt.plotting import scatter

    graph = Graph.build_contiguity(grid.set_index("code"), rook=False)
    test = pd.Series({"statistic": 0.5, "expected": -0.03, "z_randomisation": 5.0, "p_permutation": 0.001,
                      "permutations": 999, "seed": 1, "alternative": "greater", "weights": "queen",
                      "island_policy": "connect_to_largest(links_per_component=1)"})
    text = rendered(scatter, scatter.moran_scatterplot, values.rename("outsider_share"), graph,
                    transformation="r", election="Tweede Kamer 2021", test=test, label_units=pd.Series({CODES[0]: "Schiermonnikoog"}),
                    labels=Labels("nl"))
    _assert_dutch(text.replace("\n", " "), "Moran-spreidingsdiagram: Aandeel buitenstaanderspartijen Tweede Kamer 2021",
                  "Aandeel buitenstaanderspartijen (gestandaardiseerd)", "ruimtelijke lag van Aandeel", "helling = ", "permutatie-p = 0.001",
                  "alternatief groter", "Schiermonnikoog",
                  "eilanden en andere losse delen elk verbonden met de 1 dichtstbijzijnde gemeente(n) van het vasteland")


def test_small_multiples_and_correlation_heatmap_in_dutch(rendered, grid):
    from afgehaakt.plotting import panels

    definitions = [d for d in MUNICIPAL_INDICATORS if d.name in ("low_education_share", "income_per_inhabitant")]
    table = pd.DataFrame({"code": CODES, "low_education_share": np.linspace(0.1, 0.4, len(CODES)),
                          "income_per_inhabitant": [np.nan] + list(np.linspace(20, 40, len(CODES) - 1))})
    text = rendered(panels, panels.small_multiples, grid, table, definitions, scheme="Quantiles", k=3,
                    colormap="YlGnBu", boundary_year=2021, source_line=LONG_SOURCE_NL, labels=Labels("nl"))
    _assert_dutch(text, "Gemeentelijke indicatoren op de grenzen van 2021", "Laag opleidingsniveau",
                  "Inkomen per inwoner", "1.000 euro", "Quantiles-klassen", "1 ontbrekend (grijs)")

    correlations = pd.DataFrame(
        [{"outcome": outcome, "indicator": indicator, "method": "pearson", "n": 352, "estimate": 0.3,
          "ci_low": 0.2, "ci_high": 0.4}
         for outcome in ("turnout_tk2021", "outsider_share_tk2021")
         for indicator in ("low_education_share", "stacked_disadvantage_mean_z")])
    text = rendered(panels, panels.correlation_heatmap, correlations, method="pearson",
                    election_label="Tweede Kamer 2021", source_line=LONG_SOURCE_NL, labels=Labels("nl"))
    _assert_dutch(text.replace("\n", " "), "Opkomst Tweede Kamer 2021", "Gestapelde achterstand (gemiddelde z)",
                  "correlatiecoëfficiënt", "Pearson-correlatie, 95%-BI (Fisher z), n = 352 gemeenten",
                  "stemmen op buitenstaanderspartijen, Tweede Kamer 2021")

    # With Dutilleul's test the cells add the interval of the effective n, and the footer says what each is.
    spatial = correlations.assign(effective_n=120.4, ci_low_dutilleul=0.13, ci_high_dutilleul=0.46)
    text = rendered(panels, panels.correlation_heatmap, spatial, method="pearson",
                    election_label="Tweede Kamer 2021", source_line=LONG_SOURCE_NL, labels=Labels("nl"))
    _assert_dutch(text.replace("\n", " "), "[0.13, 0.46] n\u2091 120", "alsof de n = 352 gemeenten onafhankelijk zijn",
                  "effectieve n van Dutilleul")


def test_cluster_and_zone_maps_in_dutch(rendered, grid, values):
    from afgehaakt.plotting import clusters

    kinds = ["HH", "LL", "HL", "LH", "not significant", "isolate"]
    lisa = pd.DataFrame({"code": CODES, "cluster": [kinds[i % 6] for i in range(len(CODES))],
                         "cluster_fdr": ["not significant"] * (len(CODES) - 1) + ["HH"],
                         "variable": "turnout_tk2021", "permutations": 9999, "seed": 7,
                         "alternative": "two-sided", "alpha": 0.05, "fdr_cutoff": 0.001, "weights": "queen",
                         "transformation": "r"})
    text = rendered(clusters, clusters.cluster_maps, grid, lisa, statistic="local_moran", source_line=LONG_SOURCE_NL,
                    labels=Labels("nl"))
    _assert_dutch(text, "Lokale Moran's I: Opkomst Tweede Kamer 2021", "HH: hoog, hoge buren",
                  "LH: laag, hoge buren", "niet significant", "geen buren", "p < alfa (niet gecorrigeerd)",
                  "FDR-gecorrigeerd", "Conditionele permutatie, 9999 permutaties", "tweezijdig")

    axis = pd.Series({"angle_degrees": 40.0, "elongation": 2.5, "p_both": 0.04, "draws": 999, "seed": 3})
    residuals = values - values.mean()
    residuals.iloc[0] = 50 * residuals.abs().max()  # one outlier: beyond the robust colour limits, marked
    text = rendered(clusters, clusters.zone_map, grid, residuals, CODES[:3],
                    outcome="outsider_share_tk2021", orientation="sign reversed (lower is better)",
                    covariates=["low_education_share"], axis=axis, axis_angle_degrees=40.0, axis_centre=(3.0, -3.0),
                    source_line=LONG_SOURCE_NL, labels=Labels("nl"))
    _assert_dutch(text.replace("\n", " "),
                  "Waar aandeel buitenstaanderspartijen Tweede Kamer 2021 lager is dan voorspeld uit laag opleidingsniveau",
                  "residu, teken omgekeerd", "Hoofdas 40 graden", "(999 trekkingen, seed 3)",
                  "buiten de kleurschaal (1)", "hoofdas van de omlijnde gemeenten")
    text = rendered(clusters, clusters.zone_map, grid, residuals, CODES[:3],
                    outcome="turnout_tk2021", orientation="as observed", covariates=["low_education_share"],
                    axis=None, axis_angle_degrees=None, axis_centre=None, source_line="Bron: CBS", labels=Labels("nl"))
    _assert_dutch(text.replace("\n", " "), "Geen hoofdas: 3 omlijnde gemeenten zijn te weinig")
    assert "hoofdas van de omlijnde" not in text


def test_pc4_country_and_inset_maps_in_dutch(rendered, grid, values):
    from afgehaakt.plotting import pc4

    areas = gpd.GeoDataFrame({"pc4": CODES, "outsider_share": [np.nan] + list(values.iloc[1:]),
                              "municipality_2021": ["0202"] * 18 + ["0453"] * 18,
                              "municipality_2021_name": ["Arnhem"] * 18 + ["Velsen"] * 18},
                             geometry=grid.geometry, crs=grid.crs)
    lisa = pd.DataFrame({"code": CODES[1:], "cluster_fdr": ["HH"] + ["not significant"] * (len(CODES) - 2),
                         "permutations": 9999, "seed": 7, "alternative": "two-sided", "alpha": 0.05,
                         "fdr_cutoff": 0.001, "weights": "queen", "transformation": "r"})
    shared = dict(column="outsider_share", scheme="Quantiles", k=3, colormap="YlGnBu", source_line="Bron: Kiesraad",
                  labels=Labels("nl"))
    text = rendered(pc4, pc4.country_maps, areas, lisa, grid, **shared)
    _assert_dutch(text.replace("\n", " "), "TK2025-aandeel buitenstaanderspartijen per postcodegebied (PC4)",
                  "geen stembureau: geen waarde (1 gebieden)", "HH: hoog, hoge buren", "FDR-gecorrigeerd",
                  "sinds 2014 mag een kiezer", "aandeel geldige stemmen")
    text = rendered(pc4, pc4.inset_maps, areas, lisa, ["0202", "0453"], **shared)
    _assert_dutch(text.replace("\n", " "), "vijf gemeenten uit de Atlas", "Arnhem: 17 van 18 gebieden met een stembureau",
                  "Velsen: 18 van 18 gebieden", "geen stembureau: geen waarde")


def test_gradient_plot_in_dutch(rendered):
    from afgehaakt.plotting import panel

    rows = [{"election": e, "estimate": 0.1 * k, "ci_low": 0.1 * k - 0.05, "ci_high": 0.1 * k + 0.05,
             "reference": k == 0, "model": "two-way FE", "cov_type": "clustered",
             "cov_options": "debiased=True; cluster_entity=True; group_debias=True; auto_df=False; count_effects=False"}
            for k, e in enumerate(("tk2017", "tk2021", "tk2023"))]
    changes = pd.DataFrame(rows).assign(quantity="change_since_reference")
    levels = pd.DataFrame(rows).assign(quantity="level", model="RE")
    text = rendered(panel, panel.gradient_plot, changes, levels=levels, variable="turnout",
                    source_line=LONG_SOURCE_NL, labels=Labels("nl"))
    _assert_dutch(text, "Onderwijsgradiënt van opkomst per verkiezing", "Gradiënt per verkiezing",
                  "Verandering sinds de referentieverkiezing", "TK 2017 (ref.)", "standaardfouten geclusterd per gemeente",
                  "coëfficiënt van aandeel laagopgeleiden")


def test_power_curve_in_dutch(rendered):
    from afgehaakt.plotting import power

    table = pd.DataFrame({"term": "main", "municipalities": 100, "icc": 0.03, "design": "preview",
                          "respondents_per_municipality": [10, 20, 10, 20], "effect": [0.0, 0.0, 0.05, 0.05],
                          "power": [0.05, 0.06, 0.3, 0.5], "ci95_low": [0.0, 0.0, 0.1, 0.3],
                          "ci95_high": [0.2, 0.2, 0.5, 0.7], "analytical_power": [0.05, 0.05, 0.31, 0.52],
                          "alpha": 0.05, "replicates": 10, "seed": 7})
    labels = Labels("nl")
    text = rendered(power, power.power_curve, table, icc=0.03,
                    source_line=labels("fig.power.source", attribution="CBS"), labels=labels)
    _assert_dutch(text.replace("\n", " "), "VOORBEELD, niet voor planning", "contexteffect, 100 gemeenten",
                  "respondenten per gemeente", "effect 0 (type-I-fout)", "80% onderscheidend vermogen",
                  "Gesimuleerde enquêtes")


def test_the_english_rendering_uses_the_same_catalogue(rendered, grid, values):
    from afgehaakt.plotting import maps

    en = Labels("en")
    text = rendered(maps, maps.choropleth, grid, values.rename("turnout"), title=en.variable("turnout_tk2021"),
                    legend_title=en("unit.turnout"), scheme="Quantiles", k=4, colormap="YlGnBu",
                    source_line=en.source("Kiesraad"), flagged=pd.Series(True, index=CODES[:1]), labels=en)
    assert "Turnout Tweede Kamer 2021" in text and "turnout above 100%\n(kiezerspas visitors" in text and "Source: Kiesraad" in text


def test_every_figure_script_takes_its_language_from_the_rule(repo):
    """Each plotting script builds its Labels from the rule's `language` param, which comes from config."""
    scripts = [p for p in sorted((repo / "scripts").glob("*.py")) if "afgehaakt.plotting" in p.read_text("utf-8")]
    scripts = [p for p in scripts if "regression_table" not in p.read_text("utf-8")]
    assert len(scripts) >= 7
    rules = "".join(p.read_text(encoding="utf-8") for p in (repo / "rules").glob("*.smk")).split("\nrule ")
    for script in scripts:
        assert "Labels(snakemake.params.language)" in script.read_text(encoding="utf-8"), script.name
        using = [r for r in rules if f'"../scripts/{script.name}"' in r]
        assert using, script.name
        for rule in using:  # a script may serve several rules (the power preview and the planning curve)
            assert 'language=config["outputs"]["language"]' in rule, script.name
