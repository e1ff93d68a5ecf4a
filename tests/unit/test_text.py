import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.io.text import decode_published_text, parse_numbers, read_delimited


def test_utf8_bom_is_detected_and_removed(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffRegioNaam;Aantal\nSúdwest-Fryslân;1\n".encode("utf-8"))
    text, encoding = decode_published_text(path)
    assert encoding == "utf-8-sig" and text.startswith("RegioNaam")
    assert read_delimited(path)["RegioNaam"].tolist() == ["Súdwest-Fryslân"]


def test_windows_1252_is_read_when_the_bytes_are_not_utf8(tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("RegioNaam;Aantal\nSúdwest-Fryslân;1\n".encode("cp1252"))
    assert decode_published_text(path)[1] == "cp1252"
    assert read_delimited(path)["RegioNaam"].tolist() == ["Súdwest-Fryslân"]


def test_separator_is_taken_from_the_header(tmp_path):
    path = tmp_path / "comma.csv"
    path.write_text("code,value\nGM0014,\"1,5\"\n", encoding="utf-8")
    frame = read_delimited(path)
    assert list(frame.columns) == ["code", "value"] and frame["value"].tolist() == ["1,5"]


def test_index_is_the_line_in_the_file_even_after_blank_lines(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a;b\n1;2\n\n3;4\n", encoding="utf-8")
    assert read_delimited(path).index.tolist() == [2, 4]


def test_a_short_row_names_its_line(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a;b;c\n1;2;3\n4;5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"short.csv.*row 3.*2 cells"):
        read_delimited(path)


def test_duplicate_columns_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a;a\n1;2\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="duplicate column"):
        read_delimited(path)


def test_numbers_with_padding_decimal_comma_and_cbs_missing_marker(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("v\n    80.5\n12,25\n.\n", encoding="utf-8")
    column = read_delimited(path)["v"]
    values = parse_numbers(column, path=path, field="v", integer=False, allow_missing=True)
    assert values.iloc[0] == 80.5 and values.iloc[1] == 12.25 and values.isna().iloc[2]


def test_a_missing_marker_where_a_value_is_required_names_field_and_line(tmp_path):
    path = tmp_path / "required.csv"
    path.write_text("v\n1\n.\n", encoding="utf-8")
    column = read_delimited(path)["v"]
    with pytest.raises(InputDataError, match=r"field 'v', row 3: missing value '\.'"):
        parse_numbers(column, path=path, field="v", integer=True, allow_missing=False)


def test_a_fraction_where_a_count_is_expected_is_refused(tmp_path):
    path = tmp_path / "count.csv"
    path.write_text("v\n1.5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a whole number"):
        parse_numbers(read_delimited(path)["v"], path=path, field="v", integer=True, allow_missing=False)


def test_text_in_a_number_column_is_refused(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("v\nabc\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a number: 'abc'"):
        parse_numbers(read_delimited(path)["v"], path=path, field="v", integer=False, allow_missing=True)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputDataError, match="empty"):
        read_delimited(path)


def test_a_file_with_another_separator_fails_on_its_columns_by_name(tmp_path):
    from afgehaakt.io.text import require_columns

    path = tmp_path / "tabs.csv"
    path.write_text("RegioCode\tOpkomst\nG0014\t1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"tabs.csv.*field 'RegioCode'.*missing column"):
        require_columns(read_delimited(path), ["RegioCode", "Opkomst"], path=path)
