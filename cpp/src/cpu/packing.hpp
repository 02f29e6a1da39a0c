// Internal: the packed copies the passes' micro-kernels read: slabs of the
// input (forward), phase-split rows of the zero-re-padded dy (backward), and
// the transposed input (backward-weights). Only the phases with taps are
// packed (cpu/index.hpp), and offsets are formed only for real positions.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "cpu/index.hpp"
#include "cpu/microkernel.hpp"
#include "parallel.hpp"
#include "tconv1d/geometry.hpp"
#include "tconv1d/view.hpp"

namespace tconv1d::cpu {

using std::int64_t;

// Rows of weights interleaved into a panel of MR rows: out[c*MR + r] =
// rows[r][c*cs] for r < n, zero for n <= r < MR (the a[c*MR + r] the
// micro-kernels broadcast from), c < C. Contiguous rows into full tiles'
// panels (MR = mk.mr, the layer's layout) go through the body's register
// transposes; others channel by channel, so that the stores at least run
// along the panel (row by row, every store would land MR elements from the
// last).
template <class T>
void interleave_rows(const MicroKernels<T>& mk, const T* const* rows, int64_t n, int64_t cs, int64_t MR,
                     int64_t C, T* out) {
    if (cs == 1 && MR == mk.mr) {
        mk.interleave(rows, n, C, out);
        return;
    }
    for (int64_t c = 0; c < C; ++c, out += MR) {
        for (int64_t r = 0; r < n; ++r) out[r] = rows[r][c * cs];
        for (int64_t r = n; r < MR; ++r) out[r] = T(0);
    }
}

// Input of batch n cut into overlapping slabs, one per column block qb in
// [qb0, qb1): slab qb holds positions [first + qb*nr, first + qb*nr + width)
// of every channel, rows of `width` contiguous elements:
// dst[((qb - qb0)*C + c)*width + v], zero outside [0, L). The micro-kernel
// then reads a block's rows one after another. With a `head` (the stream's
// held samples, R13) the input is head's samples followed by x's, L the sum.
template <class T>
void pack_input_block(const MicroKernels<T>& mk, const DataView<const T>& x, int64_t n, int64_t qb0,
                      int64_t qb1, int64_t first, int64_t nr, int64_t width, T* dst,
                      const DataView<const T>* head = nullptr) {
    const int64_t C = x.channels, H = head != nullptr ? head->length : 0, L = H + x.length;
    if (head == nullptr && x.length_stride == 1) {
        // Channel by channel, along each row: a block's C rows lie a row
        // apart, and taken block by block an input from memory ran 10% slower
        // (hifigan-up3: rows 8 KiB apart, a page each, which the hardware
        // prefetchers do not follow). The blocks wholly inside [0, L) are one
        // call, source rows nr apart.
        const int64_t inner_end = std::min(qb1, floor_div(L - width - first, nr) + 1);
        for (int64_t c = 0; c < C; ++c) {
            const T* in = x.data + x.batch_offset(n) + c * x.channel_stride;
            T* out = dst + c * width;
            for (int64_t qb = qb0; qb < qb1;) {
                const int64_t s0 = first + qb * nr;
                const int64_t v0 = std::clamp<int64_t>(-s0, 0, width), v1 = std::clamp(L - s0, v0, width);
                const int64_t blocks = v0 == 0 && v1 == width ? std::max<int64_t>(1, inner_end - qb) : 1;
                mk.pad_rows(v1 > v0 ? in + s0 + v0 : in, nr, blocks, v0, v1 - v0, width - v1,
                            out + (qb - qb0) * C * width, C * width);
                qb += blocks;
            }
        }
        return;
    }
    for (int64_t c = 0; c < C; ++c) {
        const T* in = x.data + x.batch_offset(n) + c * x.channel_stride;
        for (int64_t qb = qb0; qb < qb1; ++qb) {
            T* out = dst + ((qb - qb0) * C + c) * width;
            const int64_t s0 = first + qb * nr;
            const int64_t v0 = std::max<int64_t>(0, -s0), v1 = std::min(width, L - s0);
            std::fill(out, out + std::max<int64_t>(0, std::min(v0, width)), T(0));
            // Positions [v0, vh) lie in the head, [vh, v1) in x.
            const int64_t vh = head != nullptr ? std::clamp(H - s0, v0, std::max(v0, v1)) : v0;
            if (vh > v0) {
                const T* held = head->data + head->batch_offset(n) + c * head->channel_stride;
                for (int64_t v = v0; v < vh; ++v) out[v] = held[(s0 + v) * head->length_stride];
            }
            if (v1 > vh) {
                const T* from = in + (s0 + vh - H) * x.length_stride;
                if (x.length_stride == 1)
                    std::memcpy(out + vh, from, std::size_t(v1 - vh) * sizeof(T));
                else
                    for (int64_t v = 0; v < v1 - vh; ++v) out[vh + v] = from[v * x.length_stride];
            }
            std::fill(out + std::max(v0, std::max<int64_t>(0, v1)), out + width, T(0));
        }
    }
}

// The rows a later pack_input_block reads (batch item n, positions [a, b)
// of every channel, clipped to [0, L)), brought into L2 in `steps` even
// shares while the task before it computes. Copied on demand, an input
// from memory made the copy wait on each row's first lines: a slab task's
// copy was 16% of a one-thread forward of (16, 256, 32, 5, 1, 512, 0)
// float32 (its input 8 MB), the micro-kernel at the core's FMA rate.
// Only for contiguous rows of at least kAheadRows channels, since the
// hardware prefetchers follow a few dozen streams on their own, and inputs
// of at least kAheadBytes, since smaller ones are likely still in cache.
// Measured (float32 and float64, alternated in one process, 32 MB of caches
// dirtied between calls), one thread: (16, 256, 32, 5, 1, 512, 0) 3-7% less
// time, (8, 256, 32, 3, 1, 1024, [1 1]) 7%, (16, 256, 128, 4, 2, 256, same)
// 2-3%, (4, 128, 128, 16, 8, 1024, [4 4]) 0-1%, (8, 512, 64, 3, 1, 1024,
// same) 0-4%; two threads: 5-7%, 1%, 1-2%, 0%, 0-1%; while layers of 64
// channels ran up to 4% slower ((8, 64, 16, 5, 2, 1024, same), whence 128),
// and one of 8 channels (1, 8, 16, 3, 1, 65536, same) within noise.
constexpr int64_t kAheadRows = 128;
constexpr int64_t kAheadBytes = int64_t(128) << 10;

template <class T>
class InputAhead {
public:
    InputAhead() = default;
    InputAhead(const DataView<const T>& x, int64_t n, int64_t a, int64_t b, int64_t steps) {
        a = std::max<int64_t>(a, 0);
        b = std::min(b, x.length);
        const int64_t elem = int64_t(sizeof(T));
        if (x.length_stride != 1 || x.channels < kAheadRows || b <= a || steps < 1 ||
            double(x.channels) * double(b - a) * double(elem) < double(kAheadBytes))
            return;
        first_ = reinterpret_cast<const char*>(x.data + x.batch_offset(n) + a);
        row_stride_ = x.channel_stride * elem;
        bytes_ = (b - a) * elem;
        lines_ = (bytes_ + 63) / 64 + 1;  // a row's lines, at most, however it is aligned
        total_ = x.channels * lines_;
        steps_ = steps;
    }

    // The next share of the lines: row by row, each row's from its first
    // element on, every address inside the rows (cursors, not a division
    // per line: divisions were 5% of a one-thread forward).
    void step() {
        if (total_ == 0 || step_ == steps_) return;
        ++step_;
        const int64_t until = total_ * step_ / steps_;
        for (; done_ < until; ++done_) {
            if (line_ == 0) {
                row_at_ = first_ + row_ * row_stride_;
                misalign_ = int64_t(reinterpret_cast<std::uintptr_t>(row_at_) % 64);
            }
            const int64_t offset = line_ == 0 ? 0 : line_ * 64 - misalign_;
            if (offset < bytes_) __builtin_prefetch(row_at_ + offset, 0, 2);
            if (++line_ == lines_) line_ = 0, ++row_;
        }
    }

private:
    const char* first_ = nullptr;
    const char* row_at_ = nullptr;  // the current row's first element
    int64_t row_stride_ = 0, bytes_ = 0, lines_ = 0, total_ = 0, done_ = 0, step_ = 0, steps_ = 0;
    int64_t row_ = 0, line_ = 0, misalign_ = 0;  // the cursor: the next line's row and place
};

// pack_input_block for a stream of `items` batch items from n0 (the call's
// last stream may run past the batch: its missing items read as zeros),
// item i's positions at [i*period, i*period + L) of the stream and zeros
// between them: dst[((qb - qb0)*C + c)*width + v] is stream position
// first + qb*nr + v. With period - L zeros after each item (at least the
// taps' reach) no product of one item's outputs reads another's input, so
// the phase GEMMs run over the stream's columns as over one item's.
// A block's runs (zeros, one item's positions) lie alike in every channel:
// each item's run, with the zeros before it, is one pad_rows call over the
// C rows (contiguous rows; otherwise element by element).
template <class T>
void pack_stream_block(const MicroKernels<T>& mk, const DataView<const T>& x, int64_t n0, int64_t items,
                       int64_t period, int64_t qb0, int64_t qb1, int64_t first, int64_t nr, int64_t width,
                       T* dst) {
    const int64_t C = x.channels, L = x.length, held = std::min(items, x.batch() - n0);
    for (int64_t qb = qb0; qb < qb1; ++qb) {
        T* out = dst + (qb - qb0) * C * width;
        const int64_t s0 = first + qb * nr;
        int64_t zeros = 0;  // the zeros before v begin here
        for (int64_t v = 0; v < width;) {
            const int64_t pos = s0 + v, i = floor_div(pos, period), at = pos - i * period;
            if (i < 0 || i >= held || at >= L) {  // before the first item, between items, after the last
                v += std::min(width - v, i < 0 ? -pos : (i >= held ? width - v : period - at));
                continue;
            }
            const int64_t run = std::min(width - v, L - at);
            const T* from = x.data + x.batch_offset(n0 + i) + at * x.length_stride;
            if (x.length_stride == 1) {
                mk.pad_rows(from, x.channel_stride, C, v - zeros, run, 0, out + zeros, width);
            } else {
                for (int64_t c = 0; c < C; ++c) {
                    T* row = out + c * width;
                    std::fill(row + zeros, row + v, T(0));
                    for (int64_t e = 0; e < run; ++e)
                        row[v + e] = from[c * x.channel_stride + e * x.length_stride];
                }
            }
            v += run;
            zeros = v;
        }
        if (zeros < width) mk.pad_rows(x.data, x.channel_stride, C, width - zeros, 0, 0, out + zeros, width);
    }
}

// One phase row of the zero-re-padded dy: out[v] = dy_full[j0 + v*S] for
// v < width, i.e. in[(j0 + v*S - l) * ls] for full positions inside the kept
// window [l, jend) and zero elsewhere. Offsets are formed only for kept
// positions, so a stride near 2^63 never overflows them.
template <class T>
void gather_phase_row(const T* in, int64_t ls, int64_t j0, int64_t S, int64_t l, int64_t jend, int64_t width,
                      T* out) {
    const int64_t v0 = std::min(width, j0 >= l ? 0 : ceil_div(l - j0, S));
    const int64_t v1 = std::max(v0, std::min(width, j0 >= jend ? 0 : ceil_div(jend - j0, S)));
    std::fill(out, out + v0, T(0));
    if (v1 > v0) {
        const T* src = in + (j0 + v0 * S - l) * ls;
        // Two kept positions lie S apart inside dy, so S * ls is a real offset.
        const int64_t step = v1 - v0 > 1 ? S * ls : 0;
        if (step == 1)
            std::memcpy(out + v0, src, std::size_t(v1 - v0) * sizeof(T));
        else
            for (int64_t v = v0; v < v1; ++v, src += step) out[v] = *src;
    }
    std::fill(out + v1, out + width, T(0));
}

// gather_phase_row for the phases j0 + p, p < rows <= S, phase p into
// out_of(p), width_of(p) columns: where the body deinterleaves (contiguous
// dy, S up to kInterleaveMax), the columns whose S positions all lie in the
// kept window (and below every phase's width) are split in one pass by
// permutes (a strided scalar loop per phase was a quarter of a
// backward-data pass at S = 8); the columns at either end as before.
template <class T, class WidthOf, class OutOf>
void gather_phases(const MicroKernels<T>& mk, const T* in, int64_t ls, int64_t j0, int64_t S, int64_t rows,
                   int64_t l, int64_t jend, WidthOf&& width_of, OutOf&& out_of) {
    int64_t narrow = width_of(0);
    for (int64_t p = 1; p < rows; ++p) narrow = std::min(narrow, width_of(p));
    int64_t lo = narrow, hi = narrow;  // columns [lo, hi) split by permutes
    if (mk.deinterleave != nullptr && ls == 1 && S >= 2 && S <= kInterleaveMax) {
        // Column v holds the positions j0 + v*S .. j0 + v*S + S - 1.
        lo = std::min(narrow, j0 >= l ? 0 : ceil_div(l - j0, S));
        const int64_t room = jend - j0 - (S - 1);  // column v fits where v*S < room
        hi = std::max(lo, std::min(narrow, room > 0 ? ceil_div(room, S) : 0));
        if (hi - lo < mk.lanes) lo = hi = narrow;  // too few for a vector
    }
    for (int64_t p = 0; p < rows; ++p) {
        T* out = out_of(p);
        const int64_t width = width_of(p);
        gather_phase_row(in, ls, j0 + p, S, l, jend, lo, out);
        if (hi < width) gather_phase_row(in, ls, j0 + p + hi * S, S, l, jend, width - hi, out + hi);
    }
    if (hi > lo) {
        T* dst[kInterleaveMax];
        for (int64_t p = 0; p < rows; ++p) dst[p] = out_of(p) + lo;
        mk.deinterleave(in + (j0 + lo * S - l), S, rows, hi - lo, dst);
    }
}

// gather_phases of one width, phase p into out + p*step.
template <class T>
void gather_phase_rows(const MicroKernels<T>& mk, const T* in, int64_t ls, int64_t j0, int64_t S,
                       int64_t rows, int64_t l, int64_t jend, int64_t width, T* out, int64_t step) {
    gather_phases(
        mk, in, ls, j0, S, rows, l, jend, [&](int64_t) { return width; },
        [&](int64_t p) { return out + p * step; });
}

// The batched strategies' columns: a task's columns col0 .. col0 + cols - 1
// are the pairs (n, q) = ((col0 + col) / Q, (col0 + col) % Q) of batch item
// and position, so they fall into runs of one item's consecutive positions;
// fn(n, q, col, count) is called for each run, in order.
template <class Fn>
void for_each_run(int64_t col0, int64_t cols, int64_t Q, Fn&& fn) {
    for (int64_t col = 0; col < cols;) {
        const int64_t n = (col0 + col) / Q, q = (col0 + col) % Q, count = std::min(cols - col, Q - q);
        fn(n, q, col, count);
        col += count;
    }
}

// Whether the weights lie in the layer's own contiguous layout ([f][k][c]).
template <class T>
bool layer_layout(const WeightsView<const T>& w) {
    return w.channel_stride == 1 && w.filter_index_stride == w.channels &&
           w.filter_stride == w.num_filters * w.channels;
}

// Whether each tap's weights are one contiguous [k][c] block, the taps at
// any distance apart: the layer's layout, or every other tap of it (the
// split's sub-passes at stride 1, cpu/forward_split.hpp), which the per-item
// strategy reads in place as well.
template <class T>
bool tap_blocks_layout(const WeightsView<const T>& w) {
    return w.channel_stride == 1 && w.filter_index_stride == w.channels;
}

// The weights copied into the layer's own layout at `own` (F*K*C elements),
// for strategies that read them in place but were given another layout (rare:
// a transposed view); whether such a strategy runs never depends on that.
template <class T>
WeightsView<const T> copy_to_layer_layout(const WeightsView<const T>& w, T* own, int nt) {
    const int64_t F = w.filter_size, K = w.num_filters, C = w.channels;
    detail::parallel_for_2d(nt, F, K, [&](int64_t f, int64_t k) {
        for (int64_t c = 0; c < C; ++c) own[(f * K + k) * C + c] = w.at(f, k, c);
    });
    return {own, F, K, C, K * C, C, 1};
}

// Column offsets of a batched block: kNoElement marks a column whose element
// is zero (outside the input, or outside the kept window of dy).
constexpr int64_t kNoElement = INT64_MIN;

// Rows of a batched block through per-column offsets:
// out[r*ld + col] = base[r*row_stride + off[col]], zero where off[col] is
// kNoElement, for r < rows and col < width. Per-element offsets cost the same
// whatever the runs of positions, which are short where this strategy runs.
// `width` is what the panel kernel reads (panel_width): a block with few
// columns fills only those vectors, not the whole row of ld.
// Rows close together in memory (short inputs: a latent vector's channels)
// are read column by column, each column's rows in memory order; rows far
// apart, row by row, where a row's columns are usually neighbours.
template <class T>
void gather_rows(const T* base, int64_t row_stride, const int64_t* off, int64_t rows, int64_t width,
                 int64_t ld, T* out) {
    if (row_stride * int64_t(sizeof(T)) <= 64) {
        for (int64_t col = 0; col < width; ++col) {
            T* o = out + col;
            if (off[col] == kNoElement) {
                for (int64_t r = 0; r < rows; ++r) o[r * ld] = T(0);
                continue;
            }
            const T* in = base + off[col];
            for (int64_t r = 0; r < rows; ++r) o[r * ld] = in[r * row_stride];
        }
        return;
    }
    for (int64_t r = 0; r < rows; ++r, base += row_stride, out += ld)
        for (int64_t col = 0; col < width; ++col) out[col] = off[col] == kNoElement ? T(0) : base[off[col]];
}

// Rows 0 .. rows - 1 of `src` (rows `rs` apart, positions `ps` apart),
// positions [lo, hi), into out (row r at out + r*pitch): row by row where
// a row's positions lie nearer than the rows, else `lanes` positions at a
// time across all the rows (channels-last: those positions' channels are
// one run, read in order), in the body's square transposes where the rows
// are adjacent (rs = 1). Float32 channels-last, one thread, alternated:
// the tap-wise forward of (8, 128, 1, 4, 1, 4096, 0), mostly this copy,
// took 3.1-3.5 ms element by element and 1.8-2.2 ms by the transposes
// (2.8-2.9 where such inputs were packed into chunks instead of slabs).
template <class T>
void copy_strided_rows(const MicroKernels<T>& mk, const T* src, int64_t rs, int64_t ps, int64_t rows,
                       int64_t lo, int64_t hi, T* out, int64_t pitch) {
    if (std::abs(ps) <= std::abs(rs)) {
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t i = lo; i < hi; ++i) out[r * pitch + i - lo] = src[r * rs + i * ps];
        return;
    }
    const int64_t W = mk.lanes, squares = rs == 1 ? rows / W * W : 0;
    for (int64_t i0 = lo; i0 < hi; i0 += W) {
        const int64_t i1 = std::min(hi, i0 + W);
        int64_t r = 0;
        if (i1 - i0 == W)
            for (; r < squares; r += W) mk.transpose(src + r + i0 * ps, ps, out + r * pitch + i0 - lo, pitch);
        for (; r < rows; ++r)
            for (int64_t i = i0; i < i1; ++i) out[r * pitch + i - lo] = src[r * rs + i * ps];
    }
}

// Phase-split dy of batches n0..n0+G, for the Sp phases with taps:
// dst[((g*Sp + p)*Kp + k)*Lq + q] = dy_full[n, k, q*S + p], i.e. dy[n, k,
// q*S + p - l] inside the kept window and zero elsewhere (and for the padding
// rows k >= K).
template <class T>
void pack_phase_split(const MicroKernels<T>& mk, const DataView<const T>& dy, const Geometry& g_, int64_t n0,
                      int64_t G, int64_t Kp, int64_t Lq, T* dst, int nt) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    // Kept full positions j = q*S + p: [l, jend).
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
    detail::parallel_for(nt, G * Kp, [&](int64_t row) {
        const int64_t g = row / Kp, k = row % Kp;
        T* base = dst + (g * Sp * Kp + k) * Lq;
        if (k >= K) {
            for (int64_t p = 0; p < Sp; ++p) std::fill(base + p * Kp * Lq, base + p * Kp * Lq + Lq, T(0));
            return;
        }
        const T* in = dy.data + dy.batch_offset(n0 + g) + k * dy.channel_stride;
        gather_phase_rows(mk, in, dy.length_stride, 0, S, Sp, l, jend, Lq, base, Kp * Lq);
    });
}

// Phase-split dy cut into slabs per column block ib (positions q in
// [ib*nr, ib*nr + width)), for the Sp phases with taps:
// dst[(((g*nib + ib)*Sp + p)*K + k)*width + v] = dy_full[n, k, (ib*nr + v)*S + p],
// zero outside the kept window. A slab's rows are contiguous, so the
// micro-kernel reads them one after another.
template <class T>
void pack_dy_slabs(const MicroKernels<T>& mk, const DataView<const T>& dy, const Geometry& g_, int64_t n0,
                   int64_t G, int64_t nib, int64_t nr, int64_t width, T* dst, int nt) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
    detail::parallel_for(nt, G * K, [&](int64_t row) {
        const int64_t g = row / K, k = row % K;
        const T* in = dy.data + dy.batch_offset(n0 + g) + k * dy.channel_stride;
        for (int64_t ib = 0; ib < nib; ++ib)
            gather_phase_rows(mk, in, dy.length_stride, ib * nr * S, S, Sp, l, jend, width,
                              dst + ((g * nib + ib) * Sp * K + k) * width, K * width);
    });
}

// Rows of dy ahead of the one being packed whose runs pack_dy_blocks
// prefetches.
constexpr int64_t kDyPrefetchRows = 2;

// Prefetches row k of dy over the positions that column blocks j0 .. j1 - 1
// (block j: item n0 + j / nib, column block j % nib) read: a run per item.
template <class T>
void prefetch_dy_runs(const DataView<const T>& dy, const Geometry& g_, int64_t n0, int64_t j0, int64_t j1,
                      int64_t nib, int64_t nr, int64_t width, int64_t k) {
    const int64_t S = g_.stride, l = g_.crop_left;
    for (int64_t j = j0; j < j1;) {
        const int64_t n = j / nib, last = std::min(j1, (n + 1) * nib) - 1;
        const int64_t lo = std::max<int64_t>(0, (j % nib) * nr * S - l);
        const int64_t hi = std::min(dy.length, (last % nib) * nr * S + width * S - l);
        const char* row =
            reinterpret_cast<const char*>(dy.data + dy.batch_offset(n0 + n) + k * dy.channel_stride);
        for (int64_t at = lo * int64_t(sizeof(T)); at < hi * int64_t(sizeof(T)); at += 64)
            __builtin_prefetch(row + at, 0, 3);
        j = last + 1;
    }
}

// The slabs of column blocks j0 .. j1 - 1 (block j: item n0 + j / nib,
// column block ib = j % nib), each as pack_dy_slabs lays it out, `slab`
// elements apart: dst[(j - j0)*slab + (p*K + k)*width + v] = dy_full[n, k,
// (ib*nr + v)*S + p]. Row by row, each along the blocks, so that a row is
// read as one run over the blocks of an item, and (contiguous dy) the run
// of the row kDyPrefetchRows ahead prefetched: block by block, each row gave
// a run of a few lines, K rows apart, that the hardware prefetchers did not
// follow, and the pass stalled on them (a fifth of the backward-data pass
// of hifigan-up3, 8 MB of dy from memory). Float32, one thread, alternated:
// (8, 128, 64, 4, 2, 2048, [1 1]) 9.06 -> 6.59 ms (two threads 4.90 ->
// 3.54), (1, 64, 64, 4, 2, 16384, [1 1]) 7.02 -> 4.01 ms; five other
// shapes of the suite and the sweep's families within 4% either way.
template <class T>
void pack_dy_blocks(const MicroKernels<T>& mk, const DataView<const T>& dy, const Geometry& g_, int64_t n0,
                    int64_t j0, int64_t j1, int64_t nib, int64_t nr, int64_t width, int64_t slab, T* dst) {
    const int64_t K = dy.channels, S = g_.stride, l = g_.crop_left;
    const int64_t Sp = phases_with_taps(g_.filter_size, S);
    const int64_t jend = std::min(g_.full_length, l + g_.out_length);
    for (int64_t k = 0; k < K; ++k) {
        if (dy.length_stride == 1 && k + kDyPrefetchRows < K)
            prefetch_dy_runs(dy, g_, n0, j0, j1, nib, nr, width, k + kDyPrefetchRows);
        for (int64_t j = j0; j < j1; ++j)
            gather_phase_rows(mk, dy.data + dy.batch_offset(n0 + j / nib) + k * dy.channel_stride,
                              dy.length_stride, (j % nib) * nr * S, S, Sp, l, jend, width,
                              dst + (j - j0) * slab + k * width, K * width);
    }
}

// Transposed input of batch n, column block cb (channels cb*nr ..), positions
// [i0, i0 + cnt): dst[i*nr + cc] = x[n, cb*nr + cc, i0 + i], zero past C.
// The micro-kernel reads these rows of nr channels one after another. W x W
// squares (channels x positions) are transposed in registers where they are
// whole and the positions contiguous (element by element, a store nr apart
// per element, it was a third of a one-item backward-weights pass of 32
// channels); the rest element by element.
template <class T>
void transpose_input_chunk(const MicroKernels<T>& mk, const DataView<const T>& x, int64_t n, int64_t cb,
                           int64_t nr, int64_t i0, int64_t cnt, T* dst) {
    const int64_t C = x.channels, ls = x.length_stride, W = mk.lanes;
    const T* in = x.data + x.batch_offset(n) + i0 * ls;
    for (int64_t c0 = 0; c0 < nr; c0 += W) {  // nr is a multiple of W
        const int64_t first = cb * nr + c0;
        int64_t i = 0;
        if (ls == 1 && first + W <= C)
            for (; i + W <= cnt; i += W)
                mk.transpose(in + first * x.channel_stride + i, x.channel_stride, dst + i * nr + c0, nr);
        if (first >= C) {  // the square lies past C: zero, a row at a time
            for (int64_t e = i; e < cnt; ++e) std::fill(dst + e * nr + c0, dst + e * nr + c0 + W, T(0));
            continue;
        }
        for (int64_t cc = c0; cc < c0 + W; ++cc) {
            const int64_t c = cb * nr + cc;
            T* out = dst + cc;
            if (c < C) {
                const T* src = in + c * x.channel_stride;
                for (int64_t e = i; e < cnt; ++e) out[e * nr] = src[e * ls];
            } else {
                for (int64_t e = i; e < cnt; ++e) out[e * nr] = T(0);
            }
        }
    }
}

// Transposed input in column blocks of nr channels:
// dst[((cb*G + g)*L + i)*nr + cc] = x[n0+g, cb*nr + cc, i], zero past C. A
// block's rows are contiguous, so the micro-kernel reads it sequentially.
template <class T>
void pack_transposed_input(const MicroKernels<T>& mk, const DataView<const T>& x, int64_t n0, int64_t G,
                           int64_t Cp, int64_t nr, T* dst, int nt) {
    const int64_t C = x.channels, L = x.length, W = mk.lanes;
    constexpr int64_t kBlock = 32;  // positions per block: keeps the reads cache-friendly
    const int64_t blocks = ceil_div(L, kBlock);
    detail::parallel_for(nt, G * blocks, [&](int64_t task) {
        const int64_t g = task / blocks, i0 = (task % blocks) * kBlock;
        const int64_t i1 = std::min(L, i0 + kBlock);
        const T* in = x.data + x.batch_offset(n0 + g);
        // W x W squares (channels x positions), transposed in registers where
        // they are whole and the positions contiguous; element by element at
        // the edges (and zero past C).
        for (int64_t c0 = 0; c0 < Cp; c0 += W) {
            T* out = dst + (((c0 / nr) * G + g) * L) * nr + c0 % nr;
            for (int64_t i = i0; i < i1; i += W) {
                if (x.length_stride == 1 && c0 + W <= C && i + W <= i1) {
                    mk.transpose(in + c0 * x.channel_stride + i, x.channel_stride, out + i * nr, nr);
                    continue;
                }
                for (int64_t c = c0; c < c0 + W; ++c)
                    for (int64_t e = i; e < std::min(i1, i + W); ++e)
                        out[e * nr + (c - c0)] =
                            c < C ? in[c * x.channel_stride + e * x.length_stride] : T(0);
            }
        }
    });
}

}  // namespace tconv1d::cpu
