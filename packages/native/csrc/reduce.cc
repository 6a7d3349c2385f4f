// Leading-axes reduction: each thread sums a band of rows into its own accumulator (vectorised
// over the channels), then the bands are added; double accumulators are not needed at these sizes.
#include "reduce.h"

#include <algorithm>
#include <vector>

#include "thread-pool.h"

namespace mt {

void reduceOuter(const float* x, float* y, long outer, long inner, float scale) {
  ThreadPool& pool = ThreadPool::get();
  const int parts = static_cast<int>(std::max<long>(1, std::min<long>(pool.size(), outer * inner / 16384)));
  std::vector<std::vector<float>> partial(parts, std::vector<float>(inner, 0.f));
  pool.run(parts, [&](int t, int) {
    long r0, r1;
    splitRange(outer, parts, t, &r0, &r1);
    float* acc = partial[t].data();
    if (inner == 1) {
      float s = 0.f;
      for (long r = r0; r < r1; r++) s += x[r];
      acc[0] = s;
      return;
    }
    for (long r = r0; r < r1; r++) {
      const float* row = x + r * inner;
      for (long j = 0; j < inner; j++) acc[j] += row[j];
    }
  });
  for (long j = 0; j < inner; j++) {
    float s = 0.f;
    for (int t = 0; t < parts; t++) s += partial[t][j];
    y[j] = s * scale;
  }
}

}  // namespace mt
