"""Queen contiguity on the 2021 map and the island policy."""

import pandas as pd
import pytest

from afgehaakt.spatial.weights import IslandPolicy, component_count, graph_from_edges, queen_weights

WADDEN = {"0448": "Texel", "0096": "Vlieland", "0093": "Terschelling", "0060": "Ameland", "0088": "Schiermonnikoog"}
ZEEUWS_VLAANDEREN = {"0677", "0715", "1714"}  # Hulst, Sluis, Terneuzen


@pytest.fixture(scope="module")
def connected(boundaries_2021):
    return queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())


@pytest.fixture(scope="module")
def unlinked(boundaries_2021):
    return queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy("none"))


def test_queen_contiguity_has_seven_components_and_five_isolates(unlinked):
    assert unlinked.components_before == 7 and unlinked.components_after == 7
    assert set(unlinked.summary()["isolates_after"]) == set(WADDEN)
    assert unlinked.added_links.empty


def test_the_default_policy_connects_the_map(connected):
    assert connected.components_before == 7
    assert connected.components_after == 1
    assert component_count(connected.edges, connected.ids) == 1


def test_each_disconnected_component_gets_one_link_to_the_mainland(connected, boundaries_2021):
    added = connected.added_links
    assert len(added) == 6
    linked = set(added["focal"])
    assert set(WADDEN) <= linked and len(linked & ZEEUWS_VLAANDEREN) == 1
    names = boundaries_2021.set_index("code")["name"]
    assert names[added.set_index("focal").loc["0448", "neighbor"]] == "Den Helder"


def test_edges_are_symmetric_binary_and_marked_by_origin(connected):
    edges = connected.edges
    pairs = set(zip(edges["focal"], edges["neighbor"], strict=True))
    assert all((b, a) in pairs for a, b in pairs)
    assert (edges["weight"] == 1.0).all()
    assert (edges["origin"] == "island_policy").sum() == 12
    assert not (edges["focal"] == edges["neighbor"]).any()


def test_more_links_per_component(boundaries_2021):
    weights = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy(links_per_component=2))
    assert len(weights.added_links) == 12 and weights.components_after == 1


def test_summary_reports_the_neighbour_distribution(connected):
    summary = connected.summary()
    assert sum(summary["neighbour_count_distribution"].values()) == 352
    assert summary["components_before"] == 7 and summary["components_after"] == 1
    assert summary["island_policy"] == "connect_to_largest(links_per_component=1)"


def test_graph_from_edges_keeps_isolates_and_order(unlinked):
    graph = graph_from_edges(unlinked.edges, unlinked.ids)
    assert list(graph.unique_ids) == list(unlinked.ids)
    assert set(graph.isolates) == set(WADDEN)


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown island policy"):
        IslandPolicy("bridge")
    with pytest.raises(ValueError, match="at least 1"):
        IslandPolicy(links_per_component=0)


def test_result_does_not_depend_on_row_order(boundaries_2021, connected):
    shuffled = boundaries_2021.sample(frac=1.0, random_state=3)
    again = queen_weights(shuffled, id_column="code", policy=IslandPolicy())
    pd.testing.assert_frame_equal(again.edges, connected.edges)
