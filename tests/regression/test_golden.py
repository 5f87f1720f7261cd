"""Every golden case's JSON output is byte-identical to the file pinned in ``golden/``.

A change that moves a number regenerates the files (``python tests/regression/golden_cases.py``)
in a commit that says what moved and why.
"""

from __future__ import annotations

import pytest
from golden_cases import CASES, GOLDEN, produce


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_output_is_unchanged(name: str) -> None:
    expected = (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
    assert produce(name) == expected
