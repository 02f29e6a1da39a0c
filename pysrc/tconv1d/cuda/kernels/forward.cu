// Forward pass (SPEC R3.1), polyphase: the output positions of one phase
// p = (t + crop_left) mod S read full positions u = q*S + p, and
//   y[n, k, t] = b[k] + sum_{c, m} W[p + m*S, k, c] * x[n, c, q - m]
// is a stride-1 correlation with ceil((F - p) / S) taps: an implicit GEMM with
// rows k, columns q and reduction (m, c). Cropping and bias happen in the store;
// positions past the full length (the bias-only extension of 'same' when F < S)
// find no valid tap and get the bias alone.
//
// The gather loads 0 past the input's ends, so the tile product multiplies edge
// outputs' weights by zero padding: products R3.1 does not have. With finite
// weights that changes nothing; with an Inf or NaN weight it would put a NaN
// (Inf * 0) where the spec has none (R3.6). So a block that loaded a non-finite
// weight recomputes its edge outputs from the spec's own terms in the store.
#include "common.cuh"

// The integer arguments of forward, passed by value as one struct (one launch argument).
struct ForwardArgs {
    long long has_bias;
    long long batch_inner;
    long long channels;
    long long length;
    long long num_filters;
    long long filter_size;
    long long stride;
    long long crop_left;
    long long out_length;
    long long xs_outer;
    long long xs_inner;
    long long xs_channel;
    long long xs_position;
    long long ys_outer;
    long long ys_inner;
    long long ys_channel;
    long long ys_position;
    long long column_tiles;
    long long phases;  // min(stride, out_length): residues t mod S that hold an output
};

template <typename T, int BM, int BN, int TM, int TN>
__global__ void __launch_bounds__(tconv1d_cuda::Accumulator<T, BM, BN, TM, TN>::type::THREADS)
    forward(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias, T* __restrict__ y,
            const ForwardArgs args) {
    const long long has_bias = args.has_bias, batch_inner = args.batch_inner, channels = args.channels,
                    length = args.length, num_filters = args.num_filters, filter_size = args.filter_size,
                    stride = args.stride, crop_left = args.crop_left, out_length = args.out_length,
                    xs_outer = args.xs_outer, xs_inner = args.xs_inner, xs_channel = args.xs_channel,
                    xs_position = args.xs_position, ys_outer = args.ys_outer, ys_inner = args.ys_inner,
                    ys_channel = args.ys_channel, ys_position = args.ys_position,
                    column_tiles = args.column_tiles, phases = args.phases;
    using namespace tconv1d_cuda;
    using Acc = typename Accumulator<T, BM, BN, TM, TN>::type;
    constexpr int THREADS = Acc::THREADS;
    constexpr int LA = BM * BK / THREADS;
    constexpr int LB = BN * BK / THREADS;
    __shared__ __align__(16) Tiles<T, BM, BN> s;

    long long block = blockIdx.x;
    const long long column_tile = block % column_tiles;
    block /= column_tiles;
    // Blocks run over the residues t mod S of the output positions rather than
    // over all S phases, so a stride far above the output length (up to 2^63 - 1
    // at L = 1) still gives a grid of at most out_length phases.
    const long long t_first = block % phases;
    const long long n = block / phases;
    const long long k0 = (long long)blockIdx.y * BM;
    // Output positions of this block: t = t_first + j*S for j < count, all of one phase
    // (t_first + crop_left <= out_length + crop_left <= the full length: no overflow).
    const long long phase = (t_first + crop_left) % stride;
    const long long count = (out_length - 1 - t_first) / stride + 1;
    const long long j0 = column_tile * BN;
    if (j0 >= count) return;  // uniform over the block: no barrier is skipped by part of it
    const long long q0 = (t_first + crop_left - phase) / stride + j0;
    // ceil((F - p) / S) written so that it cannot overflow for a stride near 2^63.
    const long long taps = phase < filter_size ? (filter_size - phase - 1) / stride + 1 : 0;
    const long long chunks = (channels + BK - 1) / BK;
    const long long iterations = taps * chunks;

    const T* xb = x + (n / batch_inner) * xs_outer + (n % batch_inner) * xs_inner;
    const int tid = threadIdx.x;
    const int a_r = tid % BK, a_m = tid / BK;  // A read along c (contiguous in W)
    const int b_n = tid % BN, b_r = tid / BN;  // B read along positions

    // Per-thread parts of the gather addresses, fixed for the whole loop; the loop
    // walks the tiles in (tap m, channel c0) order by counters, without divisions.
    const T* w_thread = w + (k0 + a_m) * channels + a_r;
    const long long w_step = (THREADS / BK) * channels;
    bool k_ok[LA];
#pragma unroll
    for (int l = 0; l < LA; ++l) k_ok[l] = k0 + a_m + (THREADS / BK) * l < num_filters;
    const T* x_thread = xb + b_r * xs_channel + (q0 + b_n) * xs_position;
    const long long x_step = (THREADS / BN) * xs_channel;
    const long long filter_step = num_filters * channels;
    long long next_m = 0, next_c0 = 0;

    T ra[LA], rb[LB];
    bool weights_nonfinite = false;
    auto fetch = [&]() {
        const long long m = next_m, c0 = next_c0;
        next_c0 += BK;
        if (next_c0 >= channels) next_c0 = 0, ++next_m;
        const T* wp = w_thread + (phase + m * stride) * filter_step + c0;
        const bool c_ok = c0 + a_r < channels;
#pragma unroll
        for (int l = 0; l < LA; ++l) {
            ra[l] = (c_ok && k_ok[l]) ? wp[l * w_step] : T(0);
            weights_nonfinite |= !isfinite(ra[l]);
        }
        const long long pos = q0 + b_n - m;
        const bool inside = pos >= 0 && pos < length;
        const T* xp = x_thread + c0 * xs_channel - m * xs_position;
#pragma unroll
        for (int l = 0; l < LB; ++l)
            rb[l] = (inside && c0 + b_r + (THREADS / BN) * l < channels) ? xp[l * x_step] : T(0);
    };

    Acc acc;
    acc.zero();

    if (iterations > 0) fetch();
    for (long long it = 0; it < iterations; ++it) {
        __syncthreads();
#pragma unroll
        for (int l = 0; l < LA; ++l) s.a[a_r][a_m + (THREADS / BK) * l] = ra[l];
#pragma unroll
        for (int l = 0; l < LB; ++l) s.b[b_r + (THREADS / BN) * l][b_n] = rb[l];
        const bool special = acc.barrier(ra, rb);
        if (it + 1 < iterations) fetch();  // in flight while this tile is multiplied
        acc.multiply(s, tid, special);
    }

    // Uniform over the block (the early returns above are), so every thread meets it.
    const bool repair_edges = __syncthreads_or(weights_nonfinite) != 0;
    // y[k, q] of this phase from the taps that read inside the input only.
    auto edge_sum = [&](long long k, long long q) {
        T sum = T(0);
        const long long m_begin = q >= length ? q - length + 1 : 0, m_end = q + 1 < taps ? q + 1 : taps;
        for (long long m = m_begin; m < m_end; ++m) {
            const T* wp = w + ((phase + m * stride) * num_filters + k) * channels;
            const T* xp = xb + (q - m) * xs_position;
            for (long long c = 0; c < channels; ++c) sum = fma(wp[c], xp[c * xs_channel], sum);
        }
        return sum;
    };
    T* yb = y + (n / batch_inner) * ys_outer + (n % batch_inner) * ys_inner;
    acc.for_each(tid, [&](int mi, int ni, T value) {
        const long long k = k0 + mi, jj = j0 + ni;
        if (k >= num_filters || jj >= count) return;
        const long long q = q0 + ni;  // this column's full position is q*S + phase
        if (repair_edges && (q < taps - 1 || q >= length)) value = edge_sum(k, q);
        yb[k * ys_channel + (t_first + jj * stride) * ys_position] = value + (has_bias ? bias[k] : T(0));
    });
}
