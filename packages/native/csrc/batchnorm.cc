// Rows are split over the threads; each accumulates per-channel partial sums in double (the
// channel loop vectorises), then the partials are added in a fixed order, so results do not
// depend on scheduling.
#include "batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "thread-pool.h"

namespace mt {

namespace {

int partsFor(long rows, long c) {
  ThreadPool& pool = ThreadPool::get();
  return rows * c < (1L << 15) ? 1 : static_cast<int>(std::min<long>(pool.size(), rows));
}

template <class F>
void forParts(int parts, long rows, F&& f) {
  if (parts == 1) {
    f(0, 0L, rows);
    return;
  }
  ThreadPool::get().run(parts, [&](int t, int) {
    long r0, r1;
    splitRange(rows, parts, t, &r0, &r1);
    f(t, r0, r1);
  });
}

}  // namespace

void batchNormTrain(const float* x, const float* gamma, const float* beta, long rows, long c, float eps, float* y, float* mean,
                    float* variance) {
  const int parts = partsFor(rows, c);
  std::vector<double> acc(static_cast<size_t>(parts) * c);
  // Pass 1: mean.
  forParts(parts, rows, [&](int t, long r0, long r1) {
    double* s = acc.data() + t * c;
    std::fill(s, s + c, 0.0);
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * c;
      for (long j = 0; j < c; j++) s[j] += xr[j];
    }
  });
  std::vector<float> mu(c), scale(c), shift(c);
  for (long j = 0; j < c; j++) {
    double s = 0;
    for (int t = 0; t < parts; t++) s += acc[t * c + j];
    mu[j] = mean[j] = static_cast<float>(rows > 0 ? s / rows : 0.0);
  }
  // Pass 2: variance around the mean (two passes: no cancellation for large means).
  forParts(parts, rows, [&](int t, long r0, long r1) {
    double* s = acc.data() + t * c;
    std::fill(s, s + c, 0.0);
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * c;
      for (long j = 0; j < c; j++) {
        const double d = static_cast<double>(xr[j]) - mu[j];
        s[j] += d * d;
      }
    }
  });
  for (long j = 0; j < c; j++) {
    double s = 0;
    for (int t = 0; t < parts; t++) s += acc[t * c + j];
    variance[j] = static_cast<float>(rows > 0 ? s / rows : 0.0);
    scale[j] = gamma[j] / std::sqrt(variance[j] + eps);
    shift[j] = beta[j] - mu[j] * scale[j];
  }
  // Pass 3: normalise.
  forParts(parts, rows, [&](int, long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* xr = x + r * c;
      float* yr = y + r * c;
      for (long j = 0; j < c; j++) yr[j] = xr[j] * scale[j] + shift[j];
    }
  });
}

void batchNormGrad(const float* dy, const float* x, const float* gamma, const float* mean, const float* variance, long rows,
                   long c, float eps, float* dx, float* dgamma, float* dbeta) {
  const int parts = partsFor(rows, c);
  std::vector<float> rstd(c);
  for (long j = 0; j < c; j++) rstd[j] = 1.f / std::sqrt(variance[j] + eps);
  // Pass 1: Σ dy and Σ dy·x̂ per channel.
  std::vector<double> sums(static_cast<size_t>(parts) * 2 * c);
  forParts(parts, rows, [&](int t, long r0, long r1) {
    double* sdy = sums.data() + t * 2 * c;
    double* sdyx = sdy + c;
    std::fill(sdy, sdy + 2 * c, 0.0);
    for (long r = r0; r < r1; r++) {
      const float *dr = dy + r * c, *xr = x + r * c;
      for (long j = 0; j < c; j++) {
        sdy[j] += dr[j];
        sdyx[j] += static_cast<double>(dr[j]) * ((xr[j] - mean[j]) * rstd[j]);
      }
    }
  });
  std::vector<float> a(c), b(c), k(c);
  for (long j = 0; j < c; j++) {
    double sdy = 0, sdyx = 0;
    for (int t = 0; t < parts; t++) {
      sdy += sums[t * 2 * c + j];
      sdyx += sums[t * 2 * c + c + j];
    }
    dbeta[j] = static_cast<float>(sdy);
    dgamma[j] = static_cast<float>(sdyx);
    // dx = γ·rstd·(dy − Σdy/N − x̂·Σ(dy·x̂)/N), with x̂ = (x − μ)·rstd:
    //    = k·dy + a·(x − μ) + b
    const double n = static_cast<double>(std::max<long>(rows, 1));
    k[j] = gamma[j] * rstd[j];
    a[j] = static_cast<float>(-static_cast<double>(k[j]) * rstd[j] * sdyx / n);
    b[j] = static_cast<float>(-static_cast<double>(k[j]) * sdy / n);
  }
  // Pass 2: dx.
  forParts(parts, rows, [&](int, long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float *dr = dy + r * c, *xr = x + r * c;
      float* o = dx + r * c;
      for (long j = 0; j < c; j++) o[j] = k[j] * dr[j] + a[j] * (xr[j] - mean[j]) + b[j];
    }
  });
}

}  // namespace mt
