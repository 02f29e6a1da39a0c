// Streaming forward pass (SPEC R13): the bookkeeping of which full-output
// positions are final, and windows of samples handed to forward() with a crop
// that selects exactly the positions to write. Every position is computed by
// one forward() call over a window holding every sample that reaches it, so
// its sum has the same terms as in the whole-signal call.
#include "tconv1d/stream.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "checked.hpp"
#include "cpu/kernels.hpp"
#include "forward_reusing.hpp"

namespace tconv1d {

template <class T>
struct Stream<T>::State {
    std::int64_t filter_size = 0, num_filters = 0, channels = 0, stride = 0;
    bool same = false;
    std::int64_t crop_left = 0, crop_right = 0;  // resolved: "same" depends on F and S only
    std::int64_t batch_outer = 1, batch_inner = 1;
    std::vector<T> weights;      // [f][k][c], contiguous
    std::vector<T> bias;         // empty: no bias
    cpu::PhasePanels<T> panels;  // the weights packed by the first push, reused by the others

    // Held samples: global indices [first, pushed), for each batch item n a
    // block of `capacity` samples of all channels, channels contiguous
    // ([n][i][c]); a push may put the chunk's first samples after them (the
    // seam window). Channels-last keeps a window of a few samples in a few
    // cache lines per item, where rows per (n, c) would touch B * C lines.
    std::vector<T> samples;
    std::int64_t capacity = 0, first = 0, pushed = 0;
    // Full-output positions [crop_left, written) were written.
    std::int64_t written = 0;
    bool closed = false;

    std::int64_t batch() const { return batch_outer * batch_inner; }
    std::int64_t held() const { return pushed - first; }

    // Where the positions certain to be final and to exist end after m samples.
    std::int64_t ready_end(std::int64_t m) const {
        if (m == 0) return crop_left;
        const std::int64_t final_positions = checked_mul(m, stride, "samples * Stride");
        if (same) return std::max(crop_left, final_positions);
        // The stream could end now: the whole signal would end at (m-1)*S + F - r.
        const std::int64_t full = checked_add(checked_mul(m - 1, stride, "(samples - 1) * Stride"),
                                              filter_size, "(samples - 1) * Stride + FilterSize");
        return std::max(crop_left, std::min(final_positions, full - crop_right));
    }

    // The first sample that still reaches a position >= `position`, never past
    // floor(position / S) (so the window starts at or before it) nor past `m`.
    std::int64_t first_needed(std::int64_t position, std::int64_t m) const {
        const std::int64_t reach = position - filter_size + 1;
        const std::int64_t lowest = reach <= 0 ? 0 : reach / stride + (reach % stride != 0 ? 1 : 0);
        return std::min({lowest, position / stride, m});
    }

    // The held samples and `extra` samples after them, as (N, C, held + extra).
    DataView<const T> window(std::int64_t extra) const {
        DataView<const T> v;
        v.data = samples.data();
        v.batch_outer = batch_outer;
        v.batch_inner = batch_inner;
        v.channels = channels;
        v.length = held() + extra;
        v.channel_stride = 1;
        v.length_stride = channels;
        v.batch_inner_stride = capacity * channels;
        v.batch_outer_stride = batch_inner * capacity * channels;
        return v;
    }

    T* item(std::int64_t n) { return samples.data() + n * capacity * channels; }

    // Of the positions [lo, hi), those reached by a window of `length` samples
    // whose first sits at full position `base`: [covered_lo, covered_hi), and
    // the geometry whose crop selects them from the window's full output.
    struct Reach {
        std::int64_t covered_lo, covered_hi;
        Geometry geometry;
    };
    Reach reach_of(std::int64_t length, std::int64_t base, std::int64_t lo, std::int64_t hi) const {
        Reach r{hi, hi, Geometry{}};
        if (length == 0) return r;
        const std::int64_t reach = checked_add(checked_mul(length - 1, stride, "(samples - 1) * Stride"),
                                               filter_size, "(samples - 1) * Stride + FilterSize");
        r.covered_lo = std::clamp(base, lo, hi);
        r.covered_hi = std::clamp(checked_add(base, reach, "stream window"), r.covered_lo, hi);
        if (r.covered_hi > r.covered_lo)
            r.geometry =
                resolve_geometry(length, filter_size, stride,
                                 CroppingSpec::manual(r.covered_lo - base, reach - (r.covered_hi - base)));
        return r;
    }

    WeightsView<const T> weights_view() const {
        return {weights.data(), filter_size, num_filters, channels, num_filters * channels, channels, 1};
    }
    BiasView<const T> bias_view() const { return {bias.empty() ? nullptr : bias.data(), num_filters, 1}; }

    // The part of y (from y's position `at` for lo) that [covered_lo, covered_hi) fills.
    static DataView<T> covered_part(const DataView<T>& y, const Reach& r, std::int64_t lo, std::int64_t at) {
        DataView<T> part = y;
        part.data += (r.covered_lo - lo + at) * y.length_stride;
        part.length = r.covered_hi - r.covered_lo;
        return part;
    }

    // Before and past a window's reach (F < S leaves such gaps): the bias alone.
    void fill_gaps(const Reach& r, std::int64_t lo, std::int64_t hi, const DataView<T>& y,
                   std::int64_t at) const {
        for (std::int64_t n = 0; n < batch(); ++n)
            for (std::int64_t k = 0; k < num_filters; ++k) {
                const T value = bias.empty() ? T(0) : bias[static_cast<std::size_t>(k)];
                for (std::int64_t p = lo; p < r.covered_lo; ++p) y.at(n, k, at + p - lo) = value;
                for (std::int64_t p = r.covered_hi; p < hi; ++p) y.at(n, k, at + p - lo) = value;
            }
    }

    // Writes full positions [lo, hi) into y from y's position `at`, computed
    // from `view`, a window of samples whose first sits at full position
    // `base`. The window must hold every sample that reaches [lo, hi):
    // positions outside its reach are reached by no sample and hold the bias.
    void compute(const DataView<const T>& view, std::int64_t base, std::int64_t lo, std::int64_t hi,
                 const DataView<T>& y, std::int64_t at) {
        if (lo >= hi) return;
        const Reach r = reach_of(view.length, base, lo, hi);
        if (r.covered_hi > r.covered_lo)
            detail::forward_reusing<T>(view, weights_view(), bias_view(), r.geometry,
                                       covered_part(y, r, lo, at), &panels);
        fill_gaps(r, lo, hi, y, at);
    }

    // Writes full positions [lo, hi) into y (from its start) in one call over
    // the held samples followed by the chunk, so the seam costs no call of its
    // own; false, having written nothing, where the kernels cannot read an
    // input in two parts (the caller then computes the seam apart).
    bool compute_joined(const DataView<const T>& chunk, std::int64_t lo, std::int64_t hi,
                        const DataView<T>& y) {
        const std::int64_t length = checked_add(held(), chunk.length, "samples held + chunk");
        const Reach r = reach_of(length, checked_mul(first, stride, "first sample * Stride"), lo, hi);
        if (r.covered_hi > r.covered_lo &&
            !detail::forward_joined<T>(window(0), chunk, weights_view(), bias_view(), r.geometry,
                                       covered_part(y, r, lo, 0), &panels))
            return false;
        fill_gaps(r, lo, hi, y, 0);
        return true;
    }

    // Makes room for `count` samples per batch item, keeping the held ones.
    // Allocates before anything changes (a bad_alloc leaves the stream as it was).
    void reserve(std::int64_t count) {
        if (count <= capacity) return;
        const std::int64_t grown = std::max(count, checked_mul(capacity, 2, "stream buffer"));
        std::vector<T> bigger(static_cast<std::size_t>(
            checked_mul(checked_mul(batch(), grown, "stream buffer"), channels, "stream buffer")));
        for (std::int64_t n = 0; n < batch(); ++n)
            std::copy_n(item(n), held() * channels, bigger.data() + n * grown * channels);
        samples.swap(bigger);
        capacity = grown;
    }

    // Copies samples [from, from + count) of `chunk` into every item at sample `offset`.
    void copy_in(const DataView<const T>& chunk, std::int64_t from, std::int64_t count, std::int64_t offset) {
        if (count <= 0) return;
        for (std::int64_t n = 0; n < batch(); ++n) {
            T* out = item(n) + offset * channels;
            for (std::int64_t c = 0; c < channels; ++c) {
                const T* in = chunk.data + chunk.batch_offset(n) + c * chunk.channel_stride +
                              from * chunk.length_stride;
                for (std::int64_t i = 0; i < count; ++i) out[i * channels + c] = in[i * chunk.length_stride];
            }
        }
    }
};

namespace {

template <class V>
void require_batch(const V& view, std::int64_t batch_outer, std::int64_t batch_inner, std::int64_t channels,
                   const char* name, const char* channel_word) {
    if (view.batch_outer != batch_outer || view.batch_inner != batch_inner)
        throw std::invalid_argument(std::string(name) + ": batch " + std::to_string(view.batch_outer) +
                                    " x " + std::to_string(view.batch_inner) + " differs from the stream's " +
                                    std::to_string(batch_outer) + " x " + std::to_string(batch_inner));
    if (view.channels != channels)
        throw std::invalid_argument(std::string(name) + ": " + std::to_string(view.channels) + " " +
                                    channel_word + ", the stream has " + std::to_string(channels));
}

}  // namespace

template <class T>
Stream<T>::Stream(const WeightsView<const T>& weights, const BiasView<const T>& bias, std::int64_t stride,
                  const CroppingSpec& cropping, std::int64_t batch_outer, std::int64_t batch_inner)
    : state_(std::make_unique<State>()) {
    State& s = *state_;
    if (weights.data == nullptr || weights.filter_size < 1 || weights.num_filters < 1 || weights.channels < 1)
        throw std::invalid_argument("weights: FilterSize, NumFilters and NumChannels must be >= 1");
    if (batch_outer < 1 || batch_inner < 1)
        throw std::invalid_argument("batch: sizes must be >= 1, got " + std::to_string(batch_outer) + " x " +
                                    std::to_string(batch_inner));
    if (bias.data != nullptr && bias.num_filters != weights.num_filters)
        throw std::invalid_argument("bias: " + std::to_string(bias.num_filters) + " values for " +
                                    std::to_string(weights.num_filters) + " filters");
    if (stride < 1)
        throw std::invalid_argument("Stride must be a positive integer, got " + std::to_string(stride));
    // "same" crops by F and S alone (R2.3: one sample resolves it as any length
    // would); a manual crop may need a longer signal than one sample.
    std::int64_t crop_left = cropping.left, crop_right = cropping.right;
    if (cropping.same) {
        const Geometry one = resolve_geometry(1, weights.filter_size, stride, cropping);
        crop_left = one.crop_left;
        crop_right = one.crop_right;
    } else if (crop_left < 0 || crop_right < 0) {
        throw std::invalid_argument("Cropping [" + std::to_string(crop_left) + " " +
                                    std::to_string(crop_right) + "]: crops must be nonnegative");
    }
    s.filter_size = weights.filter_size;
    s.num_filters = weights.num_filters;
    s.channels = weights.channels;
    s.stride = stride;
    s.same = cropping.same;
    s.crop_left = crop_left;
    s.crop_right = crop_right;
    s.batch_outer = batch_outer;
    s.batch_inner = batch_inner;
    checked_mul(checked_mul(batch_outer, batch_inner, "batch"), weights.channels, "batch * channels");
    s.weights.resize(static_cast<std::size_t>(
        checked_mul(checked_mul(s.filter_size, s.num_filters, "weights"), s.channels, "weights")));
    std::size_t at = 0;
    for (std::int64_t f = 0; f < s.filter_size; ++f)
        for (std::int64_t k = 0; k < s.num_filters; ++k)
            for (std::int64_t c = 0; c < s.channels; ++c) s.weights[at++] = weights.at(f, k, c);
    if (bias.data != nullptr) {
        s.bias.resize(static_cast<std::size_t>(s.num_filters));
        for (std::int64_t k = 0; k < s.num_filters; ++k) s.bias[static_cast<std::size_t>(k)] = bias.at(k);
    }
    s.written = s.crop_left;
}

template <class T>
Stream<T>::~Stream() = default;
template <class T>
Stream<T>::Stream(Stream&&) noexcept = default;
template <class T>
Stream<T>& Stream<T>::operator=(Stream&&) noexcept = default;

template <class T>
std::int64_t Stream<T>::outputs_for(std::int64_t length) const {
    const State& s = *state_;
    if (s.closed) throw std::logic_error("push after flush: the stream is closed");
    if (length < 0) throw std::invalid_argument("chunk: negative length " + std::to_string(length));
    const std::int64_t pushed = checked_add(s.pushed, length, "samples pushed");
    return std::max(s.written, s.ready_end(pushed)) - s.written;
}

template <class T>
void Stream<T>::push(const DataView<const T>& chunk, const DataView<T>& y) {
    State& s = *state_;
    require_batch(chunk, s.batch_outer, s.batch_inner, s.channels, "chunk", "channels");
    const std::int64_t count = outputs_for(chunk.length);  // throws when closed
    require_batch(y, s.batch_outer, s.batch_inner, s.num_filters, "y", "filters");
    if (y.length != count)
        throw std::invalid_argument("y: length " + std::to_string(y.length) + ", but the chunk makes " +
                                    std::to_string(count) + " outputs final");
    if (chunk.length > 0 && chunk.data == nullptr) throw std::invalid_argument("chunk: no data");
    if (count > 0 && y.data == nullptr) throw std::invalid_argument("y: no data");

    const std::int64_t m0 = s.pushed, pushed = m0 + chunk.length;
    const std::int64_t lo = s.written, hi = lo + count;
    // The seam: positions the held samples reach, [lo, (m0 - 1) * S + F). One
    // call over the held samples and the chunk computes [lo, hi) where the
    // kernels read an input in two parts; else the seam comes from a window of
    // the held samples and the chunk's samples that reach there too, the rest
    // from the chunk alone.
    std::int64_t seam_hi = lo, head = 0;
    if (s.held() > 0) {
        const std::int64_t reach_end = checked_add(checked_mul(m0 - 1, s.stride, "(samples - 1) * Stride"),
                                                   s.filter_size, "(samples - 1) * Stride + FilterSize");
        seam_hi = std::clamp(reach_end, lo, hi);
        if (seam_hi > lo) head = std::clamp<std::int64_t>((seam_hi - 1) / s.stride - m0 + 1, 0, chunk.length);
    }
    // The samples to hold afterwards: those that reach a position >= hi.
    const std::int64_t keep_from = std::max(s.first, s.first_needed(hi, pushed));
    s.reserve(std::max(s.held() + head, pushed - keep_from));  // the only allocation; before any change

    if (seam_hi == lo || !s.compute_joined(chunk, lo, hi, y)) {
        if (seam_hi > lo) {
            s.copy_in(chunk, 0, head, s.held());
            s.compute(s.window(head), checked_mul(s.first, s.stride, "first sample * Stride"), lo, seam_hi, y,
                      0);
        }
        // The rest only the chunk reaches (or no sample: the bias of F < S's gaps).
        if (hi > seam_hi) {
            const std::int64_t base = checked_mul(m0, s.stride, "samples * Stride");
            s.compute(chunk, base, seam_hi, hi, y, seam_hi - lo);
        }
    }

    // Keep what later outputs need: the held samples' tail, then the chunk's.
    const std::int64_t old_kept = std::max<std::int64_t>(0, m0 - keep_from);
    if (old_kept > 0 && keep_from > s.first)
        for (std::int64_t n = 0; n < s.batch(); ++n) {
            T* data = s.item(n);
            std::memmove(data, data + (keep_from - s.first) * s.channels,
                         static_cast<std::size_t>(old_kept * s.channels) * sizeof(T));
        }
    const std::int64_t chunk_from = std::max(m0, keep_from) - m0;
    s.copy_in(chunk, chunk_from, chunk.length - chunk_from, old_kept);
    s.first = keep_from;
    s.pushed = pushed;
    s.written = hi;
}

template <class T>
std::int64_t Stream<T>::outputs_at_flush() const {
    const State& s = *state_;
    if (s.pushed == 0)
        throw std::invalid_argument("flush: no samples were pushed (input length L = 0, R2.4)");
    const CroppingSpec spec =
        s.same ? CroppingSpec::make_same() : CroppingSpec::manual(s.crop_left, s.crop_right);
    const Geometry whole = resolve_geometry(s.pushed, s.filter_size, s.stride, spec);
    return s.crop_left + whole.out_length - s.written;
}

template <class T>
void Stream<T>::flush(const DataView<T>& y) {
    State& s = *state_;
    if (s.closed) throw std::logic_error("flush after flush: the stream is closed");
    s.closed = true;  // whatever happens below, nothing more can be pushed
    const std::int64_t count = outputs_at_flush();
    require_batch(y, s.batch_outer, s.batch_inner, s.num_filters, "y", "filters");
    if (y.length != count)
        throw std::invalid_argument("y: length " + std::to_string(y.length) + ", but " +
                                    std::to_string(count) + " outputs remain");
    if (count > 0 && y.data == nullptr) throw std::invalid_argument("y: no data");
    s.compute(s.window(0), checked_mul(s.first, s.stride, "first sample * Stride"), s.written,
              s.written + count, y, 0);
    s.written += count;
}

template <class T>
std::int64_t Stream<T>::latency() const {
    const State& s = *state_;
    // Held back: full positions [ready_end, whole end) = "same": [m*S, m*S + l); manual: F - S - r of them.
    if (s.same) return s.crop_left;
    return std::max<std::int64_t>(0, s.filter_size - s.stride - s.crop_right);
}

template <class T>
std::int64_t Stream<T>::samples_pushed() const {
    return state_->pushed;
}

template <class T>
std::int64_t Stream<T>::outputs_written() const {
    return state_->written - state_->crop_left;
}

template <class T>
bool Stream<T>::closed() const {
    return state_->closed;
}

template <class T>
std::int64_t Stream<T>::samples_held() const {
    return state_->held();
}

template class Stream<float>;
template class Stream<double>;

}  // namespace tconv1d
