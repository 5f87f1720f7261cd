"""The examples in docstrings run and give what they say."""

import doctest

import pytest

from alignment_runway import api, formatting


@pytest.mark.parametrize("module", [api, formatting])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0
    assert result.attempted > 0
