"""Mutant: initialize(num_channels=...) that conflicts with the channel count the
Weights fixed is silently ignored (R1.5: a conflicting NumChannels is an error)."""

from ._wrap import Layer, output_length, transposed_conv1d, transposed_conv1d_backward  # noqa: F401

BREAKS, CATEGORY = "R1.5", "properties"


class ConflictAccepted(Layer):
    def initialize(self, num_channels=None, seed=None):
        if self._weights is not None:
            num_channels = None  # whatever was asked, the Weights win without a word
        return super().initialize(num_channels=num_channels, seed=seed)


def transposed_conv1d_layer(filter_size, num_filters, **options):
    return ConflictAccepted(filter_size, num_filters, **options)
