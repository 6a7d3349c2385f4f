// Convolutions as GEMMs with implicit im2col packing: forward (pixels × taps)·(taps × filters),
// filter gradient (taps × pixels)·(pixels × filters) split over pixels per thread, input gradient
// (pixels × filters)·(filters × taps) into a column buffer then scattered back (col2im).
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "thread-pool.h"

namespace mt {

namespace {

// Tap k = (ky, kx, ci) → its offsets; pixel m = (n, oy, ox) → its origin.
struct Tap { long dy, dx, ci; };

inline Tap tapOf(const ConvGeom& g, long k) {
  const long ci = k % g.c, t = k / g.c;
  return {(t / g.kw) * g.dh, (t % g.kw) * g.dw, ci};
}

// A(i = pixel, p = tap) of the virtual column matrix.
struct Im2colA : APacker {
  const ConvGeom& g;
  const float* x;
  Im2colA(const ConvGeom& g_, const float* x_) : g(g_), x(x_) {}
  void pack(float* dst, long i0, int mc, long p0, int kc) const override {
    static thread_local std::vector<Tap> taps;
    taps.resize(kc);
    for (int p = 0; p < kc; p++) taps[p] = tapOf(g, p0 + p);
    for (int s = 0; s < mc; s += MR) {
      const int rows = std::min(MR, mc - s);
      for (int r = 0; r < MR; r++) {
        float* d = dst + r;
        if (r >= rows) {
          for (int p = 0; p < kc; p++) d[p * MR] = 0.f;
          continue;
        }
        const long m = i0 + s + r, ox = m % g.ow, t = m / g.ow, oy = t % g.oh, n = t / g.oh;
        const long iy0 = oy * g.sh - g.pt, ix0 = ox * g.sw - g.pl;
        const float* img = x + n * g.h * g.w * g.c;
        for (int p = 0; p < kc; p++) {
          const long iy = iy0 + taps[p].dy, ix = ix0 + taps[p].dx;
          d[p * MR] = (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) ? img[(iy * g.w + ix) * g.c + taps[p].ci] : 0.f;
        }
      }
      dst += MR * kc;
    }
  }
};

// A(i = tap, p = pixel): the transposed column matrix, pixels offset by mBase.
struct Im2colTA : APacker {
  const ConvGeom& g;
  const float* x;
  long mBase;
  Im2colTA(const ConvGeom& g_, const float* x_, long mBase_) : g(g_), x(x_), mBase(mBase_) {}
  void pack(float* dst, long i0, int mc, long p0, int kc) const override {
    static thread_local std::vector<Tap> taps;
    taps.resize(mc);
    for (int i = 0; i < mc; i++) taps[i] = tapOf(g, i0 + i);
    const int slivers = (mc + MR - 1) / MR;
    for (int p = 0; p < kc; p++) {
      const long m = mBase + p0 + p, ox = m % g.ow, t = m / g.ow, oy = t % g.oh, n = t / g.oh;
      const long iy0 = oy * g.sh - g.pt, ix0 = ox * g.sw - g.pl;
      const float* img = x + n * g.h * g.w * g.c;
      for (int s = 0; s < slivers; s++) {
        float* d = dst + (static_cast<long>(s) * kc + p) * MR;
        const int rows = std::min(MR, mc - s * MR);
        int r = 0;
        for (; r < rows; r++) {
          const Tap& tp = taps[s * MR + r];
          const long iy = iy0 + tp.dy, ix = ix0 + tp.dx;
          d[r] = (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) ? img[(iy * g.w + ix) * g.c + tp.ci] : 0.f;
        }
        for (; r < MR; r++) d[r] = 0.f;
      }
    }
  }
};

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  const long M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, N = g.co;
  gemm(M, N, K, Im2colA(g, x), StridedB(w, N, 1), y, N, false);
  if (!bias && act == Activation::kLinear) return;
  ThreadPool& pool = ThreadPool::get();
  pool.run(pool.size(), [&](int t, int) {
    long r0, r1;
    splitRange(M, pool.size(), t, &r0, &r1);
    for (long r = r0; r < r1; r++) {
      float* row = y + r * N;
      if (bias)
        for (long j = 0; j < N; j++) row[j] += bias[j];
      if (act == Activation::kRelu)
        for (long j = 0; j < N; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
      else if (act == Activation::kRelu6)
        for (long j = 0; j < N; j++) row[j] = std::min(6.f, std::max(0.f, row[j]));
    }
  });
}

void conv2dBackpropFilter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const long M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, N = g.co;
  ThreadPool& pool = ThreadPool::get();
  // Each thread reduces over its own share of the pixels; thread 0 writes into dw directly.
  const int parts = static_cast<int>(std::max<long>(1, std::min<long>(pool.size(), M / 64)));
  std::vector<std::vector<float>> partial(parts - 1, std::vector<float>(K * N));
  pool.run(parts, [&](int t, int) {
    long m0, m1;
    splitRange(M, parts, t, &m0, &m1);
    float* out = t == 0 ? dw : partial[t - 1].data();
    gemm(K, N, m1 - m0, Im2colTA(g, x, m0), StridedB(dy + m0 * N, N, 1), out, N, false, false);
  });
  for (int t = 1; t < parts; t++) {
    const float* src = partial[t - 1].data();
    for (long i = 0; i < K * N; i++) dw[i] += src[i];
  }
}

void conv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const long K = g.kh * g.kw * g.c, N = g.co, pix = g.oh * g.ow;
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
  // Column buffer for a chunk of images, at most ~8M floats.
  const long perImage = pix * K;
  const long chunk = std::max<long>(1, std::min<long>(g.n, (8L << 20) / std::max<long>(1, perImage)));
  std::vector<float> col(chunk * perImage);
  ThreadPool& pool = ThreadPool::get();
  for (long n0 = 0; n0 < g.n; n0 += chunk) {
    const long nb = std::min(chunk, g.n - n0);
    // col (pixels × taps) = dy (pixels × filters) · wᵀ (filters × taps); w is taps × filters.
    gemm(nb * pix, K, N, StridedA(dy + n0 * pix * N, N, 1), StridedB(w, 1, N), col.data(), K, false);
    pool.run(static_cast<int>(nb), [&](int b, int) {
      float* img = dx + (n0 + b) * g.h * g.w * g.c;
      const float* cb = col.data() + b * perImage;
      for (long oy = 0; oy < g.oh; oy++)
        for (long ox = 0; ox < g.ow; ox++) {
          const float* cr = cb + (oy * g.ow + ox) * K;
          for (long ky = 0; ky < g.kh; ky++) {
            const long iy = oy * g.sh - g.pt + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (long kx = 0; kx < g.kw; kx++) {
              const long ix = ox * g.sw - g.pl + kx * g.dw;
              if (ix < 0 || ix >= g.w) continue;
              float* d = img + (iy * g.w + ix) * g.c;
              const float* s = cr + (ky * g.kw + kx) * g.c;
              for (long ci = 0; ci < g.c; ci++) d[ci] += s[ci];
            }
          }
        }
    });
  }
}

void maxPool(const ConvGeom& g, const float* x, float* y) {
  ThreadPool& pool = ThreadPool::get();
  pool.run(static_cast<int>(g.n * g.oh), [&](int t, int) {
    const long n = t / g.oh, oy = t % g.oh;
    const float* img = x + n * g.h * g.w * g.c;
    for (long ox = 0; ox < g.ow; ox++) {
      float* out = y + ((n * g.oh + oy) * g.ow + ox) * g.c;
      for (long ci = 0; ci < g.c; ci++) out[ci] = -__builtin_inff();
      for (long ky = 0; ky < g.kh; ky++) {
        const long iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (long kx = 0; kx < g.kw; kx++) {
          const long ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          const float* in = img + (iy * g.w + ix) * g.c;
          for (long ci = 0; ci < g.c; ci++) out[ci] = in[ci] > out[ci] ? in[ci] : out[ci];
        }
      }
    }
  });
}

void maxPoolGrad(const ConvGeom& g, const float* x, const float* dy, float* dx) {
  ThreadPool& pool = ThreadPool::get();
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
  // One task per image: windows of one image overlap, images do not.
  pool.run(static_cast<int>(g.n), [&](int n, int) {
    const float* img = x + n * g.h * g.w * g.c;
    float* dimg = dx + n * g.h * g.w * g.c;
    std::vector<float> best(g.c);
    std::vector<long> where(g.c);
    for (long oy = 0; oy < g.oh; oy++)
      for (long ox = 0; ox < g.ow; ox++) {
        std::fill(best.begin(), best.end(), -__builtin_inff());
        std::fill(where.begin(), where.end(), -1L);
        for (long ky = 0; ky < g.kh; ky++) {
          const long iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (long kx = 0; kx < g.kw; kx++) {
            const long ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const long base = (iy * g.w + ix) * g.c;
            for (long ci = 0; ci < g.c; ci++)
              if (img[base + ci] > best[ci]) {
                best[ci] = img[base + ci];
                where[ci] = base + ci;
              }
          }
        }
        const float* d = dy + ((n * g.oh + oy) * g.ow + ox) * g.c;
        for (long ci = 0; ci < g.c; ci++)
          if (where[ci] >= 0) dimg[where[ci]] += d[ci];
      }
  });
}

}  // namespace mt
