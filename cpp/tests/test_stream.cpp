// tconv1d::Stream (SPEC R13): the outputs of random chunkings, concatenated,
// equal the reference loop nests on the whole signal (every cropping mode,
// F < S, float and double); memory stays bounded over a long signal; bad
// calls throw and leave the stream as it was; flush raises what the
// whole-signal call would.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "tconv1d/reference.hpp"
#include "tconv1d/stream.hpp"
#include "tensors.hpp"

namespace {

using tconv1d::CroppingSpec;

template <class T>
struct Problem {
    std::int64_t N, C, K, F, S, L;
    CroppingSpec crop;
    std::vector<T> x, w, b;
};

template <class T>
Problem<T> make_problem(std::mt19937_64& rng, std::int64_t N, std::int64_t C, std::int64_t K, std::int64_t F,
                        std::int64_t S, std::int64_t L, CroppingSpec crop) {
    std::normal_distribution<double> normal;
    Problem<T> p{N, C, K, F, S, L, crop, {}, {}, {}};
    p.x.resize(std::size_t(N * C * L));
    p.w.resize(std::size_t(F * K * C));
    p.b.resize(std::size_t(K));
    for (auto* v : {&p.x, &p.w, &p.b})
        for (auto& e : *v) e = T(normal(rng));
    return p;
}

template <class T>
tconv1d::WeightsView<const T> weights_of(const Problem<T>& p) {
    return {p.w.data(), p.F, p.K, p.C, p.K * p.C, p.C, 1};
}

// The whole signal through the reference loop nests: (N, K, Lout).
template <class T>
std::vector<T> whole(const Problem<T>& p) {
    const auto g = tconv1d::resolve_geometry(p.L, p.F, p.S, p.crop);
    std::vector<T> y(std::size_t(p.N * p.K * g.out_length));
    tconv1d::reference::forward<T>(contiguous_view(p.x.data(), p.N, p.C, p.L), weights_of(p),
                                   {p.b.data(), p.K, 1}, g,
                                   contiguous_view(y.data(), p.N, p.K, g.out_length));
    return y;
}

// Appends y (N, K, t) to the per-(n, k) rows.
template <class T>
void append(const std::vector<T>& y, std::int64_t rows_count, std::int64_t t,
            std::vector<std::vector<T>>& rows) {
    for (std::int64_t r = 0; r < rows_count; ++r)
        rows[std::size_t(r)].insert(rows[std::size_t(r)].end(), y.begin() + r * t, y.begin() + (r + 1) * t);
}

template <class T>
void push(tconv1d::Stream<T>& s, const Problem<T>& p, const tconv1d::DataView<const T>& chunk,
          std::vector<std::vector<T>>& rows) {
    const std::int64_t t = s.outputs_for(chunk.length);
    std::vector<T> y(std::size_t(p.N * p.K * t));
    s.push(chunk, contiguous_view(y.data(), p.N, p.K, t));
    append(y, p.N * p.K, t, rows);
}

template <class T>
void flush(tconv1d::Stream<T>& s, const Problem<T>& p, std::vector<std::vector<T>>& rows) {
    const std::int64_t t = s.outputs_at_flush();
    std::vector<T> y(std::size_t(p.N * p.K * t));
    s.flush(contiguous_view(y.data(), p.N, p.K, t));
    append(y, p.N * p.K, t, rows);
}

template <class T>
void random_chunkings_equal_the_whole_signal(std::mt19937_64& rng, CroppingSpec crop, std::int64_t F,
                                             std::int64_t S) {
    const auto p = make_problem<T>(rng, 2, 3, 2, F, S, 37, crop);
    const auto want = whole(p);
    const std::int64_t out_length = std::int64_t(want.size()) / (p.N * p.K);
    for (int trial = 0; trial < 4; ++trial) {
        tconv1d::Stream<T> s(weights_of(p), {p.b.data(), p.K, 1}, p.S, p.crop, p.N, 1);
        std::vector<std::vector<T>> rows(std::size_t(p.N * p.K));
        std::uniform_int_distribution<std::int64_t> size(0, 9);
        for (std::int64_t i = 0; i < p.L;) {
            const std::int64_t m = std::min(size(rng), p.L - i);
            auto chunk = contiguous_view<const T>(p.x.data(), p.N, p.C, p.L);
            chunk.data += i;
            chunk.length = m;
            push(s, p, chunk, rows);
            i += m;
        }
        flush(s, p, rows);
        CHECK(s.closed());
        double worst = 0, scale = 0;
        bool lengths_ok = true;
        for (std::int64_t r = 0; r < p.N * p.K; ++r) {
            lengths_ok = lengths_ok && std::int64_t(rows[std::size_t(r)].size()) == out_length;
            if (!lengths_ok) break;
            for (std::int64_t t = 0; t < out_length; ++t) {
                const double w = double(want[std::size_t(r * out_length + t)]);
                worst = std::max(worst, std::abs(double(rows[std::size_t(r)][std::size_t(t)]) - w));
                scale = std::max(scale, std::abs(w));
            }
        }
        CHECK(lengths_ok);
        CHECK(worst <= (sizeof(T) == 4 ? 1e-5 : 1e-12) * std::max(scale, 1.0));
    }
}

template <class T>
void memory_is_bounded_over_a_long_signal() {
    std::mt19937_64 rng(7);
    const auto p = make_problem<T>(rng, 1, 2, 2, 16, 8, 64, CroppingSpec::manual(4, 4));
    tconv1d::Stream<T> s(weights_of(p), {p.b.data(), p.K, 1}, p.S, p.crop, 1, 1);
    std::int64_t most = 0;
    std::vector<std::vector<T>> rows(2);
    for (int step = 0; step < 2000; ++step) {
        push(s, p, contiguous_view<const T>(p.x.data(), 1, 2, 64), rows);
        most = std::max(most, s.samples_held());
        rows[0].clear();
        rows[1].clear();
    }
    CHECK(s.samples_pushed() == 128000);
    CHECK(most <= 16 / 8 + 2);  // (F + max(0, r - F + S)) / S + 2 between pushes, whatever the chunk
    CHECK(s.latency() == 4);    // F - S - r = 16 - 8 - 4
}

template <class T>
void bad_calls_throw_and_change_nothing() {
    std::mt19937_64 rng(3);
    const auto p = make_problem<T>(rng, 1, 3, 2, 4, 2, 10, CroppingSpec::make_same());
    tconv1d::Stream<T> s(weights_of(p), {p.b.data(), p.K, 1}, p.S, p.crop, 1, 1);
    std::vector<T> wrong(20), y(64);
    const auto chunk = contiguous_view<const T>(p.x.data(), 1, 3, 10);
    const std::int64_t ready = s.outputs_for(10);
    CHECK_THROWS(std::invalid_argument, s.push(contiguous_view<const T>(wrong.data(), 1, 2, 10),
                                               contiguous_view(y.data(), 1, 2, ready)));
    CHECK_THROWS(std::invalid_argument,
                 s.push(contiguous_view<const T>(wrong.data(), 2, 3, 3), contiguous_view(y.data(), 2, 2, 6)));
    CHECK_THROWS(std::invalid_argument,
                 s.push(chunk, contiguous_view(y.data(), 1, 2, ready + 1)));                     // y length
    CHECK_THROWS(std::invalid_argument, s.push(chunk, contiguous_view(y.data(), 1, 3, ready)));  // y filters
    CHECK(s.samples_pushed() == 0 && s.outputs_written() == 0);
    s.push(chunk, contiguous_view(y.data(), 1, 2, ready));
    CHECK(s.samples_pushed() == 10 && s.outputs_written() == ready);
    CHECK_THROWS(std::invalid_argument, tconv1d::Stream<T>(weights_of(p), {}, 0, p.crop, 1, 1));  // stride
    CHECK_THROWS(std::invalid_argument,
                 tconv1d::Stream<T>(weights_of(p), {}, 2, CroppingSpec::manual(-1, 0), 1, 1));  // crop
    const std::int64_t rest = s.outputs_at_flush();
    s.flush(contiguous_view(y.data(), 1, 2, rest));
    CHECK(s.closed());
    CHECK_THROWS(std::logic_error, s.outputs_for(1));
    CHECK_THROWS(std::logic_error, s.push(chunk, contiguous_view(y.data(), 1, 2, 0)));
    CHECK_THROWS(std::logic_error, s.flush(contiguous_view(y.data(), 1, 2, 0)));

    tconv1d::Stream<T> empty(weights_of(p), {}, 2, p.crop, 1, 1);
    CHECK_THROWS(std::invalid_argument, empty.outputs_at_flush());  // L = 0 (R2.4)
    CHECK_THROWS(std::invalid_argument, empty.flush(contiguous_view(y.data(), 1, 2, 0)));
    CHECK(empty.closed());
    // A crop that leaves nothing of the whole signal: flush raises as forward would (R2.2).
    tconv1d::Stream<T> cropped(weights_of(p), {}, 2, CroppingSpec::manual(5, 5), 1, 1);
    CHECK(cropped.outputs_for(2) == 0);
    cropped.push(contiguous_view<const T>(p.x.data(), 1, 3, 2), contiguous_view(y.data(), 1, 2, 0));
    CHECK_THROWS(std::invalid_argument, cropped.outputs_at_flush());
}

template <class T>
void all() {
    std::mt19937_64 rng(11);
    for (std::int64_t F : {1, 2, 3, 4, 5, 7, 8, 11})
        for (std::int64_t S : {1, 2, 3, 4}) {
            random_chunkings_equal_the_whole_signal<T>(rng, CroppingSpec::make_same(), F, S);
            random_chunkings_equal_the_whole_signal<T>(rng, CroppingSpec::manual(0, 0), F, S);
            random_chunkings_equal_the_whole_signal<T>(rng, CroppingSpec::manual(1, 3), F, S);
            random_chunkings_equal_the_whole_signal<T>(rng, CroppingSpec::manual(9, 0), F, S);
            random_chunkings_equal_the_whole_signal<T>(rng, CroppingSpec::manual(0, 9), F, S);
        }
    memory_is_bounded_over_a_long_signal<T>();
    bad_calls_throw_and_change_nothing<T>();
}

}  // namespace

int main() {
    all<float>();
    all<double>();
    return check_summary();
}
