from afgehaakt.snippets import Headline, as_records, latex, macro_name, markdown


def test_macro_names_are_letters_only():
    assert macro_name("moran_turnout_tk2021") == "afgMoranTurnoutTkTwoZeroTwoOne"
    assert macro_name("icc_trust").isalpha()


def test_formats_share_one_rounding():
    headline = Headline("icc_trust", 0.057114203, 3, "results/tables/x.csv", "ICC of trust")
    assert headline.text == "0.057"
    assert "| `icc_trust` | 0.057 |" in markdown([headline])
    assert "\\newcommand{\\afgIccTrust}{0.057}" in latex([headline])
    assert as_records([headline])[0]["latex_macro"] == "afgIccTrust"
