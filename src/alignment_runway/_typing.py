"""Shared type aliases."""

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

#: A float, or an array of floats in canonical units: every model equation accepts either and
#: returns the same kind.
Num = TypeVar("Num", float, NDArray[np.float64])


def same_kind(value: Any) -> Any:
    """Return an array unchanged and a numpy scalar as a Python float.

    numpy ufuncs turn a Python float into a numpy scalar; model equations give back the kind
    they were given.
    """
    return value if isinstance(value, np.ndarray) else float(value)
