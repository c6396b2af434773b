import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.money import MAX_FEN, MoneyFormatError, fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize("text, fen", [("0.01", 1), ("1.1", 110), ("1.10", 110), ("3", 300),
                                       ("99999999.99", MAX_FEN), ("0", 0)])
def test_yuan_text_parses_exactly_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["1.001", "-1", "1e2", "01", "100000000", "1.", ".5", " 1", "",
                                  "１"])
def test_malformed_yuan_is_refused(text):
    with pytest.raises(MoneyFormatError):
        yuan_to_fen(text)


@given(st.integers(0, MAX_FEN))
def test_fen_round_trips_through_yuan_text(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_fen_to_yuan_refuses_floats():
    with pytest.raises(TypeError):
        fen_to_yuan(1.0)
