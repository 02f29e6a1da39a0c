"""One benchmark shape (``tconv1d bench``): the sizes of a call, as the suite's JSON names them."""

from __future__ import annotations

from dataclasses import dataclass

from .aliases import CroppingLike


@dataclass
class Shape:
    name: str
    batch: int
    in_channels: int
    num_filters: int
    filter_size: int
    stride: int
    length: int
    cropping: CroppingLike

    @property
    def flops(self) -> float:
        """FLOPs of one pass: 2 per multiply-add."""
        return 2.0 * self.batch * self.length * self.in_channels * self.num_filters * self.filter_size
