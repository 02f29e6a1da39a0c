"""Name-value options of the layer constructor (SPEC R1.2).

Each option is accepted under two spellings, both matched case-insensitively:
the vendor's (``Stride``, ``WeightsInitializer``) and snake_case (``stride``,
``weights_initializer``). There is no partial-name matching: ``Str=4`` is an
error, because an abbreviation that is unique today can become ambiguous when
an option is added. An unknown name raises ``TypeError`` (what Python raises
for an unexpected keyword argument) listing the valid names and the closest.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

#: The constructor options, vendor spelling -> snake_case attribute name, in the
#: order of the vendor's documentation.
OPTIONS: dict[str, str] = {
    "Stride": "stride",
    "Cropping": "cropping",
    "NumChannels": "num_channels",
    "WeightsInitializer": "weights_initializer",
    "BiasInitializer": "bias_initializer",
    "Weights": "weights",
    "Bias": "bias",
    "WeightLearnRateFactor": "weight_learn_rate_factor",
    "BiasLearnRateFactor": "bias_learn_rate_factor",
    "WeightL2Factor": "weight_l2_factor",
    "BiasL2Factor": "bias_l2_factor",
    "Name": "name",
}

# Every accepted spelling, lower-cased, -> snake_case name.
_SPELLINGS: dict[str, str] = {}
for _vendor, _snake in OPTIONS.items():
    _SPELLINGS[_vendor.lower()] = _snake
    _SPELLINGS[_snake] = _snake


def _valid_names_text() -> str:
    return ", ".join(f"{vendor} ({snake})" for vendor, snake in OPTIONS.items())


def canonical_name(name: str) -> str:
    """The snake_case name of an option given in either spelling; TypeError if unknown."""
    if not isinstance(name, str):
        raise TypeError(f"option names must be strings, got {type(name).__name__} {name!r}")
    snake = _SPELLINGS.get(name.lower())
    if snake is not None:
        return snake
    # An abbreviation is suggested (never accepted) when it starts only one option's name.
    lowered = name.lower()
    extended = {snake for spelling, snake in _SPELLINGS.items() if spelling.startswith(lowered)}
    close = difflib.get_close_matches(lowered, list(_SPELLINGS), n=1, cutoff=0.5)
    hint = ""
    if len(extended) == 1 or close:
        suggestion = extended.pop() if len(extended) == 1 else _SPELLINGS[close[0]]
        vendor = next(v for v, s in OPTIONS.items() if s == suggestion)
        hint = f" Did you mean {vendor} ({suggestion})?"
    raise TypeError(
        f"unknown option {name!r} for transposed_conv1d_layer.{hint} "
        f"Valid options (case-insensitive, vendor or snake_case spelling): {_valid_names_text()}"
    )


def parse_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Map name-value options to ``{snake_case_name: value}``.

    Raises ``TypeError`` for an unknown name and for an option given twice
    under two spellings (``Stride=2, stride=3``): silently keeping one of them
    would hide a mistake.
    """
    parsed: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for name, value in options.items():
        snake = canonical_name(name)
        if snake in parsed:
            raise TypeError(f"option {OPTIONS_BY_SNAKE[snake]} given twice, as {given_as[snake]!r} and {name!r}")
        parsed[snake] = value
        given_as[snake] = name
    return parsed


OPTIONS_BY_SNAKE: dict[str, str] = {snake: vendor for vendor, snake in OPTIONS.items()}
