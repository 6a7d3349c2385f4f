// GEMM: Goto-style blocking (KC × NC panel of B shared, MC × KC blocks of A per task) around an
// MR × NR register micro-kernel written with AVX-512 / AVX2 intrinsics, or portable C++ vector
// types (any CPU).
#include "gemm.h"

#if defined(MT_ISA_AVX512) || defined(MT_ISA_AVX2)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <vector>

#include "thread-pool.h"

namespace mt {

namespace {
constexpr int KC = 256;
constexpr int MC = MR * 12;
constexpr int NC = NR * 64;

// acc = Σ_p a[p] ⊗ b[p] over kc; then C (+)= acc for the valid mr × nr corner.
void microKernel(int kc, const float* a, const float* b, float* c, long ldc, int mr, int nr, bool accumulate) {
#if defined(MT_ISA_AVX512)
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
      const __m512 av = _mm512_set1_ps(a[r * kc + p]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
      float* cr = c + r * ldc;
      if (accumulate) {
        acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_loadu_ps(cr));
        acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_loadu_ps(cr + 16));
      }
      _mm512_storeu_ps(cr, acc[r][0]);
      _mm512_storeu_ps(cr + 16, acc[r][1]);
    }
    return;
  }
  alignas(64) float tile[MR * NR];
  for (int r = 0; r < MR; r++) {
    _mm512_store_ps(tile + r * NR, acc[r][0]);
    _mm512_store_ps(tile + r * NR + 16, acc[r][1]);
  }
#elif defined(MT_ISA_AVX2)
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r * kc + p);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
    b += NR;
  }
  alignas(32) float tile[MR * NR];
  for (int r = 0; r < MR; r++) {
    _mm256_store_ps(tile + r * NR, acc[r][0]);
    _mm256_store_ps(tile + r * NR + 8, acc[r][1]);
  }
#else
  // Portable: GCC/clang vector types of 4 floats (one SSE or NEON register), so the MR × NR sums
  // stay in registers across the depth (as plain arrays the compiler kept them in memory).
  typedef float v4 __attribute__((vector_size(16)));
  constexpr int NV = NR / 4;
  v4 acc[MR][NV] = {};
  for (int p = 0; p < kc; p++) {
    v4 bv[NV];
    std::memcpy(bv, b, sizeof bv);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const v4 av = v4{} + a[r * kc + p];
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[r][j] += av * bv[j];
    }
    b += NR;
  }
  float tile[MR * NR];
  std::memcpy(tile, acc, sizeof tile);
#endif
  for (int r = 0; r < mr; r++) {
    float* cr = c + r * ldc;
    const float* tr = tile + r * NR;
    if (accumulate)
      for (int j = 0; j < nr; j++) cr[j] += tr[j];
    else
      for (int j = 0; j < nr; j++) cr[j] = tr[j];
  }
}

float* scratch(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}
}  // namespace

void StridedA::pack(float* dst, long i0, int mc, long p0, int kc) const {
  const int rowsPadded = (mc + MR - 1) / MR * MR;
  for (int r = 0; r < rowsPadded; r++, dst += kc) {
    if (r >= mc) {
      std::memset(dst, 0, kc * sizeof(float));
      continue;
    }
    const float* src = a + (i0 + r) * rs + p0 * cs;
    if (cs == 1) {
      std::memcpy(dst, src, kc * sizeof(float));
    } else {
      for (int p = 0; p < kc; p++) dst[p] = src[p * cs];
    }
  }
}

void StridedB::pack(float* dst, long p0, int kc, long j0, int nc) const {
  for (int s = 0; s < nc; s += NR) {
    const int cols = std::min(NR, nc - s);
    for (int p = 0; p < kc; p++) {
      const float* src = b + (p0 + p) * rs + (j0 + s) * cs;
      int j = 0;
      if (cs == 1) {
        std::memcpy(dst, src, cols * sizeof(float));
        j = cols;
      } else {
        for (; j < cols; j++) dst[j] = src[j * cs];
      }
      for (; j < NR; j++) dst[j] = 0.f;
      dst += NR;
    }
  }
}

void gemm(long M, long N, long K, const APacker& A, const BPacker& B, float* C, long ldc, bool accumulate,
          bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (long i = 0; i < M; i++) std::memset(C + i * ldc, 0, N * sizeof(float));
    return;
  }
  ThreadPool& pool = ThreadPool::get();
  const int threads = parallel ? pool.size() : 1;
  static thread_local std::vector<float> bBuf, aBuf;
  for (long jc = 0; jc < N; jc += NC) {
    const int nc = static_cast<int>(std::min<long>(NC, N - jc));
    const int nSlivers = (nc + NR - 1) / NR;
    for (long pc = 0; pc < K; pc += KC) {
      const int kc = static_cast<int>(std::min<long>(KC, K - pc));
      const bool acc = accumulate || pc > 0;
      float* bp = scratch(bBuf, static_cast<size_t>(nSlivers) * NR * kc);
      // Pack B in sliver groups, in parallel.
      const int bTasks = parallel ? std::min(nSlivers, threads) : 1;
      auto packB = [&](int t, int) {
        long s0, s1;
        splitRange(nSlivers, bTasks, t, &s0, &s1);
        if (s1 > s0)
          B.pack(bp + s0 * NR * kc, pc, kc, jc + s0 * NR, static_cast<int>(std::min<long>(nc, s1 * NR) - s0 * NR));
      };
      if (bTasks > 1) pool.run(bTasks, packB); else packB(0, 0);
      // Tasks: MC row blocks × column chunks (more chunks when rows are few, to feed every thread).
      const long mBlocks = (M + MC - 1) / MC;
      const int nChunks = static_cast<int>(
          std::min<long>(nSlivers, mBlocks >= 2L * threads ? 1 : (2L * threads + mBlocks - 1) / mBlocks));
      auto task = [&](int t, int) {
        const long ib = t / nChunks;
        const int chunk = t % nChunks;
        const long ic = ib * MC;
        const int mc = static_cast<int>(std::min<long>(MC, M - ic));
        long s0, s1;
        splitRange(nSlivers, nChunks, chunk, &s0, &s1);
        if (s1 <= s0) return;
        float* ap = scratch(aBuf, static_cast<size_t>(MC) * kc);
        A.pack(ap, ic, mc, pc, kc);
        for (long s = s0; s < s1; s++) {
          const int nr = static_cast<int>(std::min<long>(NR, nc - s * NR));
          for (int ir = 0; ir < mc; ir += MR) {
            microKernel(kc, ap + ir * kc, bp + s * NR * kc, C + (ic + ir) * ldc + jc + s * NR, ldc,
                        std::min(MR, mc - ir), nr, acc);
          }
        }
      };
      const long nTasks = mBlocks * nChunks;
      if (parallel && nTasks > 1) pool.run(static_cast<int>(nTasks), task);
      else for (long t = 0; t < nTasks; t++) task(static_cast<int>(t), 0);
    }
  }
}

}  // namespace mt
