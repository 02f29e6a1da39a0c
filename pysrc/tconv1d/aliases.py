"""Type aliases of the public API (for type checkers and readers; nothing runs here).

An argument may be anything NumPy reads as an array (``ArrayLike``); results are
float32/float64 NumPy arrays (``FloatArray``). Integer-valued arguments accept
integers and integral floats of any kind (SPEC R1.1); a cropping is such a
number, a pair of them, or ``"same"`` (R1, R2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .arguments import Cropping

#: A float32 or float64 array (every result of the passes).
FloatArray = npt.NDArray[np.floating[Any]]
#: An integer-valued argument: any integer, or a float with an integral value.
IntegerLike = Union[int, float, np.integer[Any], np.floating[Any], npt.NDArray[Any]]
#: ``n``, ``[l, r]`` or ``"same"`` (or a Cropping already parsed).
CroppingLike = Union[IntegerLike, str, Sequence[IntegerLike], "Cropping"]
#: A nonnegative real scalar (the learn-rate and L2 factors).
ScalarLike = Union[int, float, np.integer[Any], np.floating[Any]]
