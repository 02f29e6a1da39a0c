"""Mutant: the first predict fills empty Weights but not an empty Bias given Weights
(R5: both are initialized when empty), so it adds no bias."""

from ._wrap import Layer, np, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R5", "initializers"


class BiasNotFilled(Layer):
    def predict(self, x, fmt="BCT"):
        if self._weights is not None and self._bias is None:
            self._bias = np.zeros((1, self.num_filters), self._weights.dtype)
            try:
                return super().predict(x, fmt)
            finally:
                self._bias = None  # left empty, as if never filled
        return super().predict(x, fmt)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return BiasNotFilled(filter_size, num_filters, **options)
