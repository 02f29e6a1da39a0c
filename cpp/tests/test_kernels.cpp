// The fast CPU passes (whatever body TCONV1D_ISA or the CPU selects) against
// tconv1d::reference::* on randomized shapes, the benchmark suite's shapes
// scaled down, strided and reversed views, F < S with "same", L = 1; and
// bitwise determinism for 1 vs 2 threads. ctest runs this once per body.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "check.hpp"
#include "kernel_body.hpp"
#include "tconv1d/tconv1d.hpp"

using namespace tconv1d;

namespace {

struct Case {
    std::int64_t batch, channels, filters, filter_size, stride, length;
    CroppingSpec cropping;
};

// Storage for a logical (N, C, L) tensor in one of three layouts:
// 0 contiguous (N, C, L), starting `shift` elements past a 64-byte boundary
// (run_case shifts x, dy and y; kernels that read rows in place align their
// blocks to the address); 1 stored (L, N, C) with L reversed; 2 (N, C, L)
// with every axis strided by 2 in a larger buffer.
template <class T>
struct Tensor {
    std::vector<T> storage;
    DataView<T> view;
};

template <class T>
Tensor<T> make_tensor(std::int64_t N, std::int64_t C, std::int64_t L, int layout, std::int64_t shift = 0) {
    Tensor<T> t;
    DataView<T>& v = t.view;
    v.batch_outer = N;
    v.channels = C;
    v.length = L;
    if (layout == 0) {
        constexpr auto line = std::int64_t(64 / sizeof(T));
        t.storage.assign(std::size_t(N * C * L + line + shift), T(0));
        const auto address = reinterpret_cast<std::uintptr_t>(t.storage.data());
        const auto to_line = std::int64_t((64 - address % 64) % 64 / sizeof(T));
        v.data = t.storage.data() + to_line + shift;
        v.batch_outer_stride = C * L;
        v.channel_stride = L;
        v.length_stride = 1;
    } else if (layout == 1) {
        t.storage.assign(std::size_t(N * C * L), T(0));
        v.data = t.storage.data() + (L - 1) * N * C;
        v.batch_outer_stride = C;
        v.channel_stride = 1;
        v.length_stride = -N * C;
    } else {
        t.storage.assign(std::size_t(8 * N * C * L), T(0));
        v.data = t.storage.data();
        v.batch_outer_stride = std::int64_t(4) * C * L;
        v.channel_stride = std::int64_t(4) * L;
        v.length_stride = 2;
    }
    return t;
}

template <class T>
DataView<const T> as_const(const DataView<T>& v) {
    return {v.data,     v.batch_outer,    v.batch_inner, v.batch_outer_stride, v.batch_inner_stride,
            v.channels, v.channel_stride, v.length,      v.length_stride};
}

template <class T>
std::vector<double> values(const DataView<T>& v) {
    std::vector<double> out;
    for (std::int64_t n = 0; n < v.batch(); ++n)
        for (std::int64_t c = 0; c < v.channels; ++c)
            for (std::int64_t i = 0; i < v.length; ++i) out.push_back(double(v.at(n, c, i)));
    return out;
}

template <class T>
std::vector<T> bits(const DataView<T>& v) {
    std::vector<T> out;
    for (std::int64_t n = 0; n < v.batch(); ++n)
        for (std::int64_t c = 0; c < v.channels; ++c)
            for (std::int64_t i = 0; i < v.length; ++i) out.push_back(v.at(n, c, i));
    return out;
}

// ||got - want|| / ||want|| (R3.5 measures relative to the norm of the result).
double rel_error(const std::vector<double>& want, const std::vector<double>& got) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        num += (want[i] - got[i]) * (want[i] - got[i]);
        den += want[i] * want[i];
    }
    return std::sqrt(num / (den > 0 ? den : 1));
}

template <class T>
void run_case(const Case& cs, int layout, std::int64_t shift, std::mt19937_64& rng) {
    const double tol = sizeof(T) == 8 ? 1e-12 : 1e-5;
    const Geometry g = resolve_geometry(cs.length, cs.filter_size, cs.stride, cs.cropping);
    const auto N = cs.batch, C = cs.channels, K = cs.filters, F = cs.filter_size, L = cs.length;
    const auto Lo = g.out_length;
    std::uniform_real_distribution<double> u(-1, 1);

    auto x = make_tensor<T>(N, C, L, layout, shift);
    auto dy = make_tensor<T>(N, K, Lo, layout, shift);
    for (auto* t : {&x, &dy})
        for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t c = 0; c < t->view.channels; ++c)
                for (std::int64_t i = 0; i < t->view.length; ++i) t->view.at(n, c, i) = T(u(rng));
    // Weights in the layer's own layout (F, K, C) with the first layout of
    // x (the strategies that read them in place), else stored (C, K, F)
    // reversed in F: a permuted, negatively strided view.
    std::vector<T> w_store(static_cast<std::size_t>(F * K * C)), b(static_cast<std::size_t>(K));
    for (auto& e : w_store) e = T(u(rng));
    for (auto& e : b) e = T(u(rng));
    const WeightsView<const T> w =
        layout == 0 ? WeightsView<const T>{w_store.data(), F, K, C, K * C, C, 1}
                    : WeightsView<const T>{w_store.data() + (F - 1), F, K, C, -1, F, K * F};
    const BiasView<const T> bias{b.data(), K, 1};

    auto y = make_tensor<T>(N, K, Lo, layout, shift), y_ref = make_tensor<T>(N, K, Lo, 0);
    auto dx = make_tensor<T>(N, C, L, layout), dx_ref = make_tensor<T>(N, C, L, 0);
    std::vector<T> dw(static_cast<std::size_t>(F * K * C)), dw_ref(dw.size());
    std::vector<T> db(static_cast<std::size_t>(K)), db_ref(db.size());
    const WeightsView<T> dwv{dw.data(), F, K, C, K * C, C, 1}, dwv_ref{dw_ref.data(), F, K, C, K * C, C, 1};

    forward<T>(as_const(x.view), w, bias, g, y.view);
    reference::forward<T>(as_const(x.view), w, bias, g, y_ref.view);
    backward_data<T>(as_const(dy.view), w, g, dx.view);
    reference::backward_data<T>(as_const(dy.view), w, g, dx_ref.view);
    backward_weights<T>(as_const(x.view), as_const(dy.view), g, dwv);
    reference::backward_weights<T>(as_const(x.view), as_const(dy.view), g, dwv_ref);
    backward_bias<T>(as_const(dy.view), BiasView<T>{db.data(), K, 1});
    reference::backward_bias<T>(as_const(dy.view), BiasView<T>{db_ref.data(), K, 1});

    auto widen = [](const std::vector<T>& v) { return std::vector<double>(v.begin(), v.end()); };
    const double e_y = rel_error(values(y_ref.view), values(y.view));
    const double e_dx = rel_error(values(dx_ref.view), values(dx.view));
    const double e_dw = rel_error(widen(dw_ref), widen(dw));
    // Each bias gradient sums N * Lo terms of either sign, so its error is
    // measured against the sum of their magnitudes: a sum that happens to
    // cancel to near zero (one filter, thousands of terms) has no relative
    // accuracy left to check, whatever the order of the additions.
    double e_db = 0;
    for (std::int64_t k = 0; k < K; ++k) {
        double scale = 0;
        for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t t = 0; t < Lo; ++t) scale += std::abs(double(dy.view.at(n, k, t)));
        const double diff = std::abs(double(db_ref[std::size_t(k)]) - double(db[std::size_t(k)]));
        e_db = std::max(e_db, diff / (scale > 0 ? scale : 1));
    }
    const bool ok = e_y < tol && e_dx < tol && e_dw < tol && e_db < tol;
    CHECK(ok);
    if (!ok)
        std::fprintf(stderr,
                     "  %s N=%lld C=%lld K=%lld F=%lld S=%lld L=%lld crop=[%lld %lld] ext=%lld "
                     "layout=%d: errors y %.3g dx %.3g dw %.3g db %.3g\n",
                     sizeof(T) == 8 ? "double" : "float", (long long)N, (long long)C, (long long)K,
                     (long long)F, (long long)cs.stride, (long long)L, (long long)g.crop_left,
                     (long long)g.crop_right, (long long)g.extension, layout, e_y, e_dx, e_dw, e_db);

    // The weights read where they lie (the layer's layout, first input
    // layout) and the same weights in a permuted view (packed, or copied
    // into the layer's layout) give the same sums in the same order, bit for
    // bit: the packed panel's order is every strategy's.
    if (layout == 0) {
        std::vector<T> w_perm(w_store.size());
        for (std::int64_t f = 0; f < F; ++f)
            for (std::int64_t k = 0; k < K; ++k)
                for (std::int64_t c = 0; c < C; ++c)
                    w_perm[std::size_t((c * K + k) * F + (F - 1 - f))] = w.at(f, k, c);
        const WeightsView<const T> wp{w_perm.data() + (F - 1), F, K, C, -1, F, K * F};
        auto yp = make_tensor<T>(N, K, Lo, layout);
        forward<T>(as_const(x.view), wp, bias, g, yp.view);
        const auto a = bits(y.view), b = bits(yp.view);
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
    }

    // The same bits from x placed elsewhere (R8.5: results never depend on
    // the address; the correlated rows start their blocks by it).
    if (layout == 0) {
        auto xs = make_tensor<T>(N, C, L, layout, (shift + 3) % 8);
        for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t c = 0; c < C; ++c)
                for (std::int64_t i = 0; i < L; ++i) xs.view.at(n, c, i) = x.view.at(n, c, i);
        auto ys = make_tensor<T>(N, K, Lo, layout);
        forward<T>(as_const(xs.view), w, bias, g, ys.view);
        const auto a = bits(y.view), b = bits(ys.view);
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
    }

    // The same bits from contiguous copies of x and dy (R8.5: neither the
    // choice nor the order of any sum depends on their strides; a kernel
    // copies what it cannot read in place). Not for the direct loop nests
    // forced (they read every layout alike, and ran the longest test twice
    // as long under the sanitizers).
    const char* forced = std::getenv("TCONV1D_STRATEGY");
    if (layout != 0 && (forced == nullptr || std::strcmp(forced, "direct") != 0)) {
        auto xc = make_tensor<T>(N, C, L, 0), dyc = make_tensor<T>(N, K, Lo, 0);
        for (auto [from, to] : {std::pair{&x, &xc}, std::pair{&dy, &dyc}})
            for (std::int64_t n = 0; n < N; ++n)
                for (std::int64_t c = 0; c < from->view.channels; ++c)
                    for (std::int64_t i = 0; i < from->view.length; ++i)
                        to->view.at(n, c, i) = from->view.at(n, c, i);
        auto yc = make_tensor<T>(N, K, Lo, 0), dxc = make_tensor<T>(N, C, L, 0);
        std::vector<T> dwc(dw.size()), dbc(db.size());
        forward<T>(as_const(xc.view), w, bias, g, yc.view);
        backward_data<T>(as_const(dyc.view), w, g, dxc.view);
        backward_weights<T>(as_const(xc.view), as_const(dyc.view), g,
                            WeightsView<T>{dwc.data(), F, K, C, K * C, C, 1});
        backward_bias<T>(as_const(dyc.view), BiasView<T>{dbc.data(), K, 1});
        const auto a = bits(y.view), b = bits(yc.view), ax = bits(dx.view), bx = bits(dxc.view);
        const bool same = std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0 &&
                          std::memcmp(ax.data(), bx.data(), ax.size() * sizeof(T)) == 0 &&
                          std::memcmp(dw.data(), dwc.data(), dw.size() * sizeof(T)) == 0 &&
                          std::memcmp(db.data(), dbc.data(), db.size() * sizeof(T)) == 0;
        CHECK(same);
        if (!same)
            std::fprintf(
                stderr,
                "  %s N=%lld C=%lld K=%lld F=%lld S=%lld L=%lld layout=%d: other bits than contiguous\n",
                sizeof(T) == 8 ? "double" : "float", (long long)N, (long long)C, (long long)K, (long long)F,
                (long long)cs.stride, (long long)L, layout);
    }

    // Bitwise identical results with 1, 2 and 3 threads (the plans differ),
    // all four passes.
    auto y1 = make_tensor<T>(N, K, Lo, layout), dx1 = make_tensor<T>(N, C, L, layout);
    std::vector<T> dw1(dw.size()), db1(db.size());
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        auto yt = make_tensor<T>(N, K, Lo, layout), dxt = make_tensor<T>(N, C, L, layout);
        std::vector<T> dwt(dw.size()), dbt(db.size());
        forward<T>(as_const(x.view), w, bias, g, yt.view);
        backward_data<T>(as_const(dy.view), w, g, dxt.view);
        backward_weights<T>(as_const(x.view), as_const(dy.view), g,
                            WeightsView<T>{dwt.data(), F, K, C, K * C, C, 1});
        backward_bias<T>(as_const(dy.view), BiasView<T>{dbt.data(), K, 1});
        if (threads == 1) {
            y1 = std::move(yt);
            dx1 = std::move(dxt);
            dw1 = dwt;
            db1 = dbt;
            continue;
        }
        const auto by1 = bits(y1.view), byt = bits(yt.view), bx1 = bits(dx1.view), bxt = bits(dxt.view);
        CHECK(std::memcmp(by1.data(), byt.data(), by1.size() * sizeof(T)) == 0);
        CHECK(std::memcmp(bx1.data(), bxt.data(), bx1.size() * sizeof(T)) == 0);
        CHECK(std::memcmp(dw1.data(), dwt.data(), dw1.size() * sizeof(T)) == 0);
        CHECK(std::memcmp(db1.data(), dbt.data(), db1.size() * sizeof(T)) == 0);
    }
    set_num_threads(0);
    const auto by1 = bits(y1.view);
    // ... and the same as the first call (workspace reuse leaves no trace).
    const auto by0 = bits(y.view);
    CHECK(std::memcmp(by0.data(), by1.data(), by1.size() * sizeof(T)) == 0);
}

}  // namespace

int main() {
    if (const int skip = announce_kernel_body()) return skip;
    std::mt19937_64 rng(2024);
    const auto same = CroppingSpec::make_same();
    const auto manual = [](std::int64_t l, std::int64_t r) { return CroppingSpec::manual(l, r); };
    std::vector<Case> cases = {
        // The benchmark suite, scaled down (channels and lengths divided).
        {2, 64, 32, 16, 8, 16, manual(4, 4)},  // hifigan-up1
        {2, 32, 16, 4, 2, 100, manual(1, 1)},  // hifigan-up3
        {3, 8, 24, 11, 4, 37, same},           // doc-example
        {4, 8, 4, 7, 2, 50, same},             // ae-decoder
        {1, 40, 36, 3, 1, 70, manual(1, 1)},   // stride1-wide
        {1, 8, 8, 3, 1, 64, manual(0, 0)},     // tiny (full size)
        // Edge geometries.
        {2, 3, 2, 2, 5, 4, same},              // F < S: bias-only extension
        {3, 5, 7, 1, 3, 6, same},              // F = 1 < S
        {1, 2, 3, 3, 3, 1, manual(0, 2)},      // L = 1
        {5, 1, 1, 1, 1, 1, manual(0, 0)},      // everything 1
        {2, 3, 4, 9, 2, 5, manual(7, 6)},      // crops larger than the stride
        {1, 130, 17, 5, 3, 13, manual(0, 0)},  // channels not a multiple of any tile
        {6, 4, 9, 12, 12, 20, same},           // F = S
        // One or two long items: the threads share column-block groups and
        // filter blocks (per-item forward's plan), several of each.
        {1, 16, 40, 4, 2, 300, manual(1, 1)},
        {1, 8, 100, 20, 10, 128, manual(5, 5)},
        {2, 8, 33, 3, 1, 250, same},
        {1, 4, 3, 2, 2, 1000, manual(0, 0)},
        {1, 256, 128, 4, 2, 256, manual(1, 1)},  // a plan search once looped forever here
        // One phase over 256 channels and more (stride 1; F = 1 under S): the
        // slab strategy reads the column blocks lying wholly inside an item
        // in place and packs only those at its ends (kInPlaceChannels, the
        // contiguous layout alone); three times each, so in each layout.
        {2, 256, 16, 5, 1, 200, manual(1, 2)},
        {2, 256, 16, 5, 1, 200, manual(1, 2)},
        {2, 256, 16, 5, 1, 200, manual(1, 2)},
        {1, 272, 80, 1, 3, 150, same},
        {1, 272, 80, 1, 3, 150, same},
        {1, 272, 80, 1, 3, 150, same},
        // Runs built by permutes (half the outputs with products) over rows
        // of 16 KB and more with 32 products or more per output run: not set
        // to the bias ahead (kCoveredRowBytes); three times, each layout.
        {1, 64, 9, 2, 4, 1100, manual(1, 1)},
        {1, 64, 9, 2, 4, 1100, manual(1, 1)},
        {1, 64, 9, 2, 4, 1100, manual(1, 1)},
        // Weights beyond L2 (1.3 MB in float32) over items of two column
        // blocks: the tap-wise forward's tasks of whole items, read in place
        // where x lies contiguous (the first of the three layouts), else
        // copied into the thread's scratch first (three items to a task in
        // the second layout, channels-last).
        {1, 256, 250, 5, 2, 60, manual(1, 2)},
        {3, 256, 250, 5, 2, 60, manual(1, 2)},
        {1, 256, 250, 5, 2, 60, manual(1, 2)},
        // Inputs beyond L2 read by many row blocks (six, more than slabs
        // take): the tap-wise forward's chunks of several column blocks,
        // packed (the last chunk and its last column block partial, waves of
        // chunks over two items), from contiguous rows (the next chunk
        // prefetched) and from another layout.
        {2, 16, 3, 16, 2, 9001, manual(3, 1)},
        {2, 16, 3, 16, 2, 9001, manual(3, 1)},
        // Inputs beyond L2 read by a few row blocks (one filter of 16 taps):
        // the tap-wise forward's chunks read slab by slab, in place
        // (contiguous rows 8400 bytes apart), copied (contiguous rows 4 KiB
        // apart, two row blocks or more), or gathered (positions not
        // contiguous: a group's columns of every channel at once, by
        // transposes in the channels-last layout; of 1100 channels, too many
        // for the room, each slab's); each shape in each layout.
        {2, 64, 1, 16, 4, 2100, manual(6, 6)},
        {2, 64, 1, 16, 4, 2100, manual(6, 6)},
        {2, 64, 1, 16, 4, 2100, manual(6, 6)},
        {2, 256, 1, 16, 2, 1024, same},
        {2, 256, 1, 16, 2, 1024, same},
        {2, 256, 1, 16, 2, 1024, same},
        {1, 1100, 1, 16, 2, 300, manual(1, 1)},
        {1, 1100, 1, 16, 2, 300, manual(1, 1)},
        {1, 1100, 1, 16, 2, 300, manual(1, 1)},
        // One large reduction for float32 accuracy (C*F = 4096, B*L = 4096).
        {4, 512, 8, 8, 4, 1024, manual(2, 2)},
        // One item whose batched backward-weights groups leave room in the
        // workspace budget for one thread only until they are halved
        // further: at 2 and 3 threads the groups split again (on the AVX2 and
        // AVX-512 bodies' tiles); three times, so in each of the three layouts.
        {1, 32, 128, 7, 1, 256, manual(1, 1)},
        {1, 32, 128, 7, 1, 256, manual(1, 1)},
        {1, 32, 128, 7, 1, 256, manual(1, 1)},
        // One long item at stride 1 with few filters: split in three (where
        // it runs split), it is cut into parts at 2 and 3 threads, each split
        // whole by one thread (cpu/forward_split.hpp), bitwise as at one; an
        // odd length, crops that end inside a slot pair, each layout.
        {1, 48, 40, 7, 1, 777, manual(5, 2)},
        {1, 48, 40, 7, 1, 777, manual(5, 2)},
        {1, 48, 40, 7, 1, 777, manual(5, 2)},
        {1, 64, 24, 4, 1, 1030, same},
        {1, 64, 24, 4, 1, 1030, same},
        {1, 64, 24, 4, 1, 1030, same},
        // One short item at stride 1 with more filters than parts take: split
        // (forced), sub-passes that run tap-wise on the AVX-512 body (all of
        // them for K = 75, some for K = 72) read their taps in place from a
        // view of the weights (W0: every other tap), K = 75's last partial
        // filter block packed from that view; each layout. (Reading W0 as if
        // in the layer's layout fails the K = 75 case.)
        {1, 128, 72, 3, 1, 100, manual(0, 0)},
        {1, 128, 72, 3, 1, 100, manual(0, 0)},
        {1, 128, 72, 3, 1, 100, manual(0, 0)},
        {1, 128, 75, 3, 1, 100, manual(1, 0)},
        {1, 128, 75, 3, 1, 100, manual(1, 0)},
        {1, 128, 75, 3, 1, 100, manual(1, 0)},
    };
    // Strides 5 to 10, every phase with taps: the per-item forward stores the
    // phase tiles of a column block together where the outputs are
    // contiguous; each shape three times, so in each of the three layouts.
    for (std::int64_t S = 5; S <= 10; ++S)
        for (int copy = 0; copy < 3; ++copy)
            cases.push_back(
                {2, 24, 16, S == 9 ? 9 : 2 * S, S, 40 + 7 * S, S == 9 ? same : manual(S / 2, S - S / 2 - 1)});
    // Items of 7 positions: each row's run a partial group of the permutes.
    for (int copy = 0; copy < 3; ++copy) cases.push_back({3, 8, 16, 10, 5, 7, manual(2, 2)});
    // Inputs of one position (the tap-wise forward as one GEMM into y, items
    // as its rows, taken from 2*MR items on): every output position with a
    // tap, an item's outputs one run (contiguous layout) or apart; positions
    // past the taps holding the bias alone (F < S, "same"); a crop before
    // the taps; a last item block of one row, of half a tile or fewer, of
    // more; several column blocks, the last partial; weights packed in
    // square blocks (one tap, or several interleaved: 12 taps by the
    // body's transposes) and at the edges. Each
    // three times, so in each layout.
    for (const Case& cs : std::vector<Case>{{17, 20, 9, 4, 2, 1, manual(0, 0)},
                                            {19, 7, 5, 2, 4, 1, same},
                                            {21, 33, 50, 8, 4, 1, manual(2, 3)},
                                            {20, 16, 24, 6, 3, 1, same},
                                            {18, 16, 20, 12, 12, 1, manual(0, 0)},
                                            {64, 64, 64, 3, 1, 1, same}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Gaps between the inputs' runs (S > F): the per-item forward's column
    // blocks own their outputs and write them as whole runs where outputs
    // are contiguous (several blocks and groups; phases starting one column
    // apart under a crop of 1; a "same" extension; the most phases a run
    // gathers, 16, and one more, 17, stored the other way; runs longer than
    // a gather's piece, S = 40; rows longer than the bias written ahead at
    // a time, 256 KiB over the block's rows: 2 and 3 rows of 36-40 thousand
    // outputs; more than half of every S outputs with products, S = 3 to
    // 16, interleaved by permutes or transposes where the body has them
    // (the 256-bit body by transposes alone); half or fewer,
    // S = 3 and 4, the run still built by permutes, on items of 16 and 40
    // positions, each row's run one partial group of the permutes, or whole
    // groups and a partial one: outputs taken to be in cache, no bias set
    // ahead; and 4200 positions, 4.3 MB of float32 outputs, 8.6 of float64,
    // the bias set ahead of the permutes; 3.1 MB of rows of 384 outputs,
    // each filter block's whole rows brought in ahead as one run of zeros
    // before the permutes; 1.2 MB of float32 rows of 19 KB with products in
    // 3 of every 4 outputs, brought in ahead too: kAheadRowBytes; S = 7,
    // 11, 13 and 16 with 6 to 12 phases, built by the body's transposes
    // where they take fewer shuffles (by_transposes: float32 from S = 11,
    // float64 from 7), over whole groups and partial ones, and dy split into
    // phases by them in the backward passes); each
    // shape three times, so in each of the three layouts.
    for (const Case& cs : std::vector<Case>{{1, 3, 2, 1, 8, 5000, manual(0, 0)},
                                            {2, 8, 4, 3, 4, 300, manual(1, 1)},
                                            {1, 6, 11, 7, 8, 200, same},
                                            {2, 5, 3, 9, 16, 90, manual(3, 4)},
                                            {3, 4, 9, 2, 3, 250, manual(0, 1)},
                                            {1, 10, 6, 5, 9, 120, manual(2, 0)},
                                            {2, 5, 3, 2, 9, 4000, same},
                                            {2, 24, 16, 3, 7, 170, manual(1, 4)},
                                            {2, 8, 5, 3, 40, 120, manual(1, 7)},
                                            {3, 16, 20, 4, 6, 130, same},
                                            {1, 12, 9, 16, 20, 150, manual(2, 30)},
                                            {1, 12, 9, 17, 20, 110, manual(11, 0)},
                                            {4, 16, 32, 2, 4, 16, manual(0, 0)},
                                            {3, 8, 16, 1, 3, 40, same},
                                            {1, 2, 64, 2, 4, 4200, manual(0, 0)},
                                            {8, 4, 256, 2, 6, 64, same},
                                            {1, 8, 64, 3, 4, 1200, manual(1, 1)},
                                            {2, 6, 19, 12, 13, 70, manual(2, 5)},
                                            {1, 9, 8, 7, 16, 333, manual(0, 3)},
                                            {3, 5, 7, 10, 11, 41, same},
                                            {2, 4, 10, 6, 7, 77, manual(1, 1)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // One to four phases with taps (F <= 4 < S), runs built by permutes over
    // those phases alone (interleave_rows_add, where the body has it:
    // float32 F = 1 up to S = 6, F = 2 up to 12, F = 3 from S = 5 to 11, F =
    // 4 from 5 to 15; float64 F = 1 at S = 3, F = 2 up to 6, F = 3 from 5 to
    // 6, F = 4 from 5 to 8; one pair of sources or two, the second a copy of
    // the third for F = 3): crops that put the phases at other slots of the
    // run, and tiles of fewer rows than the tile's (K = 5, 7, 9), whole
    // groups and a partial last one, items whose runs are shorter than one
    // group; each shape three times, so in each of the three layouts.
    for (const Case& cs : std::vector<Case>{{2, 6, 5, 1, 5, 37, manual(2, 1)},
                                            {1, 7, 9, 2, 11, 45, same},
                                            {3, 5, 12, 2, 3, 29, manual(1, 0)},
                                            {2, 4, 8, 1, 3, 33, manual(0, 2)},
                                            {1, 9, 16, 2, 6, 50, manual(5, 3)},
                                            {2, 3, 10, 2, 12, 9, manual(7, 2)},
                                            {2, 6, 7, 3, 5, 23, manual(1, 1)},
                                            {1, 5, 9, 4, 8, 41, same},
                                            {3, 4, 16, 3, 11, 30, manual(4, 2)},
                                            {2, 3, 8, 4, 15, 12, manual(0, 9)},
                                            {1, 8, 8, 3, 6, 7, same}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Weights read in place over column blocks whose last vector holds half
    // a vector of columns or fewer (37, 52, 70 and 27 outputs at stride 1, a
    // stride-2 "same"): the chained calls' half-vector variants where the
    // body has them (rows_chain_half, AVX-512: float32 from 1 to 8 columns
    // past whole vectors, float64 from 1 to 4), the same sums as the full
    // tile's; each shape three times, so in each of the three layouts.
    for (const Case& cs : std::vector<Case>{{1, 32, 16, 3, 1, 35, manual(0, 0)},
                                            {2, 40, 8, 5, 1, 48, manual(0, 0)},
                                            {1, 24, 16, 7, 1, 66, manual(1, 1)},
                                            {1, 16, 8, 3, 1, 25, manual(0, 0)},
                                            {2, 24, 16, 4, 2, 35, same}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Few rows (K < MR): the tap-wise forward's wide tile (one output
    // channel of 3 or 4 taps) and its runs of consecutive column blocks with
    // the blocks between runs in a second pass (outputs shared by 2 and by 4
    // neighbouring blocks); each shape three times, so in each of the three
    // layouts.
    for (const Case& cs : std::vector<Case>{{8, 8, 1, 4, 2, 1200, manual(1, 2)},
                                            {3, 5, 1, 3, 1, 4000, same},
                                            {2, 16, 2, 6, 2, 3000, same},
                                            {2, 3, 1, 50, 1, 3000, manual(0, 0)},
                                            // backward-weights in one chunk of positions, its
                                            // 5120 pairs (f, k) packed in several groups
                                            {1, 20, 160, 32, 8, 16, manual(4, 4)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // One or two output channels at stride 1 or 2: the forward's correlated
    // rows (cpu/forward_rows.hpp), the form the dot-product strategy takes
    // for them: 16 taps (the most one call takes) and 17 (past it: the
    // other form), blocks at both ends of the input and an input shorter
    // than one block, outputs cropped at both ends and extended ("same"
    // with F < S), phases long enough that their blocks start on a whole
    // vector before the first kept output (kAlignedRowBlocks: 2048 and 2500
    // positions), at stride 1 and 2; each shape three times, so in each of
    // the three layouts (an input whose positions are not contiguous is
    // copied first).
    for (const Case& cs : std::vector<Case>{{4, 16, 1, 16, 1, 2048, same},
                                            {2, 12, 1, 8, 2, 2500, manual(3, 2)},
                                            {2, 16, 1, 17, 1, 600, manual(3, 2)},
                                            {3, 9, 1, 12, 1, 20, manual(0, 0)},
                                            {2, 20, 2, 7, 1, 333, same},
                                            {2, 12, 1, 8, 2, 257, manual(1, 3)},
                                            {3, 8, 1, 2, 3, 150, same}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Few rows over inputs beyond L2 (over 1 MB in float32): the tap-wise
    // forward's chunks read slab by slab, in place where x lies contiguous
    // (slabs of 32, 32 and 8 channels; a last column block whose whole
    // vectors end with the row; two items; outputs shared by neighbouring
    // chunks; one, two and four row blocks; one output channel whose taps
    // land on outputs of their own, F = S and F < S < 2F, written as runs of
    // every phase where those lie in the kept window: tap_phase_runs; F = S =
    // 1, a single phase, added as before), gathered else; each shape three
    // times, so in each of the three layouts.
    for (const Case& cs : std::vector<Case>{{2, 72, 1, 5, 2, 2003, manual(1, 2)},
                                            {1, 40, 2, 3, 1, 7001, same},
                                            {1, 40, 3, 5, 2, 7001, manual(2, 1)},
                                            {2, 36, 4, 8, 4, 4001, same},
                                            {1, 48, 1, 4, 4, 7001, same},
                                            {2, 40, 1, 3, 4, 4001, manual(1, 2)},
                                            {1, 64, 1, 1, 1, 5000, manual(0, 0)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Short items, every phase with taps: the per-item forward's streams of
    // several items (each followed by the taps' reach of zeros) as one
    // input, item parts of a column block stored apart: stride 4 (the phases
    // stored together), 2 (pairs), 1, 12 (phase by phase); a last stream
    // holding fewer items; one filter block (the input as strips); a larger
    // reduction. Each shape three times, so in each of the three layouts.
    for (const Case& cs : std::vector<Case>{{4, 24, 16, 4, 4, 20, manual(1, 2)},
                                            {5, 16, 12, 4, 2, 24, same},
                                            {3, 20, 9, 3, 1, 30, manual(1, 1)},
                                            {4, 12, 10, 24, 12, 17, manual(5, 6)},
                                            {7, 8, 8, 6, 3, 40, manual(2, 2)},
                                            {6, 256, 32, 12, 6, 64, manual(0, 0)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Short items with gaps between the inputs' runs (F < S): the per-item
    // forward's streams of items, each item's part of a column block written
    // as whole runs, bias-only outputs included: the runs interleaved by
    // permutes (F = 2, S = 5), products stored over the bias set run by run
    // (F = 3, S = 7 on bodies of 8 lanes or fewer; S = 16), gathered (the
    // portable body); crops that start the items' columns past 0 (phases
    // with different first columns), "same", weights packed (K = 61, not a
    // multiple of the tile's rows) or read in place, one stream or several (the
    // streams the estimate picks vary by body: G = 2 to 8); the stream's
    // outputs set ahead all at once, to the bias (S = 16) or, before
    // permutes, to zeros (2 MB of float32 outputs, F = 2, S = 4). Each shape
    // three times, so in each of the three layouts (the other two are not
    // contiguous: one item at a time there).
    for (const Case& cs : std::vector<Case>{{8, 128, 64, 2, 5, 17, same},
                                            {7, 128, 64, 2, 5, 18, manual(3, 1)},
                                            {8, 128, 64, 3, 7, 5, manual(0, 0)},
                                            {8, 128, 61, 3, 7, 33, manual(0, 0)},
                                            {7, 128, 64, 3, 7, 36, manual(9, 4)},
                                            {6, 128, 64, 1, 3, 18, manual(2, 0)},
                                            {8, 128, 64, 2, 16, 17, same},
                                            {64, 8, 128, 2, 4, 16, manual(0, 0)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Weights read in place, one phase (stride 1), more channels than a
    // chunk of the input rows (128 to 512 by body and type) and several
    // filter blocks: the per-item forward sums the tiles of neighbouring
    // filter blocks side by side, chunk by chunk, in the packed panel's
    // order (the bitwise check above); each shape three times, so in each of
    // the three layouts.
    for (const Case& cs :
         std::vector<Case>{{2, 300, 16, 4, 1, 150, manual(1, 2)}, {1, 520, 24, 3, 1, 100, same}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Backward-weights with the pairs as rows over chunks inside one item:
    // each phase's rows gathered once per group of whole taps, by permutes
    // where the body has them; groups whose first phase is a position longer
    // than their last (3 taps at stride 2, 5 at 3; which groups a pass makes
    // depends on the thread count, and each of these makes such a group at
    // one of 1, 2 or 3 threads); filters a multiple of every body's tile
    // rows; the transposed input in whole squares, a partial one (20 or 12
    // channels) and squares past C; chunks straddling two items; positions
    // cut into ranges (5000 in one item). Each shape three times, so in each
    // of the three layouts.
    for (const Case& cs : std::vector<Case>{{1, 20, 16, 6, 2, 300, manual(1, 1)},
                                            {2, 40, 16, 6, 2, 200, same},
                                            {1, 12, 16, 6, 2, 5000, manual(1, 1)},
                                            {1, 12, 16, 5, 3, 5000, manual(1, 1)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    // Few pairs (f, k) and channels: backward-weights as dot products along
    // the positions, the taps of a phase grouped (one filter, F > S) or the
    // filters of a tap (an odd count: a last group of one); rows of several
    // chunks of positions with a tail past the last whole vector; one input
    // channel; the input rows copied where they are not contiguous (the
    // other two layouts). Each shape three times, so in each layout.
    for (const Case& cs : std::vector<Case>{{3, 6, 1, 8, 2, 2500, same},
                                            {2, 5, 3, 3, 1, 1500, manual(1, 0)},
                                            {1, 1, 1, 16, 4, 3001, manual(2, 5)},
                                            // rows 8 or 16 KiB apart beyond L2: tap-wise slabs copied
                                            {2, 80, 1, 16, 4, 2048, manual(3, 5)}})
        for (int copy = 0; copy < 3; ++copy) cases.push_back(cs);
    std::uniform_int_distribution<std::int64_t> d(1, 12);
    for (int r = 0; r < 30; ++r) {
        const std::int64_t F = d(rng), S = d(rng) % 6 + 1, L = d(rng) * (r % 3 == 0 ? 1 : 9);
        const std::int64_t full = (L - 1) * S + F;
        const std::int64_t l = std::uniform_int_distribution<std::int64_t>(0, full - 1)(rng);
        const std::int64_t rr = std::uniform_int_distribution<std::int64_t>(0, full - 1 - l)(rng);
        cases.push_back({d(rng) % 4 + 1, d(rng) * (r % 2 ? 3 : 1), d(rng) * (r % 4 ? 1 : 5), F, S, L,
                         r % 4 == 0 ? same : manual(l, rr)});
    }
    // Under an emulator (the aarch64 build runs under qemu-user, some 25x
    // slower) TCONV1D_TEST_MAX_PRODUCTS skips the cases of more products
    // B*C*K*F*L than it: the body's kernels run on all the others, while
    // the large cases' drivers are the same C++ that every native body runs.
    const char* max_text = std::getenv("TCONV1D_TEST_MAX_PRODUCTS");
    std::int64_t max_products = 0;
    if (max_text != nullptr && *max_text != '\0') {
        char* end = nullptr;
        max_products = std::strtoll(max_text, &end, 10);
        if (*end != '\0' || max_products <= 0) {
            std::fprintf(stderr, "TCONV1D_TEST_MAX_PRODUCTS='%s' is not a positive integer\n", max_text);
            return 1;
        }
    }
    // The contiguous layout's tensors start 0-7 elements past a line, case
    // by case.
    int layout = 0, skipped = 0;
    std::int64_t index = 0;
    for (const auto& cs : cases) {
        const std::int64_t products = cs.batch * cs.channels * cs.filters * cs.filter_size * cs.length;
        const std::int64_t shift = index++ % 8;
        if (max_products > 0 && products > max_products) {
            ++skipped;
        } else {
            run_case<float>(cs, layout, shift, rng);
            run_case<double>(cs, layout, shift, rng);
        }
        layout = (layout + 1) % 3;
    }
    if (skipped > 0)
        std::printf("%d of %zu cases over TCONV1D_TEST_MAX_PRODUCTS=%lld skipped\n", skipped, cases.size(),
                    static_cast<long long>(max_products));
    return check_summary();
}
