"""Shared type aliases."""

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

#: A float, or an array of floats in canonical units: every model equation accepts either and
#: returns the same kind.
Num = TypeVar("Num", float, NDArray[np.float64])


def same_kind(value: Any) -> Any:
    """Return a numpy scalar as a Python float, and anything else (an array) unchanged.

    numpy ufuncs turn a Python float into a numpy scalar; model equations give back the kind
    they were given (symbolic values too: ``analysis.monomials``).
    """
    return float(value) if isinstance(value, np.generic | float | int) else value
