"""The long TK series on one boundary year: tidy table, national sums, Moran rows in date order."""

import pandas as pd
import pytest

from afgehaakt.series import election_series, national_series, series_moran


def _table(codes, turnout, share):
    valid = pd.Series([100.0] * len(codes))
    return pd.DataFrame({"code": codes, "name": codes, "eligible": 200.0, "votes_cast": [200.0 * t for t in turnout],
                         "valid": valid, "turnout": turnout, "outsider_share": share,
                         "outsider_atlas_share": [s / 2 for s in share], "outsider_extended_share": share,
                         "turnout_above_one": [t > 1 for t in turnout]})


def test_series_is_in_date_order_and_national_shares_are_sums_over_municipalities():
    tables = {"tk2021": _table(["0001", "0002"], [0.8, 0.6], [0.3, 0.5]),
              "tk1998": _table(["0001", "0002"], [0.7, 0.9], [0.1, 0.0])}
    series = election_series(tables)
    assert list(series["election"].unique()) == ["tk1998", "tk2021"]
    national = national_series(series).set_index("election")
    assert national.loc["tk2021", "turnout"] == pytest.approx((160 + 120) / 400)
    assert national.loc["tk2021", "outsider_share"] == pytest.approx(0.4)
    assert national.loc["tk2021", "outsider_atlas_share"] == pytest.approx(0.2)


def test_elections_on_other_municipalities_are_refused():
    tables = {"tk1998": _table(["0001", "0002"], [0.7, 0.9], [0.1, 0.0]),
              "tk2021": _table(["0001", "0003"], [0.8, 0.6], [0.3, 0.5])}
    with pytest.raises(ValueError, match=r"tk2021 covers other municipalities.*0002"):
        election_series(tables)


def test_moran_rows_of_turnout_and_outsider_share_per_election():
    moran = pd.DataFrame({"variable": ["turnout", "outsider_share", "orthodox_protestant_share"],
                          "statistic": [0.2, 0.5, 0.8]})
    rows = series_moran({"tk2025": moran, "tk2002": moran})
    assert list(rows["election"]) == ["tk2002", "tk2002", "tk2025", "tk2025"]
    with pytest.raises(ValueError, match="lacks"):
        series_moran({"tk2025": moran.iloc[:1]})
