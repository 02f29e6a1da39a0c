// Internal: the fast CPU implementations of the four passes, one file each
// (cpu/forward.cpp with forward_taps.hpp, forward_dots.hpp, forward_rows.hpp and
// forward_split.hpp, backward_data.cpp
// with backward_data_dots.hpp, backward_weights.cpp with
// backward_weights_dots.hpp, backward_bias.cpp; packing in cpu/packing.hpp, the
// micro-kernel body's choice in cpu/isa.cpp, budgets in cpu/budget.hpp, the
// strategy choice in cpu/strategy.hpp and cost.hpp). Each returns false when
// it does not take the shape (the caller then runs the reference). The views
// have already been validated.
//
// How they work. A stride-S transposed convolution splits into S phases: full-output
// position j = q*S + p (phase p) collects taps f = p + m*S, m < M_p =
// ceil((F - p)/S), from inputs i = q - m:
//     yfull[n,k,q*S+p] = sum_m sum_c W[p+m*S,k,c] * x[n,c,q-m].
// Each phase is a stride-1 correlation, run as a GEMM whose rows are filters k
// (broadcast from a packed weight panel) and whose columns are positions q
// (vectors read from zero-padded slabs of x, shifted by m: no column buffer).
// Crop, bias and the bias-only "same" extension are applied when a tile is
// stored. backward-data is the same GEMM with rows c over the phase-split dy;
// backward-weights reduces phase-split dy rows against the transposed input.
//
// Strategies (cpu/strategy.hpp): that is the per-item layout. For short
// inputs the columns can instead be the pairs (batch item, position) of the
// whole batch ("batched"), and the forward pass can run one GEMM whose rows
// are the pairs (tap, filter) ("taps", cpu/forward_taps.hpp) or, for inputs
// of a few positions, gather dot products of weight rows read in place with
// input columns ("dots", cpu/forward_dots.hpp), or for few output channels
// correlate each input row with its taps in registers ("rows",
// cpu/forward_rows.hpp), or, for filters longer than the stride, run as
// three forward passes of half the positions (a fast FIR filter: "split",
// cpu/forward_split.hpp); backward-data's "dots"
// streams the weights in place as the micro-kernel's vector operand, a group
// of MR dx columns at a time (cpu/backward_data_dots.hpp); backward-weights'
// "dots" takes each dW element as a dot product of a phase-split dy row with
// an input row along the positions, for few pairs (tap, filter) and few
// channels, whose tiles would be mostly padding
// (cpu/backward_weights_dots.hpp). Each pass
// weighs the strategies whose workspace fits by estimated cycles from the
// shape alone, so the choice never depends on the thread count.
//
// Determinism: every output element is reduced by exactly one micro-kernel
// call sequence in a fixed order (or, where backward-weights cuts a long
// reduction into ranges, their number from the shape alone, by one per
// range, the partial sums added in range order); threads only split the set
// of tiles and ranges, so the result is bitwise identical for any thread
// count.
//
// Memory: every strategy's workspace is planned within the elements of the
// call's inputs and outputs plus 64 KiB (plus a tile set per thread; per-item packing in
// batch slices); shapes where no strategy fits run the direct path
// (cpu/direct.hpp, no workspace at all). A pass sizes
// its workspace up front and takes it in one block (workspace.hpp) before any
// parallel region; each thread works in its own slice of it.
//
// Strides: only the phases that have taps (p < min(S, F)) are packed or
// looped over; outputs of the others hold the bias alone. Work and memory
// therefore follow the inputs and outputs, never the stride.
//
// Inf and NaN: the kernels skip or add products with zero padding, which only
// matters for non-finite operands; cpu/nonfinite.hpp repairs those entries.
#pragma once

#include <cstdint>
#include <vector>

#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

// The forward pass's packed weights (its phase panels), kept between calls by
// a caller whose Weights do not change (the stream, R13): a call that runs a
// phase-panel strategy packs into it once and later calls reuse it. It
// describes one set of Weights; the caller must not pass it with others.
template <class T>
struct PhasePanels {
    std::vector<T> storage;  // over-allocated so that `data` starts on a cache line, as workspace does
    T* data = nullptr;
    std::int64_t filter_size = 0, stride = 0, channels = 0, rows = 0, mr = 0;
    bool nonfinite = false;
};

// `head`, when given, holds samples that come before x's (the stream's held
// samples, R13: same batch and channels), and geometry.length counts both.
// Only the per-item strategy with `reuse` already packed reads one; where the
// cost model picks another, forward returns false and writes nothing.
template <class T>
bool forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& geometry, const DataView<T>& y, PhasePanels<T>* reuse = nullptr,
             const DataView<const T>* head = nullptr);

template <class T>
bool backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights, const Geometry& geometry,
                   const DataView<T>& dx);

template <class T>
bool backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& geometry,
                      const WeightsView<T>& dweights);

template <class T>
bool backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias);

// Name of the micro-kernel body in use ("portable", "baseline", "avx2", "avx512"), chosen at
// first use from the CPU's features or the TCONV1D_ISA environment variable.
// Throws std::invalid_argument for an unknown TCONV1D_ISA value and
// std::runtime_error for a body this build or this CPU cannot run.
const char* isa_name();

}  // namespace tconv1d::cpu
