"""Table output helpers shared by every command."""

import io

import pytest

from merchintel.cli.common import emit_table, short_float


@pytest.mark.parametrize("value,text", [
    (1 / 3, "0.333"), (1.0, "1.0"), (0.5, "0.5"), (0.0, "0.0"), (12.34567, "12.346"), (-0.25, "-0.25"),
    (float("nan"), "nan"), (1e20, "1e+20"),
])
def test_short_float(value, text):
    assert short_float(value) == text


def test_tables_show_scores_short_and_leave_other_values_alone():
    out = io.StringIO()
    emit_table([{"domain": "a.se", "score": 1 / 3, "n": 3, "ids": ["x", "y"], "none": None}], out=out)
    header, rule, row = out.getvalue().splitlines()
    assert row.split() == ["a.se", "0.333", "3", "x,", "y"]
