"""Running one case against an implementation and judging the result.

A check never trusts the implementation: its expected values come from the case
data (computed from the spec's formulas when the data was generated) or from
this package's own oracle (``oracle.py``). A case whose function the
implementation lacks, or that raises ``NotImplementedError``, is *skipped: not
implemented*, never passed. Every operation call also checks that the inputs
were left unmodified (R7.1).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from . import derive, oracle, stats
from .cases import Case
from .values import compare, decode, error_classes, make_array, summarize

#: An implementation under test: any object offering some of the protocol's
#: functions (adapters/__init__.py). What it returns is whatever it returns
#: (typed Any below): the checks find out.
Adapter = object
Function = Callable[..., Any]

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class Result:
    id: str
    category: str
    spec: str
    status: str
    message: str = ""
    max_error: float | None = None
    inputs: str = ""
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "category": self.category,
            "spec": self.spec,
            "status": self.status,
            "message": self.message,
            "max_error": self.max_error,
            "inputs": self.inputs,
            "seconds": self.seconds,
        }


class _NotImplemented(Exception):
    """The implementation lacks what the case needs."""


class _Failure(Exception):
    """The case failed. ``spec`` names the violated requirement when it is not the
    one the case cites (e.g. R7.1 for an input modified during any case)."""

    def __init__(self, message: str, max_error: float | None = None, spec: str | None = None):
        super().__init__(message)
        self.max_error = max_error
        self.spec = spec


#: What the runner derived for the implementation under test (derive.py), for the report.
DERIVED: set[str] = set()


def _function(impl: Adapter, name: str) -> Function:
    function = getattr(impl, name, None)
    forward = getattr(impl, "transposed_conv1d", None)
    if name == "output_length" and (function is None or not callable(function)) and callable(forward):
        DERIVED.add("output_length: derived from a forward pass on zeros")
        return derive.output_length_from_forward(forward)
    if function is None or not callable(function):
        raise _NotImplemented(f"not implemented: {name}")
    # Formats the implementation refuses with NotImplementedError are permuted into (N, C, L).
    if name == "transposed_conv1d":
        return derive.forward_with_permutation(function, DERIVED)
    if name == "transposed_conv1d_backward":
        return derive.backward_with_permutation(function, DERIVED)
    return function  # type: ignore[no-any-return]  # a callable of the implementation


def _expect_error(expect: Case, call: Callable[[], object]) -> BaseException:
    """Run ``call`` expecting one of the named exception classes (and message words)."""
    classes = error_classes(expect["error"])
    try:
        result = call()
    except (NotImplementedError, _NotImplemented):
        raise
    except classes as error:
        message = str(error).lower()
        missing = [w for w in expect.get("message_contains", []) if w.lower() not in message]
        if missing:
            raise _Failure(f"{type(error).__name__} raised, but its message does not name {missing}: {error}") from None
        return error
    except Exception as error:  # noqa: BLE001 - any other class is the failure being reported
        raise _Failure(f"expected {' or '.join(expect['error'])}, got {type(error).__name__}: {error}") from None
    raise _Failure(f"expected {' or '.join(expect['error'])}, but it returned {summarize(result)}")


def _call_unmodified(function: Function, arrays: dict[str, Any], **kwargs: object) -> Any:
    """Call with the arrays as keyword arguments and fail if any of them was modified (R7.1)."""
    before = {name: None if a is None else np.array(a, copy=True) for name, a in arrays.items()}
    result = function(**arrays, **kwargs)
    for name, copy in before.items():
        if copy is not None and not np.array_equal(copy, arrays[name], equal_nan=copy.dtype.kind in "fc"):
            raise _Failure(f"the call modified its input {name} (R7.1: inputs are never modified)", spec="R7.1")
    return result


# ---------------------------------------------------------------- output_size


def _output_length(impl: Adapter, args: Case) -> Any:
    return _function(impl, "output_length")(**{k: decode(v) for k, v in args.items()})


def check_output_length(case: Case, impl: Adapter) -> float | None:
    expect = case["expect"]
    if "error" in expect:
        _expect_error(expect, lambda: _output_length(impl, case["args"]))
        return None
    got = _output_length(impl, case["args"])
    if got != expect["value"] or isinstance(got, bool):
        raise _Failure(
            f"output_length returned {got!r}, expected {expect['value']}",
            abs(got - expect["value"]) if isinstance(got, int) else None,
        )
    return None


def _check_rows(impl: Adapter, rows: list[tuple[Any, Any, Any, Any, Any]]) -> None:
    function = _function(impl, "output_length")
    wrong, max_error = [], 0
    for length, filter_size, stride, cropping, expected in rows:
        try:
            got = function(length=length, filter_size=filter_size, stride=stride, cropping=cropping)
        except NotImplementedError:
            raise
        except ValueError as error:
            got = "ValueError" if expected == "ValueError" else f"ValueError ({error})"
        except Exception as error:  # noqa: BLE001 - reported as the wrong outcome
            got = f"{type(error).__name__} ({error})"
        if got != expected:
            wrong.append(f"L={length} F={filter_size} S={stride} cropping={cropping}: got {got}, expected {expected}")
            if isinstance(got, int) and isinstance(expected, int):
                max_error = max(max_error, abs(got - expected))
    if wrong:
        more = f" (and {len(wrong) - 3} more)" if len(wrong) > 3 else ""
        raise _Failure(f"{len(wrong)} of {len(rows)} rows wrong: " + "; ".join(wrong[:3]) + more, max_error or None)


def check_output_length_grid(case: Case, impl: Adapter) -> float | None:
    rows = [(case["length"], case["filter_size"], case["stride"], c, e) for c, e in case["rows"]]
    _check_rows(impl, rows)
    return None


def check_output_length_table(case: Case, impl: Adapter) -> float | None:
    rows = [(length, case["filter_size"], case["stride"], c, e) for length, c, e in case["rows"]]
    _check_rows(impl, rows)
    return None


# ---------------------------------------------------------------- the operation


def _view(array: npt.NDArray[Any], layout: str | None) -> npt.NDArray[Any]:
    """The same values in another memory layout (R7.2): what a case's ``layout`` asks for."""
    if layout is None:
        return array
    if layout == "reversed":  # negative strides on every axis
        index = (slice(None, None, -1),) * array.ndim
        reversed_view: npt.NDArray[Any] = array[index].copy()[index]
        return reversed_view
    if layout == "strided":  # every other element of a buffer twice as long
        strided: npt.NDArray[Any] = np.repeat(array, 2, axis=-1)[..., ::2]
        return strided
    if layout == "fortran":
        fortran: npt.NDArray[Any] = np.asfortranarray(array)
        return fortran
    if layout == "readonly":
        view: npt.NDArray[Any] = array.copy()
        view.flags.writeable = False
        return view
    raise ValueError(f"unknown layout {layout!r}")


def _operation_inputs(case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    layout = case.get("layout")
    arrays: dict[str, Any] = {
        "x": _view(make_array(case["x"]), layout),
        "weights": _view(make_array(case["weights"]), layout),
    }
    if "bias" in case:
        arrays["bias"] = None if case["bias"] is None else _view(make_array(case["bias"]), layout)
    if "dy" in case:
        arrays["dy"] = _view(make_array(case["dy"]), layout)
    options = {"stride": case["stride"], "cropping": case["cropping"], "fmt": case["fmt"]}
    return arrays, options


def _oracle_bias(arrays: dict[str, Any]) -> npt.NDArray[Any] | None:
    bias = arrays.get("bias")
    return None if bias is None else np.asarray(bias).ravel()


def check_forward(case: Case, impl: Adapter) -> float | None:
    function = _function(impl, "transposed_conv1d")
    arrays, options = _operation_inputs(case)
    expect = case["expect"]
    if "error" in expect:
        _expect_error(expect, lambda: _call_unmodified(function, arrays, **options))
        return None
    y = _call_unmodified(function, arrays, **options)
    if "values" in expect:
        expected = make_array(expect["values"])
        rtol = {"float32": 1e-5}.get(expect["values"]["dtype"], 1e-12)
        ok, message, error = compare(y, expected, rtol, expect["values"]["dtype"])
    else:
        expected = oracle.forward_fmt(
            arrays["x"], arrays["weights"], _oracle_bias(arrays), options["stride"], options["cropping"], options["fmt"]
        )
        if "shape" in expect and list(expected.shape) != expect["shape"]:
            raise AssertionError(f"case data and oracle disagree on the shape: {expect['shape']} vs {expected.shape}")
        ok, message, error = compare(y, expected, expect["rtol"], expect.get("dtype"))
    if not ok:
        raise _Failure(message, error)
    return error


def _backward(case: Case, impl: Adapter) -> tuple[Function, dict[str, Any], dict[str, Any]]:
    function = _function(impl, "transposed_conv1d_backward")
    arrays, options = _operation_inputs(case)
    arrays.pop("bias", None)
    return function, arrays, options


def _as_bias_shape(db: object, num_filters: int) -> npt.NDArray[Any]:
    array = np.asarray(db)
    # db may be (NumFilters,) or the bias's (1, NumFilters) (both documented).
    return array.reshape(num_filters) if array.size == num_filters else array


def check_backward(case: Case, impl: Adapter) -> float | None:
    function, arrays, options = _backward(case, impl)
    expect = case["expect"]
    if "error" in expect:
        _expect_error(expect, lambda: _call_unmodified(function, arrays, **options))
        return None
    result = _call_unmodified(function, arrays, **options)
    try:
        dx, dw, db = result
    except (TypeError, ValueError):
        raise _Failure(f"expected (dx, dweights, dbias), got {summarize(result)}") from None
    num_filters = arrays["weights"].shape[1]
    if "dx" in expect:
        expected: dict[str, npt.NDArray[Any]] = {name: make_array(expect[name]) for name in ("dx", "dweights", "dbias")}
        dtype = expect["dx"]["dtype"]
        rtol = {"float32": 1e-5}.get(dtype, 1e-12)
    else:
        edx, edw, edb = oracle.backward_fmt(
            arrays["x"], arrays["weights"], arrays["dy"], options["stride"], options["cropping"], options["fmt"]
        )
        expected = {"dx": edx, "dweights": edw, "dbias": edb}
        dtype, rtol = expect.get("dtype"), expect["rtol"]
    worst = 0.0
    for name, got in (("dx", dx), ("dweights", dw), ("dbias", _as_bias_shape(db, num_filters))):
        ok, message, error = compare(got, expected[name], rtol, dtype)
        if not ok:
            raise _Failure(f"{name}: {message}", error)
        worst = max(worst, error or 0.0)
    return worst


def check_adjoint(case: Case, impl: Adapter) -> float | None:
    forward = _function(impl, "transposed_conv1d")
    function, arrays, options = _backward(case, impl)
    x, w, dy = arrays["x"], arrays["weights"], arrays["dy"]
    y = np.asarray(_call_unmodified(forward, {"x": x, "weights": w, "bias": None}, **options), dtype=np.float64)
    dx, dw, _ = _call_unmodified(function, arrays, **options)
    dx, dw = np.asarray(dx, dtype=np.float64), np.asarray(dw, dtype=np.float64)
    if y.shape != dy.shape or dx.shape != x.shape or dw.shape != w.shape:
        raise _Failure(f"shapes: y {y.shape} (dy {dy.shape}), dx {dx.shape} (x {x.shape}), dw {dw.shape} (w {w.shape})")
    dy64, x64, w64 = dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    lhs = float(np.sum(y * dy64))
    scale = float(np.sum(np.abs(y * dy64))) or 1.0
    worst = 0.0
    for name, rhs in (("<x, dx>", float(np.sum(x64 * dx))), ("<W, dW>", float(np.sum(w64 * dw)))):
        error = abs(lhs - rhs)
        worst = max(worst, error)
        if error / scale > case["expect"]["rtol"]:
            raise _Failure(f"<forward(x), dy> = {lhs!r} but {name} = {rhs!r} (relative {error / scale:.3g})", error)
    return worst


# ---------------------------------------------------------------- the layer


def _make_layer(case: Case, impl: Adapter, **extra_options: object) -> Any:
    constructor = _function(impl, "transposed_conv1d_layer")
    args = [decode(a) for a in case.get("args", [])]
    options = {k: decode(v) for k, v in case.get("options", {}).items()}
    options.update(extra_options)
    return constructor(*args, **options)


def _initialize(layer: Any, case: Case) -> None:
    if "initialize" in case:
        layer.initialize(**case["initialize"])


def _is_empty(value: Any) -> bool:
    return value is None or (hasattr(value, "__len__") and np.size(value) == 0)


def _check_property(layer: Any, name: str, expected: Any) -> str | None:
    try:
        actual = getattr(layer, name)
    except AttributeError:
        return f"has no property {name!r}"
    if isinstance(expected, dict) and expected.get("empty"):
        return None if _is_empty(actual) else f"{name} = {summarize(actual)}, expected empty"
    if isinstance(expected, dict):
        if _is_empty(actual):
            return f"{name} is empty, expected {summarize(make_array(expected))}"
        ok, message, _ = compare(actual, make_array(expected), 0.0, expected["dtype"])
        return None if ok else f"{name}: {message}"
    if isinstance(expected, str):
        ok = isinstance(actual, str) and actual == expected
        return None if ok else f"{name} = {actual!r}, expected {expected!r}"
    if isinstance(expected, list):
        try:
            ok = np.asarray(actual).ravel().tolist() == expected
        except Exception:  # noqa: BLE001 - not convertible: reported as wrong
            ok = False
        return None if ok else f"{name} = {actual!r}, expected {expected}"
    ok = (
        not isinstance(actual, (str, bool))
        and actual is not None
        and np.ndim(actual) == 0
        and _number_equals(actual, expected)
    )
    return None if ok else f"{name} = {actual!r}, expected {expected!r}"


def _number_equals(actual: Any, expected: float) -> bool:
    """Integers exactly (2^63 - 1 has no float64 twin); anything else by value."""
    if isinstance(expected, int) and isinstance(actual, (int, np.integer)):
        return int(actual) == expected
    return float(actual) == expected


def _check_properties(layer: Any, expected: Case) -> None:
    wrong = [m for name, value in expected.items() if (m := _check_property(layer, name, value))]
    if wrong:
        raise _Failure("; ".join(wrong))


def check_layer(case: Case, impl: Adapter) -> float | None:
    expect = case["expect"]

    def build() -> Any:
        layer = _make_layer(case, impl)
        _initialize(layer, case)
        return layer

    if "set" in case:
        layer = build()
        prop, value = case["set"]["property"], decode(case["set"]["value"])
        if "error" in expect:
            _expect_error(expect, lambda: setattr(layer, prop, value))
        else:
            setattr(layer, prop, value)
    elif "error" in expect:
        _expect_error(expect, build)
        return None
    else:
        layer = build()
    _check_properties(layer, expect.get("properties", {}))
    return None


def _normalized_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def check_layer_display(case: Case, impl: Adapter) -> float | None:
    layer = _make_layer(case, impl)
    _initialize(layer, case)
    shown = _normalized_lines(str(layer))
    position = 0
    for wanted in case["expect"]["lines"]:
        wanted = " ".join(wanted.split())
        while position < len(shown) and shown[position] != wanted:
            position += 1
        if position == len(shown):
            raise _Failure(f"display lacks the line {wanted!r} (in this order); it shows: " + " | ".join(shown))
        position += 1
    return None


def check_layer_initializer(case: Case, impl: Adapter) -> float | None:
    layer = _make_layer(case, impl)
    _initialize(layer, case)
    values = getattr(layer, case["parameter"])
    if _is_empty(values):
        raise _Failure(f"{case['parameter']} is empty after initialize()")
    values = np.asarray(values)
    for check in case["checks"]:
        ok, message = stats.run_check(check, values)
        if not ok:
            raise _Failure(f"{check['test']}: {message}")
    return None


def check_layer_predict(case: Case, impl: Adapter) -> float | None:
    """Lazy initialization at the first forward call (R5) and the layer's channel check (R4.4)."""
    layer = _make_layer(case, impl)
    x = make_array(case["x"])
    expect = case["expect"]
    predict = getattr(layer, "predict", None)
    if predict is None:
        raise _NotImplemented("not implemented: layer.predict")
    if "error" in expect:
        _expect_error(expect, lambda: predict(x, fmt=case["fmt"]))
        return None
    y = predict(x, fmt=case["fmt"])
    _check_properties(layer, expect["properties"])
    weights, bias = np.asarray(layer.weights), np.asarray(layer.bias)
    if list(weights.shape) != expect["weights_shape"] or list(bias.shape) != expect["bias_shape"]:
        raise _Failure(
            f"after predict, weights {weights.shape} and bias {bias.shape}; expected "
            f"{tuple(expect['weights_shape'])} and {tuple(expect['bias_shape'])}"
        )
    cropping = "same" if str(layer.cropping_mode).lower() == "same" else [int(v) for v in np.ravel(layer.cropping_size)]
    expected = oracle.forward_fmt(x, weights, bias.ravel(), int(layer.stride), cropping, case["fmt"])
    if list(expected.shape) != expect["shape"]:
        raise AssertionError(f"case data and oracle disagree on the shape: {expect['shape']} vs {expected.shape}")
    ok, message, error = compare(y, expected, expect["rtol"], x.dtype)
    if not ok:
        raise _Failure(f"predict: {message}", error)
    return error


def check_update_step(case: Case, impl: Adapter) -> float | None:
    """R6.1, R6.2 through one update step (R11): the factors scale the learning rate and the L2 term."""
    make_solver = _function(impl, "solver")
    layer = _make_layer(case, impl)
    solver = make_solver(case["solver"], **case["solver_options"])
    dweights, dbias = make_array(case["dweights"]), make_array(case["dbias"])
    kept = (dweights.copy(), dbias.copy())
    solver.step(layer, dweights, dbias)
    if not (np.array_equal(kept[0], dweights) and np.array_equal(kept[1], dbias)):
        raise _Failure("step modified the gradients it was given", spec="R7.1")
    worst = 0.0
    expect = case["expect"]
    for name in ("weights", "bias"):
        got = np.asarray(getattr(layer, name), dtype=np.float64)
        want = make_array(expect[name])
        if got.shape != want.shape:
            raise _Failure(f"after the step, {name} has shape {got.shape}, expected {want.shape}")
        error = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)))
        if error > expect["rtol"]:
            raise _Failure(f"{name} after one {case['solver']} step: {got.ravel()} expected {want.ravel()}", error)
        worst = max(worst, error)
    return worst


class _SentinelError(Exception):
    """Raised inside a callable initializer: must reach the caller unchanged (R5.5)."""


def check_layer_initializer_callable(case: Case, impl: Adapter) -> float | None:
    calls: list[list[int]] = []
    behaviour = case["behaviour"]
    sentinel = _SentinelError("raised by the initializer")

    def initializer(size: Iterable[int]) -> npt.NDArray[np.float32]:
        calls.append([int(s) for s in size])
        if behaviour == "raise":
            raise sentinel
        shape = [int(s) for s in size]
        if behaviour == "wrong_size":
            shape[-1] += 1
        return np.full(shape, case.get("fill", 1.0), dtype=np.float32)

    option = "WeightsInitializer" if case["parameter"] == "weights" else "BiasInitializer"
    layer = _make_layer(case, impl, **{option: initializer})
    expect = case["expect"]
    if behaviour == "raise":
        try:
            _initialize(layer, case)
        except _SentinelError as error:
            if error is not sentinel:
                raise _Failure("a different exception object reached the caller") from None
            return None
        except Exception as error:  # noqa: BLE001 - wrapped or replaced: the failure reported
            raise _Failure(
                f"the initializer's exception did not propagate unchanged: got {type(error).__name__}: {error}"
            ) from None
        raise _Failure("the initializer raised, but initialize() returned normally")
    if "error" in expect:
        _expect_error(expect, lambda: _initialize(layer, case))
        return None
    _initialize(layer, case)
    if calls != expect["calls"]:
        raise _Failure(f"the initializer was called with {calls}, expected {expect['calls']} (once)")
    values = np.asarray(getattr(layer, case["parameter"]))
    if list(values.shape) != expect["calls"][0] or not np.all(values == expect["constant"]):
        raise _Failure(f"{case['parameter']} = {summarize(values)}, expected the callable's result")
    return None


def check_layer_initializer_seed(case: Case, impl: Adapter) -> float | None:
    def draw(seed: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        layer = _make_layer(case, impl)
        layer.initialize(num_channels=case["num_channels"], seed=seed)
        return np.array(layer.weights), np.array(layer.bias)

    first, again, other = draw(case["seed"]), draw(case["seed"]), draw(case["other_seed"])
    if not (np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])):
        raise _Failure(f"seed {case['seed']} gave different parameters on two layers")
    if np.array_equal(first[0], other[0]):
        raise _Failure(f"seeds {case['seed']} and {case['other_seed']} gave the same weights")
    return None


CHECKS: dict[str, Callable[[Case, Adapter], float | None]] = {
    "output_length": check_output_length,
    "output_length_grid": check_output_length_grid,
    "output_length_table": check_output_length_table,
    "forward": check_forward,
    "backward": check_backward,
    "adjoint": check_adjoint,
    "layer": check_layer,
    "layer_display": check_layer_display,
    "layer_initializer": check_layer_initializer,
    "layer_initializer_callable": check_layer_initializer_callable,
    "layer_initializer_seed": check_layer_initializer_seed,
    "layer_predict": check_layer_predict,
    "update_step": check_update_step,
}


# ---------------------------------------------------------------- driving


def describe_inputs(case: Case) -> str:
    """A one-line summary of what the case feeds the implementation."""
    kind = case["kind"]
    if kind == "output_length":
        return ", ".join(f"{k}={v!r}" for k, v in case["args"].items())
    if kind == "output_length_grid":
        return f"L={case['length']} F={case['filter_size']} S={case['stride']}, {len(case['rows'])} croppings"
    if kind == "output_length_table":
        return f"F={case['filter_size']} S={case['stride']}, {len(case['rows'])} lengths"
    if kind in ("forward", "backward", "adjoint", "layer_predict"):
        parts = []
        for name in ("x", "weights", "bias", "dy"):
            if name in case:
                spec = case[name]
                parts.append(f"{name}=None" if spec is None else f"{name}={summarize(make_array(spec))}")
        if kind == "layer_predict":
            parts.insert(0, f"transposed_conv1d_layer({case['args']}, {case['options']}).predict")
            parts.append(f"fmt={case['fmt']!r}")
        else:
            parts.append(f"stride={case['stride']} cropping={case['cropping']!r} fmt={case['fmt']!r}")
        if "layout" in case:
            parts.append(f"as {case['layout']} views")
        return ", ".join(parts)
    args = ", ".join(repr(a) for a in case.get("args", []))
    options = ", ".join(f"{k}={summarize(decode(v))}" for k, v in case.get("options", {}).items())
    text = f"transposed_conv1d_layer({', '.join(p for p in (args, options) if p)})"
    if "initialize" in case:
        text += f".initialize({case['initialize']})"
    if "set" in case:
        text += f"; .{case['set']['property']} = {case['set']['value']!r}"
    if case["kind"] == "update_step":
        text += f"; solver({case['solver']!r}, {case['solver_options']}).step(layer, dW, db)"
    return text


def run_case(case: Case, impl: Adapter) -> Result:
    """Run one case against an implementation (an adapter: see adapters/__init__.py)."""
    result = Result(case["id"], case.get("category", case["id"].split("/")[0]), case["spec"], PASSED)
    start = time.perf_counter()
    unavailable = getattr(impl, "UNAVAILABLE", None)
    try:
        if unavailable:
            raise _NotImplemented(f"unavailable: {unavailable}")
        result.max_error = CHECKS[case["kind"]](case, impl)
    except _NotImplemented as why:
        result.status, result.message = SKIPPED, str(why)
    except NotImplementedError as why:
        result.status, result.message = SKIPPED, f"not implemented: {why}" if str(why) else "not implemented"
    except _Failure as failure:
        result.status, result.message, result.max_error = FAILED, str(failure), failure.max_error
        result.spec = failure.spec or result.spec
    except Exception as error:  # noqa: BLE001 - an unexpected exception is a failure of the case
        result.status, result.message = FAILED, f"raised {type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - start
    if result.status == FAILED:
        try:
            result.inputs = describe_inputs(case)
        except Exception as error:  # noqa: BLE001 - the summary must never hide the result
            result.inputs = f"(could not summarize: {error})"
    return result


def run_cases(
    impl: str | Adapter = "tconv1d",
    categories: Iterable[str] | None = None,
    progress: Callable[[int, int, Case, str], None] | None = None,
) -> list[Result]:
    """Run every case of the chosen categories; ``impl`` is a name, a module or an adapter."""
    from .adapters import load_adapter
    from .cases import load_cases

    adapter = load_adapter(impl) if isinstance(impl, str) else impl
    cases = load_cases(categories)
    results = []
    for index, case in enumerate(cases):
        results.append(run_case(case, adapter))
        if progress is not None:
            progress(index + 1, len(cases), case, results[-1].status)
    return results
