// Depthwise convolutions as direct loops over window taps, vectorised over the channels (the
// inner NHWC axis: simple channel loops the compiler vectorises for the target), threads over
// output rows (forward, filter gradient) or input rows (input gradient, gathered so every dx
// element is written once by one thread). Every result is independent of thread scheduling.
#include "depthwise.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "thread-pool.h"

namespace mt {

namespace {

// acc[i] += a[i]·b[i]: the multiplier-1 inner loop.
inline void mulAdd(float* __restrict acc, const float* __restrict a, const float* __restrict b, long n) {
  for (long i = 0; i < n; i++) acc[i] += a[i] * b[i];
}

// acc[ci·m+q] += x[ci]·b[ci·m+q]: forward and filter gradient for a multiplier m.
inline void mulAddSpread(float* __restrict acc, const float* __restrict x, const float* __restrict b, long c, long m) {
  if (m == 1) return mulAdd(acc, x, b, c);
  for (long ci = 0; ci < c; ci++)
    for (long q = 0; q < m; q++) acc[ci * m + q] += x[ci] * b[ci * m + q];
}

// acc[ci] += Σ_q a[ci·m+q]·b[ci·m+q]: input gradient for a multiplier m.
inline void mulAddGather(float* __restrict acc, const float* __restrict a, const float* __restrict b, long c, long m) {
  if (m == 1) return mulAdd(acc, a, b, c);
  for (long ci = 0; ci < c; ci++) {
    float s = 0.f;
    for (long q = 0; q < m; q++) s += a[ci * m + q] * b[ci * m + q];
    acc[ci] += s;
  }
}

// Tasks for `rows` rows of work: a few per thread so uneven rows (image edges) balance out.
int taskCount(long rows) {
  return static_cast<int>(std::max<long>(1, std::min<long>(rows, ThreadPool::get().size() * 4L)));
}

// Channel blocks for multiplier 1: a block's sums are held in vector registers (GCC/clang vector
// types, portable: one AVX-512 register, two AVX2 ones, four SSE or NEON ones) across the window
// taps, or for the filter gradient across an output row, instead of going through memory; a rest
// of < 16 channels runs scalar.
typedef float v16 __attribute__((vector_size(64)));
constexpr long kBlock = 64;

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }

inline float activate(float v, Activation act) {
  if (act == Activation::kRelu) return std::max(v, 0.f);
  if (act == Activation::kRelu6) return std::min(std::max(v, 0.f), 6.f);
  return v;
}

inline v16 activate(v16 v, Activation act) {
  const v16 zero = {}, six = zero + 6.f;
  if (act == Activation::kLinear) return v;
  v = v < zero ? zero : v;  // as std::max(v, 0.f): NaN stays NaN
  return act == Activation::kRelu6 ? (six < v ? six : v) : v;
}

// Forward of one output pixel, channels [c0, c0 + 16·V); taps[i] = (x offset, w offset) of the
// in-bounds taps. V = 0: the scalar rest of `width` channels.
template <int V>
inline void forwardBlock(const float* img, const float* w, const long (*taps)[2], int nTaps, const float* bias, Activation act,
                         long c0, long width, float* out) {
  if constexpr (V == 0) {
    float acc[16];
    for (long j = 0; j < width; j++) acc[j] = bias ? bias[c0 + j] : 0.f;
    for (int t = 0; t < nTaps; t++)
      for (long j = 0; j < width; j++) acc[j] += img[taps[t][0] + c0 + j] * w[taps[t][1] + c0 + j];
    for (long j = 0; j < width; j++) out[c0 + j] = activate(acc[j], act);
  } else {
    v16 acc[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) acc[v] = bias ? load16(bias + c0 + 16 * v) : v16{};
    for (int t = 0; t < nTaps; t++) {
      const float* xp = img + taps[t][0] + c0;
      const float* wp = w + taps[t][1] + c0;
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) acc[v] += load16(xp + 16 * v) * load16(wp + 16 * v);
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) store16(out + c0 + 16 * v, activate(acc[v], act));
  }
}

// Input gradient of one input pixel, channels [c0, c0 + 16·V); taps[i] = (dy offset, w offset).
template <int V>
inline void inputBlock(const float* grad, const float* w, const long (*taps)[2], int nTaps, long c0, long width, float* out) {
  if constexpr (V == 0) {
    float acc[16] = {};
    for (int t = 0; t < nTaps; t++)
      for (long j = 0; j < width; j++) acc[j] += grad[taps[t][0] + c0 + j] * w[taps[t][1] + c0 + j];
    for (long j = 0; j < width; j++) out[c0 + j] = acc[j];
  } else {
    v16 acc[V] = {};
    for (int t = 0; t < nTaps; t++) {
      const float* gp = grad + taps[t][0] + c0;
      const float* wp = w + taps[t][1] + c0;
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) acc[v] += load16(gp + 16 * v) * load16(wp + 16 * v);
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) store16(out + c0 + 16 * v, acc[v]);
  }
}

// Filter gradient of one tap over `count` output pixels of a row, channels [c0, c0 + 16·V),
// added to out.
template <int V>
inline void filterBlock(const float* xrow, long xStep, const float* dyrow, long dyStep, long count, long c0, long width, float* out) {
  if constexpr (V == 0) {
    float acc[16] = {};
    for (long i = 0; i < count; i++)
      for (long j = 0; j < width; j++) acc[j] += xrow[i * xStep + c0 + j] * dyrow[i * dyStep + c0 + j];
    for (long j = 0; j < width; j++) out[c0 + j] += acc[j];
  } else {
    v16 acc[V] = {};
    for (long i = 0; i < count; i++) {
      const float* xp = xrow + i * xStep + c0;
      const float* gp = dyrow + i * dyStep + c0;
#pragma GCC unroll 4
      for (int v = 0; v < V; v++) acc[v] += load16(xp + 16 * v) * load16(gp + 16 * v);
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; v++) store16(out + c0 + 16 * v, load16(out + c0 + 16 * v) + acc[v]);
  }
}

}  // namespace

// Runs block(c0, V, width) over [0, c): blocks of kBlock channels, then 16, then a rest (V = 0).
template <typename F>
inline void forChannelBlocks(long c, F&& block) {
  long c0 = 0;
  for (; c0 + kBlock <= c; c0 += kBlock) block(c0, std::integral_constant<int, kBlock / 16>(), kBlock);
  for (; c0 + 16 <= c; c0 += 16) block(c0, std::integral_constant<int, 1>(), 16);
  if (c0 < c) block(c0, std::integral_constant<int, 0>(), c - c0);
}

void depthwiseConv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  const long rows = g.n * g.oh, m = g.co / g.c;
  const int tasks = taskCount(rows);
  ThreadPool::get().run(tasks, [&](int t, int) {
    long r0, r1;
    splitRange(rows, tasks, t, &r0, &r1);
    std::vector<long> tapList(g.kh * g.kw * 2);
    auto* taps = reinterpret_cast<long (*)[2]>(tapList.data());
    for (long r = r0; r < r1; r++) {
      const long n = r / g.oh, oy = r % g.oh;
      const float* img = x + n * g.h * g.w * g.c;
      for (long ox = 0; ox < g.ow; ox++) {
        float* out = y + (r * g.ow + ox) * g.co;
        int nTaps = 0;
        forEachTapInside(g, oy, ox, [&](long ky, long kx, long iy, long ix) {
          taps[nTaps][0] = (iy * g.w + ix) * g.c;
          taps[nTaps++][1] = (ky * g.kw + kx) * g.co;
        });
        if (m == 1) {
          forChannelBlocks(g.c, [&](long c0, auto b, long width) {
            forwardBlock<decltype(b)::value>(img, w, taps, nTaps, bias, act, c0, width, out);
          });
          continue;
        }
        if (bias)
          std::memcpy(out, bias, g.co * sizeof(float));
        else
          std::memset(out, 0, g.co * sizeof(float));
        for (int i = 0; i < nTaps; i++) mulAddSpread(out, img + taps[i][0], w + taps[i][1], g.c, m);
        for (long i = 0; i < g.co; i++) out[i] = activate(out[i], act);
      }
    }
  });
}

void depthwiseConv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const long rows = g.n * g.h, m = g.co / g.c;
  const int tasks = taskCount(rows);
  ThreadPool::get().run(tasks, [&](int t, int) {
    long r0, r1;
    splitRange(rows, tasks, t, &r0, &r1);
    std::vector<long> tapList(g.kh * g.kw * 2);
    auto* taps = reinterpret_cast<long (*)[2]>(tapList.data());
    for (long r = r0; r < r1; r++) {
      const long n = r / g.h, iy = r % g.h;
      const float* grad = dy + n * g.oh * g.ow * g.co;
      for (long ix = 0; ix < g.w; ix++) {
        float* out = dx + (r * g.w + ix) * g.c;
        // Output pixels whose window tap (ky, kx) lands on (iy, ix): oy·sh = iy + pt − ky·dh.
        int nTaps = 0;
        for (long ky = 0; ky < g.kh; ky++) {
          const long sy = iy + g.pt - ky * g.dh;
          if (sy < 0 || sy % g.sh != 0 || sy / g.sh >= g.oh) continue;
          const long oy = sy / g.sh;
          for (long kx = 0; kx < g.kw; kx++) {
            const long sx = ix + g.pl - kx * g.dw;
            if (sx < 0 || sx % g.sw != 0 || sx / g.sw >= g.ow) continue;
            taps[nTaps][0] = (oy * g.ow + sx / g.sw) * g.co;
            taps[nTaps++][1] = (ky * g.kw + kx) * g.co;
          }
        }
        if (m == 1) {
          forChannelBlocks(g.c, [&](long c0, auto b, long width) { inputBlock<decltype(b)::value>(grad, w, taps, nTaps, c0, width, out); });
          continue;
        }
        std::memset(out, 0, g.c * sizeof(float));
        for (int i = 0; i < nTaps; i++) mulAddGather(out, grad + taps[i][0], w + taps[i][1], g.c, m);
      }
    }
  });
}

void depthwiseConv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const long rows = g.n * g.oh, m = g.co / g.c, taps = g.kh * g.kw, size = taps * g.co;
  // One partial per part (parts fixed by the thread count, not by scheduling), each summed from
  // per-row sums (short float chains), then the partials added in part order.
  const int parts = static_cast<int>(std::max<long>(1, std::min<long>(rows, ThreadPool::get().size())));
  std::vector<float> partial(static_cast<size_t>(parts) * size * 2);
  ThreadPool::get().run(parts, [&](int t, int) {
    float* sum = partial.data() + static_cast<size_t>(t) * size * 2;
    float* row = sum + size;
    long r0, r1;
    splitRange(rows, parts, t, &r0, &r1);
    std::memset(sum, 0, size * sizeof(float));
    for (long r = r0; r < r1; r++) {
      const long n = r / g.oh, oy = r % g.oh;
      const float* img = x + n * g.h * g.w * g.c;
      if (m == 1) {
        // Per tap, the row's output pixels that see the image: ox·sw ∈ [pl − kx·dw, w − 1 + pl − kx·dw].
        for (long ky = 0; ky < g.kh; ky++) {
          const long iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (long kx = 0; kx < g.kw; kx++) {
            const long lo = g.pl - kx * g.dw, hi = g.w - 1 + g.pl - kx * g.dw;
            if (hi < 0) continue;
            const long ox0 = lo <= 0 ? 0 : (lo + g.sw - 1) / g.sw, ox1 = std::min(g.ow, hi / g.sw + 1);
            if (ox1 <= ox0) continue;
            const float* xrow = img + (iy * g.w + ox0 * g.sw - g.pl + kx * g.dw) * g.c;
            const float* dyrow = dy + (r * g.ow + ox0) * g.co;
            float* out = sum + (ky * g.kw + kx) * g.co;
            forChannelBlocks(g.c, [&](long c0, auto b, long width) {
              filterBlock<decltype(b)::value>(xrow, g.sw * g.c, dyrow, g.co, ox1 - ox0, c0, width, out);
            });
          }
        }
        continue;
      }
      std::memset(row, 0, size * sizeof(float));
      for (long ky = 0; ky < g.kh; ky++) {
        const long iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (long ox = 0; ox < g.ow; ox++) {
          const float* grad = dy + (r * g.ow + ox) * g.co;
          for (long kx = 0; kx < g.kw; kx++) {
            const long ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            mulAddSpread(row + (ky * g.kw + kx) * g.co, img + (iy * g.w + ix) * g.c, grad, g.c, m);
          }
        }
      }
      for (long i = 0; i < size; i++) sum[i] += row[i];
    }
  });
  std::memcpy(dw, partial.data(), size * sizeof(float));
  for (int t = 1; t < parts; t++) {
    const float* p = partial.data() + static_cast<size_t>(t) * size * 2;
    for (long i = 0; i < size; i++) dw[i] += p[i];
  }
}

}  // namespace mt
