"""Every list of every election is classified explicitly; two named outsider classifications."""

import copy

import pandas as pd
import pytest
import yaml

from afgehaakt import catalogue
from afgehaakt.errors import ConfigError
from afgehaakt.features.harmonise import read_election
from afgehaakt.parties import classification_from_config


@pytest.fixture(scope="module")
def parties(repo):
    return yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["parties"]


@pytest.mark.parametrize("election", sorted(catalogue.ELECTIONS))
def test_every_list_of_every_election_in_the_snapshot_is_classified(repo, parties, election):
    source = catalogue.election(election)
    results = read_election(source.format, [str(repo / "data" / f) for f in source.files])
    classification_from_config(parties).require_classified(results.party_votes["list_name"], election=election)


def test_an_unclassified_list_stops_the_run_naming_list_and_election(parties):
    classification = classification_from_config(parties)
    lists = pd.Series(["VVD", "Partij van Overmorgen"])
    with pytest.raises(ConfigError, match=r"list 'Partij van Overmorgen'.*of election tk2029 is not classified"):
        classification.require_classified(lists, election="tk2029")


def test_a_party_removed_from_established_is_no_longer_classified(parties):
    edited = copy.deepcopy(parties)
    edited["established"].remove("NSC")
    classification = classification_from_config(edited)
    with pytest.raises(ConfigError, match=r"'Nieuw Sociaal Contract \(NSC\)' \(party 'NSC'\) of election tk2025"):
        classification.require_classified(pd.Series(["Nieuw Sociaal Contract (NSC)"]), election="tk2025")


def test_the_two_named_classifications_give_their_own_share_columns(parties):
    groups = classification_from_config(parties).groups()
    assert groups["outsider_atlas"] == ["PVV", "SP", "FvD", "PvdD", "50PLUS", "DENK"]
    assert groups["outsider"] == groups["outsider_extended"]
    assert set(groups["outsider_extended"]) - set(groups["outsider_atlas"]) == {"JA21", "BBB", "BIJ1", "CD", "LN", "LPF", "TON"}


def test_a_party_both_outsider_and_established_is_refused(parties):
    edited = copy.deepcopy(parties)
    edited["established"].append("PVV")
    with pytest.raises(ConfigError, match=r"\['PVV'\] are also outsider parties in classification 'atlas'"):
        classification_from_config(edited)


def test_the_classification_in_use_must_be_named(parties):
    edited = copy.deepcopy(parties)
    edited["outsider_classification"] = "broad"
    with pytest.raises(ConfigError, match=r"parties.outsider_classification.*'broad' is not one of \['atlas'"):
        classification_from_config(edited)
