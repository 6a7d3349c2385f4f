// Adam/AdamW in one pass, split over the threads for large tensors. The operations and their
// order are those of the element-wise formulation (medtransfer's AdamOptimizer), and the addon
// is compiled without FMA contraction, so both give the same float32 results.
#include "optim.h"

#include <cmath>

#include "thread-pool.h"

namespace mt {

namespace {
void adamSpan(const AdamParams& p, const float* w, const float* g, const float* m, const float* v, float* w2, float* m2,
              float* v2, long i0, long i1) {
  for (long i = i0; i < i1; i++) {
    const float gi = p.l2 != 0.f ? g[i] + w[i] * p.l2 : g[i];
    const float wi = p.decayFactor != 1.f ? w[i] * p.decayFactor : w[i];
    const float mi = m[i] * p.beta1 + gi * p.oneMinusBeta1;
    const float vi = v[i] * p.beta2 + (gi * gi) * p.oneMinusBeta2;
    m2[i] = mi;
    v2[i] = vi;
    const float mHat = mi / p.biasCorrection1, vHat = vi / p.biasCorrection2;
    w2[i] = (mHat / (std::sqrt(vHat) + p.epsilon)) * p.negLr + wi;
  }
}
}  // namespace

void adamUpdate(const AdamParams& p, const float* w, const float* g, const float* m, const float* v, float* w2, float* m2,
                float* v2, long n) {
  ThreadPool& pool = ThreadPool::get();
  const int parts = n < (1L << 15) ? 1 : pool.size();
  if (parts == 1) {
    adamSpan(p, w, g, m, v, w2, m2, v2, 0, n);
    return;
  }
  pool.run(parts, [&](int t, int) {
    long i0, i1;
    splitRange(n, parts, t, &i0, &i1);
    adamSpan(p, w, g, m, v, w2, m2, v2, i0, i1);
  });
}

}  // namespace mt
