"""Named array and value types shared across layers."""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

Sex = Literal["male", "female"]
SEXES: tuple[Sex, Sex] = ("male", "female")
SEX_ZH: dict[str, str] = {"male": "男", "female": "女"}

# Division code (行政区划代码) as a string: 6 digits for county level, 9 for 街镇.
DivisionCode: TypeAlias = str

# The open age group (100+): single ages 0…OPEN_AGE, the last one open-ended. One name for it
# across the registry, the demography engine and the plans.
OPEN_AGE = 100
