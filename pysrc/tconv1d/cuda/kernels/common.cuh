// Shared pieces of the tiled kernels: tile shapes, the shared-memory tiles and
// the register micro-tile product. Every pass is an implicit GEMM
// C[m, n] = sum_r A[r, m] * B[r, n] whose operands are gathered straight from the
// data (no im2col buffer); the passes differ only in how they gather and store.
//
// A block of (BM / TM) * (BN / TN) threads owns a BM x BN tile of C; each thread
// owns TM x TN of it, in groups of 4 rows / columns spread over the tile so that
// the 16-byte shared-memory reads of a warp are free of bank conflicts.
// Reductions are summed in one fixed order, so results are bitwise repeatable.
#pragma once

namespace tconv1d_cuda {

constexpr int BK = 16;  // reduction depth of one shared-memory tile
constexpr int PAD = 8;  // keeps rows 16-byte aligned; 8 also spreads the fragment reads over all banks

template <typename T, int BM, int BN>
struct Tiles {
    T a[BK][BM + PAD];  // a[r][m]
    T b[BK][BN + PAD];  // b[r][n]
};

template <typename T>
__device__ __forceinline__ void load4(const T* p, T* v);

template <>
__device__ __forceinline__ void load4<float>(const float* p, float* v) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    v[0] = q.x;
    v[1] = q.y;
    v[2] = q.z;
    v[3] = q.w;
}

template <>
__device__ __forceinline__ void load4<double>(const double* p, double* v) {
    const double2 q0 = reinterpret_cast<const double2*>(p)[0];
    const double2 q1 = reinterpret_cast<const double2*>(p)[1];
    v[0] = q0.x;
    v[1] = q0.y;
    v[2] = q1.x;
    v[3] = q1.y;
}

// Offset, inside the tile, of a thread's i-th row (or column): groups of 4 spaced
// by extent / (count / 4).
template <int EXTENT, int COUNT>
__device__ __forceinline__ int owned(int slot, int i) {
    return (i / 4) * (EXTENT / (COUNT / 4)) + slot * 4 + (i % 4);
}

// The accumulator of a plain (CUDA-core) tile: TM x TN per thread, FMA products.
template <typename T, int BM, int BN, int TM, int TN>
struct FmaTile {
    static constexpr int THREADS = (BM / TM) * (BN / TN);
    T v[TM][TN];

    __device__ __forceinline__ void zero() {
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) v[i][j] = T(0);
    }

    // The barrier after the tile is stored; says whether the tile needs the exact path (never here).
    template <int NA, int NB>
    __device__ __forceinline__ bool barrier(const T (&)[NA], const T (&)[NB]) {
        __syncthreads();
        return false;
    }

    __device__ __forceinline__ void multiply(const Tiles<T, BM, BN>& s, int tid, bool) {
        const int tm = tid / (BN / TN), tn = tid % (BN / TN);
#pragma unroll
        for (int r = 0; r < BK; ++r) {
            T a[TM], b[TN];
#pragma unroll
            for (int g = 0; g < TM / 4; ++g) load4(&s.a[r][g * (BM / (TM / 4)) + tm * 4], a + 4 * g);
#pragma unroll
            for (int g = 0; g < TN / 4; ++g) load4(&s.b[r][g * (BN / (TN / 4)) + tn * 4], b + 4 * g);
#pragma unroll
            for (int i = 0; i < TM; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) v[i][j] = fma(a[i], b[j], v[i][j]);
        }
    }

    // Calls f(row, column, value) for every element this thread owns (tile coordinates).
    template <typename F>
    __device__ __forceinline__ void for_each(int tid, F&& f) const {
        const int tm = tid / (BN / TN), tn = tid % (BN / TN);
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) f(owned<BM, TM>(tm, i), owned<BN, TN>(tn, j), v[i][j]);
    }
};

// float on the tensor cores with float accuracy ("3xTF32"): each operand is split
// into a TF32 part and a TF32 remainder, x = big + small, and the product is
// big*big + big*small + small*big (small*small is below float rounding). The
// tensor cores truncate when they accumulate, so each 8-deep step is summed
// from zero and then added, rounded, to the running float sums: the error stays
// that of float arithmetic. A tile holding Inf, NaN or values near the float
// limit (where the split itself would overflow) takes exact FMAs instead, so
// IEEE special values propagate exactly as on the CUDA cores.
__device__ __forceinline__ unsigned to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ void split_tf32(float x, unsigned& big, unsigned& small) {
    big = to_tf32(x);
    small = to_tf32(x - __uint_as_float(big));
}

__device__ __forceinline__ bool splittable(float x) { return fabsf(x) <= 3.0e38f; }  // false for Inf, NaN

__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// 8 warps as 4 (rows) x 2 (columns); each warp owns (BM/4) x (BN/2) as m16n8 fragments.
template <int BM, int BN>
struct Tf32x3Tile {
    static constexpr int THREADS = 256;
    static constexpr int WM = BM / 4, WN = BN / 2, FM = WM / 16, FN = WN / 8;
    float v[FM][FN][4];

    __device__ __forceinline__ void zero() {
#pragma unroll
        for (int i = 0; i < FM; ++i)
#pragma unroll
            for (int j = 0; j < FN; ++j)
#pragma unroll
                for (int c = 0; c < 4; ++c) v[i][j][c] = 0.0f;
    }

    template <int NA, int NB>
    __device__ __forceinline__ bool barrier(const float (&ra)[NA], const float (&rb)[NB]) {
        bool ok = true;
#pragma unroll
        for (int l = 0; l < NA; ++l) ok = ok && splittable(ra[l]);
#pragma unroll
        for (int l = 0; l < NB; ++l) ok = ok && splittable(rb[l]);
        return __syncthreads_or(!ok) != 0;
    }

    __device__ __forceinline__ void multiply(const Tiles<float, BM, BN>& s, int tid, bool special) {
        const int warp = tid / 32, lane = tid % 32, g = lane / 4, q = lane % 4;
        if (special) {  // exact FMAs over this tile, in the fragment layout of for_each
            const int m_base = (warp % 4) * WM + g, n_base = (warp / 4) * WN + 2 * q;
#pragma unroll 1
            for (int k = 0; k < BK; ++k)
#pragma unroll
                for (int i = 0; i < FM; ++i)
#pragma unroll
                    for (int j = 0; j < FN; ++j)
#pragma unroll
                        for (int c = 0; c < 4; ++c)
                            v[i][j][c] = fmaf(s.a[k][m_base + i * 16 + 8 * (c / 2)],
                                              s.b[k][n_base + j * 8 + (c % 2)], v[i][j][c]);
            return;
        }
        const int m_base = (warp % 4) * WM + g, n_base = (warp / 4) * WN + g;
#pragma unroll
        for (int k = 0; k < BK; k += 8) {
            unsigned a_big[FM][4], a_small[FM][4];
#pragma unroll
            for (int i = 0; i < FM; ++i) {
                const int m = m_base + i * 16;
                split_tf32(s.a[k + q][m], a_big[i][0], a_small[i][0]);
                split_tf32(s.a[k + q][m + 8], a_big[i][1], a_small[i][1]);
                split_tf32(s.a[k + q + 4][m], a_big[i][2], a_small[i][2]);
                split_tf32(s.a[k + q + 4][m + 8], a_big[i][3], a_small[i][3]);
            }
#pragma unroll
            for (int j = 0; j < FN; ++j) {
                const int n = n_base + j * 8;
                unsigned b_big[2], b_small[2];
                split_tf32(s.b[k + q][n], b_big[0], b_small[0]);
                split_tf32(s.b[k + q + 4][n], b_big[1], b_small[1]);
#pragma unroll
                for (int i = 0; i < FM; ++i) {
                    float step[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                    mma_tf32(step, a_small[i], b_big);
                    mma_tf32(step, a_big[i], b_small);
                    mma_tf32(step, a_big[i], b_big);
#pragma unroll
                    for (int c = 0; c < 4; ++c) v[i][j][c] += step[c];
                }
            }
        }
    }

    template <typename F>
    __device__ __forceinline__ void for_each(int tid, F&& f) const {
        const int warp = tid / 32, lane = tid % 32, g = lane / 4, q = lane % 4;
        const int m_base = (warp % 4) * WM + g, n_base = (warp / 4) * WN + 2 * q;
#pragma unroll
        for (int i = 0; i < FM; ++i)
#pragma unroll
            for (int j = 0; j < FN; ++j)
#pragma unroll
                for (int c = 0; c < 4; ++c)
                    f(m_base + i * 16 + 8 * (c / 2), n_base + j * 8 + (c % 2), v[i][j][c]);
    }
};

// The accumulator of a tile shape: TM = TN = 0 selects the tensor cores (float only).
template <typename T, int BM, int BN, int TM, int TN>
struct Accumulator {
    using type = FmaTile<T, BM, BN, TM, TN>;
};
template <int BM, int BN>
struct Accumulator<float, BM, BN, 0, 0> {
    using type = Tf32x3Tile<BM, BN>;
};

}  // namespace tconv1d_cuda
