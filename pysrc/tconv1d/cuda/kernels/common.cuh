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
constexpr int PAD = 4;  // keeps each tile row 16-byte aligned

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
    v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
}

template <>
__device__ __forceinline__ void load4<double>(const double* p, double* v) {
    const double2 q0 = reinterpret_cast<const double2*>(p)[0];
    const double2 q1 = reinterpret_cast<const double2*>(p)[1];
    v[0] = q0.x; v[1] = q0.y; v[2] = q1.x; v[3] = q1.y;
}

// Offset, inside the tile, of a thread's i-th row (or column): groups of 4 spaced
// by extent / (count / 4).
template <int EXTENT, int COUNT>
__device__ __forceinline__ int owned(int slot, int i) {
    return (i / 4) * (EXTENT / (COUNT / 4)) + slot * 4 + (i % 4);
}

template <typename T, int BM, int BN, int TM, int TN>
__device__ __forceinline__ void multiply_tile(const Tiles<T, BM, BN>& s, T (&acc)[TM][TN], int tm, int tn) {
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
            for (int j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
}

}  // namespace tconv1d_cuda
