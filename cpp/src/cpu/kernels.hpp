// Internal: the fast CPU implementations of the four passes, one file each
// (cpu/forward.cpp, backward_data.cpp, backward_weights.cpp, backward_bias.cpp;
// packing in cpu/packing.hpp, the micro-kernel body in cpu/isa.cpp). Each
// returns false when it does not take the shape (the caller then runs the
// reference). The views have already been validated.
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
// Determinism: every output element is reduced by exactly one micro-kernel
// call sequence in a fixed order; threads only split the set of tiles, so the
// result is bitwise identical for any thread count.
//
// Memory: the packed copies are sized per batch slice and the slice is chosen
// so that the workspace never exceeds the elements of the call's inputs and
// outputs (plus a tile set per thread); shapes where even one batch does not
// fit run the direct path (cpu/direct.hpp, no workspace at all). A pass sizes
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

#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

template <class T>
bool forward(const DataView<const T>& x, const WeightsView<const T>& weights, const BiasView<const T>& bias,
             const Geometry& geometry, const DataView<T>& y);

template <class T>
bool backward_data(const DataView<const T>& dy, const WeightsView<const T>& weights, const Geometry& geometry,
                   const DataView<T>& dx);

template <class T>
bool backward_weights(const DataView<const T>& x, const DataView<const T>& dy, const Geometry& geometry,
                      const WeightsView<T>& dweights);

template <class T>
bool backward_bias(const DataView<const T>& dy, const BiasView<T>& dbias);

// Name of the micro-kernel body in use ("baseline", "avx2", "avx512"), chosen at
// first use from the CPU's features or the TCONV1D_ISA environment variable.
// Throws std::invalid_argument for an unknown TCONV1D_ISA value and
// std::runtime_error for a body this build or this CPU cannot run.
const char* isa_name();

}  // namespace tconv1d::cpu
