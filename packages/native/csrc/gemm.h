// Blocked, packed single-precision matrix multiply C (+)= A·B with pluggable packing, so
// convolutions can pack straight from the image (implicit im2col) instead of a column buffer.
#pragma once

#include "isa.h"

namespace mt {

// Register-tile size of the micro-kernel for the instruction set this file was compiled for.
#if defined(MT_ISA_AVX512)
constexpr int MR = 12, NR = 32;
constexpr const char* kIsa = "avx512";
#elif defined(MT_ISA_AVX2)
constexpr int MR = 6, NR = 16;
constexpr const char* kIsa = "avx2";
#else
constexpr int MR = 6, NR = 8;  // 12 four-float sums + 3: fits SSE's 16 registers
constexpr const char* kIsa = "generic";
#endif

// Packs rows [i0, i0+mc) × depth [p0, p0+kc) of A into slivers of MR rows, each sliver row-major
// (row r of sliver s at dst[(s*MR + r)*kc], rows past mc are zero): an image row of a convolution
// then packs with plain copies.
struct APacker {
  virtual void pack(float* dst, long i0, int mc, long p0, int kc) const = 0;
  virtual ~APacker() = default;
};

// Packs depth [p0, p0+kc) × columns [j0, j0+nc) of B into slivers of NR columns.
struct BPacker {
  virtual void pack(float* dst, long p0, int kc, long j0, int nc) const = 0;
  virtual ~BPacker() = default;
};

// Element (i, p) of A at a[i*rs + p*cs]: covers A and Aᵀ of any row-major matrix.
struct StridedA : APacker {
  const float* a;
  long rs, cs;
  StridedA(const float* a_, long rs_, long cs_) : a(a_), rs(rs_), cs(cs_) {}
  void pack(float* dst, long i0, int mc, long p0, int kc) const override;
};

// Element (p, j) of B at b[p*rs + j*cs].
struct StridedB : BPacker {
  const float* b;
  long rs, cs;
  StridedB(const float* b_, long rs_, long cs_) : b(b_), rs(rs_), cs(cs_) {}
  void pack(float* dst, long p0, int kc, long j0, int nc) const override;
};

// C[M×N] (row stride ldc) = A·B, or += when accumulate. parallel=false keeps it on this thread.
void gemm(long M, long N, long K, const APacker& A, const BPacker& B, float* C, long ldc, bool accumulate,
          bool parallel = true);

}  // namespace mt
