"""Figure text a reader understands: notes wrapped inside the figure (measured, not counted), inference in words."""

import pytest

from afgehaakt.labels import Labels
from afgehaakt.plotting.panel import covariance_in_words
from afgehaakt.plotting.scatter import island_policy_in_words
from afgehaakt.plotting.style import clipped_texts, footnote, new_figure, wrap_to_width

DEFAULT_OPTIONS = "debiased=True; cluster_entity=True; group_debias=True; auto_df=False; count_effects=False"


def test_words_wrap_at_the_measured_width_and_keep_line_breaks():
    assert wrap_to_width("aa bb cc\ndd", width_px=5, measure=len) == "aa bb\ncc\ndd"
    assert wrap_to_width("averyveryverylongword x", width_px=5, measure=len) == "averyveryverylongword\nx"


def test_clipping_is_detected_and_a_footnote_is_not_clipped():
    figure = new_figure(3, 2)
    long = "Source: " + "a long attribution; " * 20
    figure.text(0.01, 0.01, long, fontsize=6)
    assert len(clipped_texts(figure)) == 1 and "past the right" in clipped_texts(figure)[0]
    figure = new_figure(3, 2)
    note = footnote(figure, long)
    assert note.get_text().count("\n") >= 3 and clipped_texts(figure) == []


def test_a_title_above_the_figure_is_detected():
    figure = new_figure(3, 2)
    figure.suptitle("title", y=1.2)
    (clipped,) = clipped_texts(figure)
    assert clipped.startswith("'title': past the top by ")


@pytest.mark.parametrize("language, expected", [
    ("en", "standard errors clustered by municipality, small-sample correction G/(G-1)·(n-1)/(n-k), t-tests with "
           "G-1 degrees of freedom (G clusters), fixed effects not counted in k (nested in the clusters, as in "
           "Stata xtreg, fe vce(cluster))"),
    ("nl", "standaardfouten geclusterd per gemeente, kleine-steekproefcorrectie G/(G-1)·(n-1)/(n-k), t-toetsen met "
           "G-1 vrijheidsgraden (G clusters), vaste effecten niet meegeteld in k (genest in de clusters, zoals "
           "Stata xtreg, fe vce(cluster))"),
])
def test_the_default_panel_covariance_in_words(language, expected):
    words = covariance_in_words("clustered", DEFAULT_OPTIONS, Labels(language))
    assert words == expected and "=" not in words and "True" not in words


def test_other_covariances_in_words():
    en = Labels("en")
    assert covariance_in_words("unadjusted", "debiased=True", en) == (
        "unadjusted (homoskedastic) standard errors, small-sample correction n/(n-k), t-tests")
    two_way = "debiased=False; cluster_entity=True; cluster_time=True; group_debias=False"
    assert covariance_in_words("clustered", two_way, en) == (
        "standard errors clustered by municipality and by election, no small-sample correction, normal p-values")


def test_the_island_policy_in_words():
    assert island_policy_in_words("connect_to_largest(links_per_component=2)", Labels("en")) == (
        "islands and other separate parts each linked to the 2 nearest municipalities of the mainland")
    assert island_policy_in_words("none", Labels("nl")) == "eilanden zonder buren gelaten"
    with pytest.raises(ValueError, match="unknown island policy 'queen'"):
        island_policy_in_words("queen", Labels("en"))
