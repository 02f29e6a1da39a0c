// Streaming forward pass (SPEC R13): an unbounded signal upsampled chunk by
// chunk, the concatenated outputs equal to the whole-signal forward pass.
//
// After m input samples, full-output position p (R2.1's coordinates, before
// cropping) is final once p < m*S: no later sample reaches it. A position is
// also certain to exist in the output once the stream could end there, so with
// a manual crop [l r] the outputs returned after m samples end at full position
// min(m*S, (m-1)*S + F - r); with "same" (whose l and r depend on F and S only)
// at m*S. flush() returns the rest, up to the whole signal's end.
//
// Between calls the stream keeps only the samples that can still reach an
// output it has not written: at most (F + max(0, r - F + S)) / S + 2 of them,
// so its memory is O((F + r) * C) per batch item besides the weights,
// independent of the signal's and the chunks' lengths. A push computes the
// outputs the held samples reach (a few: the seam) from a window of those
// samples and the chunk's first ones, and the rest straight from the chunk.
//
// Usage: y of length outputs_for(m); push(chunk of m samples, y); ...;
// y of length outputs_at_flush(); flush(y). Every call validates before it
// changes anything: a call that throws leaves the stream as it was, except
// flush(), after which the stream is closed whatever happened.
#pragma once

#include <cstdint>
#include <memory>

#include "tconv1d/export.h"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d {

template <class T>
class TCONV1D_TYPE Stream {
public:
    // The weights and bias are copied (bias may be empty). Every chunk has
    // batch_outer x batch_inner items and weights.channels channels.
    TCONV1D_API Stream(const WeightsView<const T>& weights, const BiasView<const T>& bias,
                       std::int64_t stride, const CroppingSpec& cropping, std::int64_t batch_outer,
                       std::int64_t batch_inner);
    TCONV1D_API ~Stream();
    TCONV1D_API Stream(Stream&&) noexcept;
    TCONV1D_API Stream& operator=(Stream&&) noexcept;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;

    // How many outputs push() of a chunk of `length` samples writes: those that
    // no later sample reaches and that the signal has whatever comes next.
    TCONV1D_API std::int64_t outputs_for(std::int64_t length) const;

    // Takes the next samples (N, C, m), m >= 0, and writes the outputs now final
    // into y (N, K, outputs_for(m)). The chunk is only read during the call.
    TCONV1D_API void push(const DataView<const T>& chunk, const DataView<T>& y);

    // How many outputs flush() writes: every one not yet written. Throws what
    // the whole-signal forward pass would (no samples at all, R2.4; an output
    // shorter than one element, R2.2; sizes beyond 64 bits, R2.5).
    TCONV1D_API std::int64_t outputs_at_flush() const;

    // Marks the end of the signal and writes the rest into y (N, K,
    // outputs_at_flush()). The stream is closed afterwards, even if this throws.
    TCONV1D_API void flush(const DataView<T>& y);

    // Outputs the whole signal would have if it ended now but that are held
    // back until the next push or flush (SPEC R13.3); depends on F, S, cropping.
    TCONV1D_API std::int64_t latency() const;
    TCONV1D_API std::int64_t samples_pushed() const;
    TCONV1D_API std::int64_t outputs_written() const;
    TCONV1D_API bool closed() const;
    // Samples the stream holds between calls (SPEC R13.4).
    TCONV1D_API std::int64_t samples_held() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tconv1d
