import pandas as pd
import pytest

from afgehaakt.codes import normalise_code, normalise_codes, to_cbs
from afgehaakt.errors import InputDataError


@pytest.mark.parametrize("written", ["GM0014", "G0014", "0014", "14", 14, " gm0014 ", "g14"])
def test_every_published_spelling_gives_the_four_digit_code(written):
    assert normalise_code(written) == "0014"


@pytest.mark.parametrize("bad", ["GM00140", "PV20", "", "GM", "0000", "K3", None, 1.5, True])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError):
        normalise_code(bad)


def test_a_bad_code_in_a_column_names_file_field_and_row():
    column = pd.Series(["G0014", "G00X4"], index=[2, 3])
    with pytest.raises(InputDataError) as error:
        normalise_codes(column, path="results.csv", field="RegioCode")
    message = str(error.value)
    assert "results.csv" in message and "RegioCode" in message and "row 3" in message and "G00X4" in message


def test_cbs_form():
    assert to_cbs("14") == "GM0014"
