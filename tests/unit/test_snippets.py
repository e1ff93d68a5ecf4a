import pandas as pd

from afgehaakt.snippets import Headline, as_records, fit_headline, latex, macro_name, markdown


def test_macro_names_are_letters_only():
    assert macro_name("moran_turnout_tk2021") == "afgMoranTurnoutTkTwoZeroTwoOne"
    assert macro_name("icc_trust").isalpha()


def test_formats_share_one_rounding():
    headline = Headline("icc_trust", 0.057114203, 3, "results/tables/x.csv", "ICC of trust")
    assert headline.text == "0.057"
    assert "| `icc_trust` | 0.057 |" in markdown([headline])
    assert "\\newcommand{\\afgIccTrust}{0.057}" in latex([headline])
    assert as_records([headline])[0]["latex_macro"] == "afgIccTrust"


def test_a_headline_from_a_failed_fit_is_excluded():
    """Issue 20: under the report-and-exclude policy a number from a fit that is not ok is not quoted."""
    table = pd.DataFrame({"model": ["M0_null", "M1"], "ICC": [0.05, 0.04], "status": ["separation", "ok"]})
    table = table.set_index("model")
    failed = fit_headline(table, "M0_null", "ICC", 3, "x.csv", "ICC", "icc")
    assert failed.excluded and failed.text == "excluded (fit status: separation)"
    assert "0.050" not in markdown([failed])
    assert fit_headline(table, "M1", "ICC", 3, "x.csv", "ICC", "icc").text == "0.040"
