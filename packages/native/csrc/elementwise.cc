// Binary ops in rows of the repeating operand's length so the inner loop vectorises; large
// tensors are split over the threads, small ones run on the calling thread (no wake-up cost).
#include "elementwise.h"

#include <limits>

#include <algorithm>

#include "thread-pool.h"

namespace mt {

namespace {

template <BinaryOp OP>
inline float apply(float x, float y) {
  if constexpr (OP == BinaryOp::kAdd) return x + y;
  if constexpr (OP == BinaryOp::kSub) return x - y;
  if constexpr (OP == BinaryOp::kMul) return x * y;
  return x / y;
}

// Elements [i0, i1) where i0 and i1 are multiples of the period of the repeating operand.
template <BinaryOp OP>
void span(const float* a, long an, const float* b, long bn, float* out, long n, long i0, long i1) {
  if (an == n && bn == n) {
    for (long i = i0; i < i1; i++) out[i] = apply<OP>(a[i], b[i]);
  } else if (an == n) {
    if (bn == 1) {
      const float y = b[0];
      for (long i = i0; i < i1; i++) out[i] = apply<OP>(a[i], y);
      return;
    }
    for (long r = i0; r < i1; r += bn)
      for (long j = 0; j < bn; j++) out[r + j] = apply<OP>(a[r + j], b[j]);
  } else {
    if (an == 1) {
      const float x = a[0];
      for (long i = i0; i < i1; i++) out[i] = apply<OP>(x, b[i]);
      return;
    }
    for (long r = i0; r < i1; r += an)
      for (long j = 0; j < an; j++) out[r + j] = apply<OP>(a[j], b[r + j]);
  }
}

template <BinaryOp OP>
void run(const float* a, long an, const float* b, long bn, float* out, long n) {
  const long period = std::min(an, bn) == n ? 1 : std::min(an, bn);
  const long rows = n / period;
  ThreadPool& pool = ThreadPool::get();
  const int parts = n < (1L << 16) ? 1 : pool.size();
  if (parts == 1) {
    span<OP>(a, an, b, bn, out, n, 0, n);
    return;
  }
  pool.run(parts, [&](int t, int) {
    long r0, r1;
    splitRange(rows, parts, t, &r0, &r1);
    span<OP>(a, an, b, bn, out, n, r0 * period, r1 * period);
  });
}

}  // namespace

void binary(BinaryOp op, const float* a, long an, const float* b, long bn, float* out, long n) {
  switch (op) {
    case BinaryOp::kAdd: return run<BinaryOp::kAdd>(a, an, b, bn, out, n);
    case BinaryOp::kSub: return run<BinaryOp::kSub>(a, an, b, bn, out, n);
    case BinaryOp::kMul: return run<BinaryOp::kMul>(a, an, b, bn, out, n);
    case BinaryOp::kDiv: return run<BinaryOp::kDiv>(a, an, b, bn, out, n);
  }
}

namespace {

// dx = dy where 0 < x ≤ hi, else 0. Branch-free, so that it vectorises: with a branch per
// element (`x > 0 && x <= 6 ? …`) the loop ran at ~2.5 ns per element on activations of mixed
// sign, 10× slower than this one.
void clippedReluGradSpan(const float* __restrict dy, const float* __restrict x, float* __restrict dx, float hi, long i0,
                         long i1) {
  for (long i = i0; i < i1; i++) {
    const float v = x[i], d = dy[i];
    dx[i] = ((v > 0.f) & (v <= hi)) ? d : 0.f;
  }
}

void clippedReluGrad(const float* dy, const float* x, float* dx, float hi, long n) {
  auto span = [&](long i0, long i1) { clippedReluGradSpan(dy, x, dx, hi, i0, i1); };
  ThreadPool& pool = ThreadPool::get();
  const int parts = n < (1L << 16) ? 1 : pool.size();
  if (parts == 1) return span(0, n);
  pool.run(parts, [&](int t, int) {
    long i0, i1;
    splitRange(n, parts, t, &i0, &i1);
    span(i0, i1);
  });
}

}  // namespace

void relu6Grad(const float* dy, const float* x, float* dx, long n) { clippedReluGrad(dy, x, dx, 6.f, n); }

void reluGrad(const float* dy, const float* x, float* dx, long n) {
  clippedReluGrad(dy, x, dx, std::numeric_limits<float>::infinity(), n);
}

}  // namespace mt
