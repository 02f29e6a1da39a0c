"""Mutant: 'same' trims the extra element of an odd crop total on the LEFT (R2.3 says right)."""

from ._wrap import output_length, same_crop, tconv1d, transposed_conv1d_layer  # noqa: F401

BREAKS, CATEGORY = "R2.3", "cropping"


def _crop(weights, stride, cropping):
    if isinstance(cropping, str) and cropping.lower() == "same":
        crop = same_crop(len(weights), int(stride))
        if crop is not None:
            return [crop[1], crop[0]]
    return cropping


def transposed_conv1d(x, weights, bias=None, stride=1, cropping=0, fmt="BCT"):
    return tconv1d.transposed_conv1d(x, weights, bias, stride, _crop(weights, stride, cropping), fmt)


def transposed_conv1d_backward(x, weights, dy, stride=1, cropping=0, fmt="BCT"):
    return tconv1d.transposed_conv1d_backward(x, weights, dy, stride, _crop(weights, stride, cropping), fmt)
