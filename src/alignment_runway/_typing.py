"""Shared type aliases."""

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

#: A float, or an array of floats in canonical units: every model equation accepts either and
#: returns the same kind.
Num = TypeVar("Num", float, NDArray[np.float64])
