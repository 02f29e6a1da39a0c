// Geometry of a 1-D transposed convolution (SPEC R2): output length and the
// resolution of the cropping. This is the single source of truth for sizes;
// the Python package asks these functions instead of re-deriving formulas.
#pragma once

#include <cstdint>

#include "tconv1d/export.h"

namespace tconv1d {

// How the caller asked for cropping: either an explicit [left right] pair
// ("manual") or "same" (resolved against the input length, R2.3).
struct TCONV1D_TYPE CroppingSpec {
    bool same = false;
    std::int64_t left = 0;   // ignored when same
    std::int64_t right = 0;  // ignored when same

    static CroppingSpec manual(std::int64_t left, std::int64_t right) { return {false, left, right}; }
    static CroppingSpec make_same() { return {true, 0, 0}; }
};

// Everything a pass needs to know about sizes, resolved and validated.
//
// Output position t reads full-output position t + crop_left. When "same" is
// asked with filter_size < stride, the output is longer than the full output:
// the last `extension` positions lie past full_length and hold only the bias.
struct TCONV1D_TYPE Geometry {
    std::int64_t length = 0;       // L, input length along the upsampled axis
    std::int64_t filter_size = 0;  // F
    std::int64_t stride = 0;       // S
    std::int64_t crop_left = 0;    // l >= 0
    std::int64_t crop_right = 0;   // r >= 0
    std::int64_t extension = 0;    // >= 0, only for "same" with F < S
    std::int64_t full_length = 0;  // Lfull = (L - 1) * S + F
    std::int64_t out_length = 0;   // Lfull - l - r + extension, always >= 1
};

// Resolves and validates the geometry. Throws std::invalid_argument (a
// Python ValueError) naming the offending quantity for non-positive sizes,
// negative crops or an output shorter than one element, and
// std::overflow_error (a Python OverflowError) when a size does not fit in
// 64 bits.
TCONV1D_API Geometry resolve_geometry(std::int64_t length, std::int64_t filter_size, std::int64_t stride,
                                      const CroppingSpec& cropping);

// Convenience: resolve_geometry(...).out_length.
TCONV1D_API std::int64_t output_length(std::int64_t length, std::int64_t filter_size, std::int64_t stride,
                                       const CroppingSpec& cropping);

}  // namespace tconv1d
