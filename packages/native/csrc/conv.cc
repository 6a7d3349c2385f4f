// Convolutions as GEMMs with implicit im2col packing: forward (pixels × taps)·(taps × filters),
// filter gradient (taps × pixels)·(pixels × filters) split over pixels per thread, input gradient
// (pixels × filters)·(filters × taps) into a column buffer then scattered back (col2im).
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "gemm.h"
#include "thread-pool.h"

namespace mt {

namespace {

// A float buffer that is not zero-filled (every user overwrites it) and is reused between calls
// of the calling thread: the column and partial buffers run to megabytes per call.
class Scratch {
 public:
  float* get(size_t n) {
    if (n > size_) {
      data_.reset(new float[n]);
      size_ = n;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<float[]> data_;
  size_t size_ = 0;
};

// Copies taps [p0, p0+len) of pixel m's column row into dst. Taps are ordered (ky, kx, ci), so
// without dilation the taps of one window row are contiguous in the image too: each window row
// is one copy of its in-bounds part plus zero fill at the padded edges — which matters most for
// few channels (an RGB input layer has runs of 3 floats per tap, 21 per row of a 7 × 7 window).
inline void columnRow(const ConvGeom& g, const float* x, long m, long p0, int len, float* dst) {
  const long ox = m % g.ow, t = m / g.ow, oy = t % g.oh, n = t / g.oh;
  const long iy0 = oy * g.sh - g.pt, ix0 = ox * g.sw - g.pl;
  const float* img = x + n * g.h * g.w * g.c;
  if (g.dw == 1) {
    const long rowLen = g.kw * g.c;
    long ky = p0 / rowLen, q = p0 % rowLen;  // q: offset within the window row
    for (int done = 0; done < len; ky++, q = 0) {
      const int seg = static_cast<int>(std::min<long>(rowLen - q, len - done));
      float* out = dst + done;
      done += seg;
      const long iy = iy0 + ky * g.dh;
      if (iy < 0 || iy >= g.h) {
        std::memset(out, 0, seg * sizeof(float));
        continue;
      }
      // in-bounds part of the row, as offsets [lo, hi) within it
      const long lo = std::max<long>(q, std::min<long>(q + seg, -ix0 * g.c));
      const long hi = std::max<long>(lo, std::min<long>(q + seg, (g.w - ix0) * g.c));
      if (lo > q) std::memset(out, 0, (lo - q) * sizeof(float));
      if (hi > lo) {
        const float* src = img + (iy * g.w + ix0) * g.c + lo;
        float* o = out + (lo - q);
        if (hi - lo <= 8)
          for (long i = 0; i < hi - lo; i++) o[i] = src[i];
        else
          std::memcpy(o, src, (hi - lo) * sizeof(float));
      }
      if (q + seg > hi) std::memset(out + (hi - q), 0, (q + seg - hi) * sizeof(float));
    }
    return;
  }
  long ci = p0 % g.c, tap = p0 / g.c;
  for (int done = 0; done < len; tap++, ci = 0) {
    const int run = static_cast<int>(std::min<long>(g.c - ci, len - done));
    const long iy = iy0 + (tap / g.kw) * g.dh, ix = ix0 + (tap % g.kw) * g.dw;
    const bool inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
    const float* src = img + (iy * g.w + ix) * g.c + ci;
    if (run <= 8) {  // few channels: a loop beats a library call
      for (int q = 0; q < run; q++) dst[done + q] = inside ? src[q] : 0.f;
    } else if (inside) {
      std::memcpy(dst + done, src, run * sizeof(float));
    } else {
      std::memset(dst + done, 0, run * sizeof(float));
    }
    done += run;
  }
}

// A(i = pixel, p = tap) of the virtual column matrix.
struct Im2colA : APacker {
  const ConvGeom& g;
  const float* x;
  Im2colA(const ConvGeom& g_, const float* x_) : g(g_), x(x_) {}
  void pack(float* dst, long i0, int mc, long p0, int kc) const override {
    const int rowsPadded = (mc + MR - 1) / MR * MR;
    for (int r = 0; r < rowsPadded; r++, dst += kc) {
      if (r < mc) columnRow(g, x, i0 + r, p0, kc, dst);
      else std::memset(dst, 0, kc * sizeof(float));
    }
  }
};

// B(p = pixel, j = tap) of the column matrix, pixels offset by mBase: slivers of NR taps. Each
// pixel's taps are gathered once into a row (long copies of window rows), then dealt out to the
// slivers — gathering sliver by sliver would cost a window walk per NR taps.
struct Im2colB : BPacker {
  const ConvGeom& g;
  const float* x;
  long mBase;
  Im2colB(const ConvGeom& g_, const float* x_, long mBase_) : g(g_), x(x_), mBase(mBase_) {}
  void pack(float* dst, long p0, int kc, long j0, int nc) const override {
    static thread_local std::vector<float> rowBuf;
    if (static_cast<int>(rowBuf.size()) < nc) rowBuf.resize(nc);
    float* row = rowBuf.data();
    const int slivers = (nc + NR - 1) / NR;
    for (int p = 0; p < kc; p++) {
      columnRow(g, x, mBase + p0 + p, j0, nc, row);
      for (int s = 0; s < slivers; s++) {
        const int cols = std::min(NR, nc - s * NR);
        float* out = dst + (static_cast<long>(s) * kc + p) * NR;
        std::memcpy(out, row + s * NR, cols * sizeof(float));
        if (cols < NR) std::memset(out + cols, 0, (NR - cols) * sizeof(float));
      }
    }
  }
};

// The taps of the window that reach the image for at least one output pixel: [lo, hi) along one
// axis. A small image with a large window and "same" padding (a 3 × 3 convolution of a 1 × 1
// map, the last ResNet stage at 28 px) has taps that only ever see padding; they multiply zeros.
void validTaps(long out, long stride, long pad, long k, long dil, long in, long* lo, long* hi) {
  *lo = k;
  *hi = 0;
  for (long t = 0; t < k; t++) {
    const long first = t * dil - pad;  // input index the tap reads for output 0
    const long o = first >= 0 ? 0 : (-first + stride - 1) / stride;  // first output that reads ≥ 0
    if (o < out && first + o * stride < in) {
      *lo = std::min(*lo, t);
      *hi = t + 1;
    }
  }
}

// The geometry and filter without the taps that only see padding, when there are such taps
// (a window of 0 taps keeps one, so shapes stay valid). `w` is only read when given.
struct Cropped {
  ConvGeom g;
  long ky0 = 0, kx0 = 0;
  bool any = false;
};

Cropped crop(const ConvGeom& g) {
  Cropped c{g};
  long y0, y1, x0, x1;
  validTaps(g.oh, g.sh, g.pt, g.kh, g.dh, g.h, &y0, &y1);
  validTaps(g.ow, g.sw, g.pl, g.kw, g.dw, g.w, &x0, &x1);
  if (y1 <= y0) y0 = 0, y1 = 1;
  if (x1 <= x0) x0 = 0, x1 = 1;
  if (y1 - y0 == g.kh && x1 - x0 == g.kw) return c;
  c.any = true;
  c.ky0 = y0;
  c.kx0 = x0;
  c.g.kh = y1 - y0;
  c.g.kw = x1 - x0;
  c.g.pt = g.pt - y0 * g.dh;
  c.g.pl = g.pl - x0 * g.dw;
  return c;
}

// Copies the cropped window's filter taps (HWIO) out of the full filter.
void cropFilter(const ConvGeom& full, const Cropped& c, const float* w, float* out) {
  const long row = c.g.kw * full.c * full.co;
  for (long ky = 0; ky < c.g.kh; ky++)
    std::memcpy(out + ky * row, w + ((c.ky0 + ky) * full.kw + c.kx0) * full.c * full.co, row * sizeof(float));
}

}  // namespace

void conv2d(const ConvGeom& g, const float* x, const float* w, const float* bias, Activation act, float* y) {
  if (const Cropped c = crop(g); c.any) {
    static thread_local Scratch wBuf;
    float* wc = wBuf.get(c.g.kh * c.g.kw * g.c * g.co);
    cropFilter(g, c, w, wc);
    return conv2d(c.g, x, wc, bias, act, y);
  }
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
  if (const Cropped c = crop(g); c.any) {
    // the taps that only see padding get zero gradient
    static thread_local Scratch dwBuf;
    const long row = c.g.kw * g.c * g.co;
    float* dwc = dwBuf.get(c.g.kh * row);
    conv2dBackpropFilter(c.g, x, dy, dwc);
    std::memset(dw, 0, g.kh * g.kw * g.c * g.co * sizeof(float));
    for (long ky = 0; ky < c.g.kh; ky++)
      std::memcpy(dw + ((c.ky0 + ky) * g.kw + c.kx0) * g.c * g.co, dwc + ky * row, row * sizeof(float));
    return;
  }
  const long M = g.n * g.oh * g.ow, K = g.kh * g.kw * g.c, N = g.co;
  ThreadPool& pool = ThreadPool::get();
  // dwᵀ (filters × taps) = dyᵀ (filters × pixels) · col (pixels × taps): the column matrix packs
  // as B with plain copies. Each thread reduces over its own share of the pixels into its own
  // partial dwᵀ (measured faster than splitting one product's output tiles, even for the deep
  // layers' large filters); only very few pixels make one product on the calling thread.
  const bool splitPixels = M >= 64L * pool.size();
  const int parts = splitPixels ? pool.size() : 1;
  static thread_local Scratch partialBuf;
  float* partial = partialBuf.get(static_cast<size_t>(parts) * N * K);
  if (splitPixels) {
    pool.run(parts, [&](int t, int) {
      long m0, m1;
      splitRange(M, parts, t, &m0, &m1);
      gemm(N, K, m1 - m0, StridedA(dy + m0 * N, 1, N), Im2colB(g, x, m0), partial + t * N * K, K, false, false);
    });
  } else {
    gemm(N, K, M, StridedA(dy, 1, N), Im2colB(g, x, 0), partial, K, false, true);
  }
  // dw[k][co] = Σ_t partial[t][co][k]: a transpose in 32 × 32 tiles (cache-friendly both ways),
  // in parallel over bands of taps.
  constexpr long T = 32;
  const long bands = (K + T - 1) / T;
  pool.run(static_cast<int>(bands), [&](int b, int) {
    const long k0 = b * T, k1 = std::min(K, k0 + T);
    for (long c0 = 0; c0 < N; c0 += T) {
      const long c1 = std::min(N, c0 + T);
      for (long k = k0; k < k1; k++)
        for (long co = c0; co < c1; co++) {
          float v = 0.f;
          for (int q = 0; q < parts; q++) v += partial[(q * N + co) * K + k];
          dw[k * N + co] = v;
        }
    }
  });
}

void conv2dBackpropInput(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  if (const Cropped c = crop(g); c.any) {
    static thread_local Scratch wBuf;
    float* wc = wBuf.get(c.g.kh * c.g.kw * g.c * g.co);
    cropFilter(g, c, w, wc);
    return conv2dBackpropInput(c.g, dy, wc, dx);
  }
  const long K = g.kh * g.kw * g.c, N = g.co, pix = g.oh * g.ow;
  if (g.sh == 1 && g.sw == 1 && g.c >= 16) {
    // Stride 1: dx is the forward convolution of dy with the filter rotated by 180° and its
    // channel axes swapped, padded by (k−1)·d − p: implicit im2col, no column buffer or scatter.
    // (Few input channels would leave the GEMM's 32-wide column tiles mostly empty.)
    static thread_local Scratch rotBuf;
    float* rot = rotBuf.get(K * N);
    // Per tap, a ci × co block transposed into co × ci, in 32 × 32 tiles, taps over the threads.
    ThreadPool::get().run(static_cast<int>(g.kh * g.kw), [&](int tap, int) {
      const long ky = tap / g.kw, kx = tap % g.kw;
      const float* src = w + ((g.kh - 1 - ky) * g.kw + (g.kw - 1 - kx)) * g.c * N;
      float* dst = rot + tap * N * g.c;
      constexpr long T = 32;
      for (long c0 = 0; c0 < g.c; c0 += T)
        for (long o0 = 0; o0 < N; o0 += T)
          for (long ci = c0; ci < std::min(g.c, c0 + T); ci++)
            for (long co = o0; co < std::min(N, o0 + T); co++) dst[co * g.c + ci] = src[ci * N + co];
    });
    const ConvGeom t = {g.n, g.oh, g.ow, N, g.kh, g.kw, 1, 1, g.dh, g.dw,
                        (g.kh - 1) * g.dh - g.pt, (g.kw - 1) * g.dw - g.pl, g.h, g.w, g.c};
    conv2d(t, dy, rot, nullptr, Activation::kLinear, dx);
    return;
  }
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
  // Column buffer for a chunk of images, at most ~8M floats.
  const long perImage = pix * K;
  const long chunk = std::max<long>(1, std::min<long>(g.n, (8L << 20) / std::max<long>(1, perImage)));
  static thread_local Scratch colBuf;
  float* colData = colBuf.get(chunk * perImage);
  ThreadPool& pool = ThreadPool::get();
  for (long n0 = 0; n0 < g.n; n0 += chunk) {
    const long nb = std::min(chunk, g.n - n0);
    // col (pixels × taps) = dy (pixels × filters) · wᵀ (filters × taps); w is taps × filters.
    gemm(nb * pix, K, N, StridedA(dy + n0 * pix * N, N, 1), StridedB(w, 1, N), colData, K, false);
    pool.run(static_cast<int>(nb), [&](int b, int) {
      float* img = dx + (n0 + b) * g.h * g.w * g.c;
      const float* cb = colData + b * perImage;
      for (long oy = 0; oy < g.oh; oy++)
        for (long ox = 0; ox < g.ow; ox++) {
          const float* cr = cb + (oy * g.ow + ox) * K;
          forEachTapInside(g, oy, ox, [&](long ky, long kx, long iy, long ix) {
            float* d = img + (iy * g.w + ix) * g.c;
            const float* s = cr + (ky * g.kw + kx) * g.c;
            for (long ci = 0; ci < g.c; ci++) d[ci] += s[ci];
          });
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
      forEachTapInside(g, oy, ox, [&](long, long, long iy, long ix) {
        const float* in = img + (iy * g.w + ix) * g.c;
        for (long ci = 0; ci < g.c; ci++) out[ci] = in[ci] > out[ci] ? in[ci] : out[ci];
      });
    }
  });
}

void maxPoolGrad(const ConvGeom& g, const float* x, const float* y, const float* dy, float* dx) {
  ThreadPool& pool = ThreadPool::get();
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
  // One task per image (windows of one image overlap, images do not). The first element of each
  // window equal to the window's maximum y gets dy: branch-free over channels, so it vectorises.
  pool.run(static_cast<int>(g.n), [&](int n, int) {
    const float* img = x + n * g.h * g.w * g.c;
    float* dimg = dx + n * g.h * g.w * g.c;
    std::vector<float> pending(g.c);
    for (long oy = 0; oy < g.oh; oy++)
      for (long ox = 0; ox < g.ow; ox++) {
        const long o = ((n * g.oh + oy) * g.ow + ox) * g.c;
        const float* ym = y + o;
        const float* d = dy + o;
        std::fill(pending.begin(), pending.end(), 1.f);
        float* pend = pending.data();
        forEachTapInside(g, oy, ox, [&](long, long, long iy, long ix) {
          const float* in = img + (iy * g.w + ix) * g.c;
          float* out = dimg + (iy * g.w + ix) * g.c;
          for (long ci = 0; ci < g.c; ci++) {
            const float hit = (in[ci] == ym[ci]) ? pend[ci] : 0.f;
            out[ci] += hit * d[ci];
            pend[ci] -= hit;
          }
        });
      }
  });
}

}  // namespace mt
