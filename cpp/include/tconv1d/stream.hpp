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
// The stream keeps only the samples that can still reach an output it has not
// returned: about (F + max(0, r - F + S)) / S + 1 of them besides the chunk, so
// its memory is O((chunk + F + r) * C) per batch item, independent of the
// signal's length.
//
// Usage: n = push(chunk); read(y) with y of length n; ...; n = flush(); read(y).
// Every call validates before it changes anything: a call that throws leaves
// the stream as it was. After flush() the stream is closed.
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

    // Takes the next samples (N, C, m), m >= 0; returns ready(), the number of
    // outputs now final (those of earlier calls not yet read included).
    TCONV1D_API std::int64_t push(const DataView<const T>& chunk);

    // Marks the end of the signal and returns ready(): every output not yet
    // returned. Throws what the whole-signal forward pass would (no samples at
    // all, an output shorter than one element); the stream is closed either way.
    TCONV1D_API std::int64_t flush();

    // Writes the ready() outputs into y (N, K, ready()) and hands them over.
    TCONV1D_API void read(const DataView<T>& y);

    TCONV1D_API std::int64_t ready() const;
    // Outputs the whole signal would have if it ended now but that are held
    // back until the next push or flush (SPEC R13.3); depends on F, S, cropping.
    TCONV1D_API std::int64_t latency() const;
    TCONV1D_API std::int64_t samples_pushed() const;
    TCONV1D_API std::int64_t outputs_read() const;
    TCONV1D_API bool closed() const;
    // Samples the stream holds now (at most the chunk plus the bound above).
    TCONV1D_API std::int64_t samples_held() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tconv1d
