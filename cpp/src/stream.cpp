// Streaming forward pass (SPEC R13): the bookkeeping of which full-output
// positions are final, and a window of the held samples handed to forward()
// with a crop that selects exactly the positions to return.
#include "tconv1d/stream.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "checked.hpp"
#include "cpu/kernels.hpp"
#include "forward_reusing.hpp"
#include "threads.hpp"

namespace tconv1d {

template <class T>
struct Stream<T>::State {
    std::int64_t filter_size = 0, num_filters = 0, channels = 0, stride = 0;
    bool same = false;
    std::int64_t crop_left = 0, crop_right = 0;  // resolved: "same" depends on F and S only
    std::int64_t batch_outer = 1, batch_inner = 1;
    std::vector<T> weights;  // [f][k][c], contiguous
    std::vector<T> bias;     // empty: no bias
    cpu::PhasePanels<T> panels;  // the weights packed by the first push, reused by the others

    // Held samples: global indices [first, pushed), rows (n, c) of `capacity`.
    std::vector<T> samples;
    std::int64_t capacity = 0, first = 0, pushed = 0;
    // Full-output positions [crop_left, returned) were read; [returned, final_end) are ready.
    std::int64_t returned = 0, final_end = 0;
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

    DataView<const T> window() const {
        DataView<const T> v;
        v.data = samples.data();
        v.batch_outer = batch_outer;
        v.batch_inner = batch_inner;
        v.channels = channels;
        v.length = held();
        v.channel_stride = capacity;
        v.batch_inner_stride = channels * capacity;
        v.batch_outer_stride = batch_inner * channels * capacity;
        v.length_stride = 1;
        return v;
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
    // "same" crops by F and S alone (R2.3); a manual crop may need a longer signal than one sample.
    std::int64_t crop_left = cropping.left, crop_right = cropping.right;
    if (cropping.same) {
        const std::int64_t total = weights.filter_size > stride ? weights.filter_size - stride : 0;
        crop_left = total / 2;
        crop_right = total - crop_left;
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
    s.returned = s.final_end = s.crop_left;
}

template <class T>
Stream<T>::~Stream() = default;
template <class T>
Stream<T>::Stream(Stream&&) noexcept = default;
template <class T>
Stream<T>& Stream<T>::operator=(Stream&&) noexcept = default;

template <class T>
std::int64_t Stream<T>::push(const DataView<const T>& chunk) {
    State& s = *state_;
    if (s.closed) throw std::logic_error("push after flush: the stream is closed");
    require_batch(chunk, s.batch_outer, s.batch_inner, s.channels, "chunk", "channels");
    if (chunk.length < 0) throw std::invalid_argument("chunk: negative length");
    if (chunk.length > 0 && chunk.data == nullptr) throw std::invalid_argument("chunk: no data");

    // Everything that can throw comes before the first change to the state.
    const std::int64_t pushed = checked_add(s.pushed, chunk.length, "samples pushed");
    const std::int64_t final_end = std::max(s.final_end, s.ready_end(pushed));
    const std::int64_t first = std::max(s.first, s.first_needed(s.returned, pushed));
    const std::int64_t held = pushed - first;
    const std::int64_t rows = s.batch() * s.channels;
    std::vector<T> grown;
    std::int64_t capacity = s.capacity;
    if (held > s.capacity) {
        capacity = std::max(held, checked_mul(s.capacity, 2, "stream buffer"));
        grown.resize(static_cast<std::size_t>(checked_mul(rows, capacity, "stream buffer")));
    }

    // Kept samples move to the front of their row; the chunk's needed samples follow.
    const std::int64_t kept_from = std::min(first, s.pushed);  // global index of the first kept old sample
    const std::int64_t kept = s.pushed - kept_from;
    const std::int64_t skip = first - s.pushed > 0 ? first - s.pushed : 0;  // chunk samples no output needs
    T* target = grown.empty() ? s.samples.data() : grown.data();
    const T* old = s.samples.data();
    const std::int64_t old_capacity = s.capacity, old_first = s.first, channels = s.channels;
    const std::int64_t copied = chunk.length - skip;
    // The copy is a pass over the chunk: worth the team only when it is large.
    const int threads = rows * held > (std::int64_t(1) << 16) ? detail::effective_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t row = 0; row < rows; ++row) {
        const std::int64_t n = row / channels, c = row % channels;
        T* out = target + row * capacity;
        if (kept > 0) {
            const T* from = old + row * old_capacity + (kept_from - old_first);
            std::memmove(out, from, static_cast<std::size_t>(kept) * sizeof(T));
        }
        const T* in = chunk.data + chunk.batch_offset(n) + c * chunk.channel_stride + skip * chunk.length_stride;
        if (chunk.length_stride == 1) {
            if (copied > 0) std::memcpy(out + kept, in, static_cast<std::size_t>(copied) * sizeof(T));
        } else {
            for (std::int64_t i = 0; i < copied; ++i) out[kept + i] = in[i * chunk.length_stride];
        }
    }
    if (!grown.empty()) {
        s.samples.swap(grown);
        s.capacity = capacity;
    }
    s.first = first;
    s.pushed = pushed;
    s.final_end = final_end;
    return ready();
}

template <class T>
std::int64_t Stream<T>::flush() {
    State& s = *state_;
    if (s.closed) throw std::logic_error("flush after flush: the stream is closed");
    s.closed = true;  // whatever happens below, nothing more can be pushed
    if (s.pushed == 0)
        throw std::invalid_argument("flush: no samples were pushed (input length L = 0, R2.4)");
    const CroppingSpec spec =
        s.same ? CroppingSpec::make_same() : CroppingSpec::manual(s.crop_left, s.crop_right);
    const Geometry whole = resolve_geometry(s.pushed, s.filter_size, s.stride, spec);
    s.final_end = s.crop_left + whole.out_length;
    return ready();
}

template <class T>
void Stream<T>::read(const DataView<T>& y) {
    State& s = *state_;
    require_batch(y, s.batch_outer, s.batch_inner, s.num_filters, "y", "filters");
    const std::int64_t count = ready();
    if (y.length != count)
        throw std::invalid_argument("y: length " + std::to_string(y.length) + ", but " +
                                    std::to_string(count) + " outputs are ready");
    if (count == 0) return;
    if (y.data == nullptr) throw std::invalid_argument("y: no data");

    // Full positions [a, b); the held samples start at full position base.
    const std::int64_t a = s.returned, b = s.final_end;
    const std::int64_t base = checked_mul(s.first, s.stride, "first held sample * Stride");
    std::int64_t covered = a;  // positions [a, covered) come from forward()
    if (s.held() > 0) {
        const std::int64_t full = checked_add(checked_mul(s.held() - 1, s.stride, "(samples - 1) * Stride"),
                                              s.filter_size, "(samples - 1) * Stride + FilterSize");
        covered = std::min(b, checked_add(base, full, "stream window"));
        if (covered > a) {
            const Geometry g = resolve_geometry(s.held(), s.filter_size, s.stride,
                                                CroppingSpec::manual(a - base, base + full - covered));
            const WeightsView<const T> w{s.weights.data(),
                                         s.filter_size,
                                         s.num_filters,
                                         s.channels,
                                         s.num_filters * s.channels,
                                         s.channels,
                                         1};
            const BiasView<const T> bias{s.bias.empty() ? nullptr : s.bias.data(), s.num_filters, 1};
            DataView<T> part = y;
            part.length = covered - a;
            detail::forward_reusing<T>(s.window(), w, bias, g, part, &s.panels);
        } else {
            covered = a;
        }
    }
    // Past the last held sample's reach (F < S): positions no sample reaches hold the bias.
    for (std::int64_t n = 0; n < s.batch(); ++n)
        for (std::int64_t k = 0; k < s.num_filters; ++k)
            for (std::int64_t p = covered; p < b; ++p)
                y.at(n, k, p - a) = s.bias.empty() ? T(0) : s.bias[static_cast<std::size_t>(k)];
    s.returned = b;
}

template <class T>
std::int64_t Stream<T>::ready() const {
    return state_->final_end - state_->returned;
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
std::int64_t Stream<T>::outputs_read() const {
    return state_->returned - state_->crop_left;
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
