"""Launches of the four passes over canonical (batch_outer, batch_inner, channel,
position) CuPy views, with the same names and arguments as the C++ core's
passes (``tconv1d._core``). The geometry comes from ``_core.resolve_geometry``.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional

import numpy as np
import numpy.typing as npt

from .. import _core
from ..formats import Format
from . import module

#: A CuPy array (CuPy ships no type information).
DeviceArray = Any
#: A launch plan: the kernel, its grid and packed arguments (and, for split
#: reductions, the partial sums' shape and the reducing kernel); None when
#: there is nothing to launch.
Plan = Optional[tuple[Any, ...]]


class DeviceView(NamedTuple):
    """A (batch_outer, batch_inner, channel, position) view of a CuPy array, kept as
    plain tuples: CuPy's own view objects cost microseconds each per call. The
    canonical view starts at the array's first element, so ``array`` is what the
    kernels receive."""

    array: Any
    shape: tuple[int, ...]
    strides: tuple[int, ...]  # in bytes, like CuPy's
    dtype: Any
    itemsize: int


def device_view(array: DeviceArray, fmt: Format) -> DeviceView:
    """The canonical view of ``array`` in format ``fmt`` (a tconv1d.formats.Format)."""
    shape, strides = fmt.canonical_layout(array.shape, array.strides)
    return DeviceView(array, shape, strides, array.dtype, array.itemsize)


#: Set to a key of module.TILE_CONFIGS to bypass the tile choice (benchmarks, tests).
forced_config: str | None = None

_THREADS = 256
_MAX_GRID_X = 2**31 - 1
_MAX_GRID_YZ = 65535


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _i64(*values: int) -> tuple[np.int64, ...]:
    return tuple(np.int64(v) for v in values)


def _strides(array: DeviceArray | DeviceView) -> tuple[int, ...]:
    """Element strides of a CuPy array (its strides are in bytes)."""
    return tuple(s // array.itemsize for s in array.strides)


_sm_counts: dict[int, int] = {}


def _sm_count() -> int:
    """Multiprocessors of the current device (asked once per device: the query is not free)."""
    import cupy

    device = cupy.cuda.runtime.getDevice()
    count = _sm_counts.get(device)
    if count is None:
        count = _sm_counts[device] = int(
            cupy.cuda.runtime.deviceGetAttribute(cupy.cuda.runtime.cudaDevAttrMultiProcessorCount, device)
        )
    return count


#: Tile shapes tried per pass and dtype, in order of preference (from timings on an H100:
#: the tensor-core tiles pay off in the forward pass, the plain 128x64 tile in the
#: backward passes, whose operand gathers dominate).
PREFERENCE = {
    ("forward", "float32"): ("tc128x128", "128x64", "tc64x64"),
    ("forward", "float64"): ("128x64", "64x64"),
    ("backward", "float32"): ("128x64", "64x64"),
    ("backward", "float64"): ("128x64", "64x64"),
}


def _choose(kind: str, dtype: npt.DTypeLike, rows: int, blocks_for: Callable[[int, int], int]) -> str:
    """The first preferred tile that is not much taller than the rows and still fills
    the device (blocks >= 90% of the multiprocessors); else the last one."""
    name = str(dtype)
    if forced_config is not None and forced_config in module.DTYPE_CONFIGS[name]:
        return forced_config
    sms = _sm_count()
    candidates = PREFERENCE[(kind, name)]
    for config in candidates:
        bm, bn = module.TILE_CONFIGS[config][:2]
        if bm > max(64, _ceil(rows, 64) * 64):
            continue
        if blocks_for(bm, bn) * 10 >= sms * 9:
            return config
    return candidates[-1]


def _check_grid(grid: tuple[int, ...]) -> None:
    """A clear error instead of CUDA's invalid-argument failure when a problem needs more blocks than a grid has."""
    x, y, z = (*grid, 1)[:3]
    if x > _MAX_GRID_X or y > _MAX_GRID_YZ or z > _MAX_GRID_YZ:
        raise ValueError(f"the problem is too large for the GPU kernels' grid ({x} x {y} x {z} blocks)")


_plans: dict[tuple[object, ...], Plan] = {}
_MAX_PLANS = 4096


def _plan(key: tuple[object, ...], make: Callable[..., Plan], *arrays: Any) -> Plan:
    """The launch plan (kernels, grids, argument structs) for ``key``, made once and cached.

    A plan depends only on shapes, strides, dtype, geometry, device and tile choice,
    so repeated calls skip the tile choice and argument packing.
    """
    import cupy

    key = (*key, cupy.cuda.runtime.getDevice(), forced_config)
    try:
        return _plans[key]  # one lookup on the hot path (a plan may be None: nothing to launch)
    except KeyError:
        pass
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    plan = _plans[key] = make(*arrays)
    return plan


def _geometry_key(geometry: _core.Geometry) -> tuple[int, ...]:
    return (geometry.length, geometry.filter_size, geometry.stride, geometry.crop_left, geometry.out_length)


def forward(x4: DeviceView, w: DeviceArray, b: DeviceArray | None, geometry: _core.Geometry, y4: DeviceView) -> None:
    """y4 = forward(x4) with weights w (F, K, C) and bias b (K,) or None."""
    key = ("forward", x4.dtype.char, x4.shape, x4.strides, y4.strides, w.shape, b is not None, *_geometry_key(geometry))
    plan = _plan(key, _plan_forward, x4, w, b, geometry, y4)
    if plan is not None:
        kernel, grid, args = plan
        kernel(grid, (_THREADS,), (x4.array, w, w if b is None else b, y4.array, args))


def _plan_forward(
    x4: DeviceView, w: DeviceArray, b: DeviceArray | None, geometry: _core.Geometry, y4: DeviceView
) -> Plan:
    batch_outer, batch_inner, channels, length = x4.shape
    filter_size, num_filters, _ = w.shape
    batch = batch_outer * batch_inner
    stride, out_length = geometry.stride, geometry.out_length
    if batch == 0:
        return None
    count = _ceil(out_length, stride)  # output positions of the fullest phase
    phases = min(stride, out_length)  # phases that hold an output position

    def blocks(bm: int, bn: int) -> int:
        return _ceil(count, bn) * phases * batch * _ceil(num_filters, bm)

    config = _choose("forward", x4.dtype, num_filters, blocks)
    bm, bn, _, _ = module.TILE_CONFIGS[config]
    column_tiles = _ceil(count, bn)
    grid = (column_tiles * phases * batch, _ceil(num_filters, bm))
    _check_grid(grid)
    kernel = module.function("forward", x4.dtype, config)
    xs, ys = _strides(x4), _strides(y4)
    args = module.arguments(
        "forward",
        has_bias=b is not None,
        batch_inner=batch_inner,
        channels=channels,
        length=length,
        num_filters=num_filters,
        filter_size=filter_size,
        stride=stride,
        crop_left=geometry.crop_left,
        out_length=out_length,
        xs_outer=xs[0],
        xs_inner=xs[1],
        xs_channel=xs[2],
        xs_position=xs[3],
        ys_outer=ys[0],
        ys_inner=ys[1],
        ys_channel=ys[2],
        ys_position=ys[3],
        column_tiles=column_tiles,
        phases=phases,
    )
    return kernel, grid, args


def backward_data(dy4: DeviceView, w: DeviceArray, geometry: _core.Geometry, dx4: DeviceView) -> None:
    """dx4 = the input gradient given dy4; split-K with a fixed-order reduction when the
    output alone gives too few blocks."""
    import cupy

    key = ("backward_data", dx4.dtype.char, dy4.shape, dy4.strides, dx4.shape, dx4.strides, w.shape)
    plan = _plan(key + _geometry_key(geometry), _plan_backward_data, dy4, w, geometry, dx4)
    if plan is None:
        return
    kernel, grid, args, partial_shape, reduce = plan
    out = dx4.array if partial_shape is None else cupy.empty(partial_shape, dtype=dx4.dtype)
    kernel(grid, (_THREADS,), (dy4.array, w, out, args))
    if reduce is not None:
        reduce_kernel, reduce_grid, reduce_args = reduce
        reduce_kernel(reduce_grid, (_THREADS,), (out, dx4.array, reduce_args))


def _plan_backward_data(dy4: DeviceView, w: DeviceArray, geometry: _core.Geometry, dx4: DeviceView) -> Plan:
    batch_outer, batch_inner, channels, length = dx4.shape
    filter_size, num_filters, _ = w.shape
    batch = batch_outer * batch_inner
    if batch == 0:
        return None

    def blocks(bm: int, bn: int) -> int:
        return _ceil(length, bn) * batch * _ceil(channels, bm)

    config = _choose("backward", dx4.dtype, channels, blocks)
    bm, bn, _, _ = module.TILE_CONFIGS[config]
    column_tiles = _ceil(length, bn)
    total = filter_size * _ceil(num_filters, 16)  # reduction iterations of 16 (BK) filters
    # Enough parts to fill the device twice, each at least 16 iterations long.
    splits = max(1, min(_ceil(2 * _sm_count(), blocks(bm, bn)), total // 16, 16))
    per_split = _ceil(total, splits)
    splits = _ceil(total, per_split)
    grid = (column_tiles * batch, _ceil(channels, bm), splits)
    _check_grid(grid)
    kernel = module.function("backward_data", dx4.dtype, config)
    ds, xs = _strides(dy4), _strides(dx4)
    args = module.arguments(
        "backward_data",
        batch_inner=batch_inner,
        channels=channels,
        length=length,
        num_filters=num_filters,
        filter_size=filter_size,
        stride=geometry.stride,
        crop_left=geometry.crop_left,
        out_length=geometry.out_length,
        ds_outer=ds[0],
        ds_inner=ds[1],
        ds_channel=ds[2],
        ds_position=ds[3],
        xs_outer=xs[0],
        xs_inner=xs[1],
        xs_channel=xs[2],
        xs_position=xs[3],
        column_tiles=column_tiles,
        splits=splits,
        per_split=per_split,
    )
    if splits == 1:
        return kernel, grid, args, None, None
    reduce = (
        module.function("backward_data_reduce", dx4.dtype),
        (min(_ceil(batch * channels * length, _THREADS), 8 * _sm_count()),),
        module.arguments(
            "backward_data_reduce",
            splits=splits,
            batch=batch,
            batch_inner=batch_inner,
            channels=channels,
            length=length,
            xs_outer=xs[0],
            xs_inner=xs[1],
            xs_channel=xs[2],
            xs_position=xs[3],
        ),
    )
    return kernel, grid, args, (splits, batch, channels, length), reduce


def backward_weights(x4: DeviceView, dy4: DeviceView, geometry: _core.Geometry, dw: DeviceArray) -> None:
    """dw (F, K, C, contiguous) = the weights gradient; split-K with a fixed-order reduction."""
    import cupy

    key = ("backward_weights", x4.dtype.char, x4.shape, x4.strides, dy4.shape, dy4.strides, dw.shape)
    plan = _plan(key + _geometry_key(geometry), _plan_backward_weights, x4, dy4, geometry, dw)
    if plan is None:
        dw.fill(0)
        return
    kernel, grid, args, partial_shape, reduce = plan
    out = dw if partial_shape is None else cupy.empty(partial_shape, dtype=dw.dtype)
    kernel(grid, (_THREADS,), (x4.array, dy4.array, out, args))
    if reduce is not None:
        reduce_kernel, reduce_grid, reduce_args = reduce
        reduce_kernel(reduce_grid, (_THREADS,), (out, dw, *reduce_args))


def _plan_backward_weights(x4: DeviceView, dy4: DeviceView, geometry: _core.Geometry, dw: DeviceArray) -> Plan:
    batch_outer, batch_inner, channels, length = x4.shape
    filter_size, num_filters, _ = dw.shape
    batch = batch_outer * batch_inner
    if batch == 0:
        return None
    rows = num_filters * filter_size
    total = batch * _ceil(length, 16)  # reduction iterations of 16 (BK) positions

    def blocks(bm: int, bn: int) -> int:
        return _ceil(channels, bn) * _ceil(rows, bm)

    config = _choose("backward", x4.dtype, rows, blocks)
    bm, bn, _, _ = module.TILE_CONFIGS[config]
    tiles = blocks(bm, bn)
    # Enough splits to fill the device twice, each at least 8 iterations long.
    splits = max(1, min(_ceil(2 * _sm_count(), tiles), total // 8, 64))
    per_split = _ceil(total, splits)
    splits = _ceil(total, per_split)
    grid = (_ceil(channels, bn), _ceil(rows, bm), splits)
    _check_grid(grid)
    kernel = module.function("backward_weights", x4.dtype, config)
    xs, ds = _strides(x4), _strides(dy4)
    args = module.arguments(
        "backward_weights",
        batch_inner=batch_inner,
        batch=batch,
        channels=channels,
        length=length,
        num_filters=num_filters,
        filter_size=filter_size,
        stride=geometry.stride,
        crop_left=geometry.crop_left,
        out_length=geometry.out_length,
        xs_outer=xs[0],
        xs_inner=xs[1],
        xs_channel=xs[2],
        xs_position=xs[3],
        ds_outer=ds[0],
        ds_inner=ds[1],
        ds_channel=ds[2],
        ds_position=ds[3],
        splits=splits,
        per_split=per_split,
    )
    if splits == 1:
        return kernel, grid, args, None, None
    reduce = (
        module.function("backward_weights_reduce", x4.dtype),
        (min(_ceil(rows * channels, _THREADS), 8 * _sm_count()),),
        _i64(splits, num_filters, filter_size, channels),
    )
    return kernel, grid, args, (splits, rows, channels), reduce


def backward_bias(dy4: DeviceView, db: DeviceArray) -> None:
    """db (K,) = the bias gradient, the sum of dy4 over batch and positions."""
    plan = _plan(("backward_bias", dy4.dtype.char, dy4.shape, dy4.strides), _plan_backward_bias, dy4)
    if plan is None:
        db.fill(0)
        return
    kernel, grid, args = plan
    kernel(grid, (_THREADS,), (dy4.array, db, args))


def _plan_backward_bias(dy4: DeviceView) -> Plan:
    batch_outer, batch_inner, num_filters, out_length = dy4.shape
    batch = batch_outer * batch_inner
    if batch == 0:
        return None
    kernel = module.function("backward_bias", dy4.dtype)
    ds = _strides(dy4)
    args = module.arguments(
        "backward_bias",
        batch_inner=batch_inner,
        batch=batch,
        out_length=out_length,
        ds_outer=ds[0],
        ds_inner=ds[1],
        ds_channel=ds[2],
        ds_position=ds[3],
    )
    return kernel, (num_filters,), args
