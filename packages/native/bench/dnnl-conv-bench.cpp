// oneDNN (libdnnl, f32, CPU) convolution forward, backward-data and backward-weights on the
// CBR-Small and ResNet-18 shapes medtransfer trains, timed per call: the measurement behind
// "oneDNN convolutions against ours" in docs/performance.md. Standalone; not part of the addon.
//
//   g++ -O3 -march=native -std=c++17 dnnl-conv-bench.cpp -ldnnl -o dnnl-conv-bench
//   OMP_NUM_THREADS=2 ./dnnl-conv-bench [shape ...]     (no argument: every shape)
//
// Two layouts per direction:
//   nhwc — activations NHWC (src, dst and their gradients, as tfjs keeps them), weights given and
//          returned as HWIO; oneDNN picks its own weights layout ("any") and the timed call
//          includes the weights reorder (HWIO → its layout; for backward-weights, its layout →
//          HWIO). This is what a drop-in replacement for our kernels would cost.
//   any  — every tensor in the layout oneDNN prefers (blocked, e.g. nChw16c); reorders excluded:
//          oneDNN's best case, reachable only if whole nets kept its layouts.
// Output: one "RESULT <shape> <direction> <layout> <median ms> <fastest ms> <impl>" line per measurement.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Shape {
  const char* name;
  int n, h, w, ci, co, k;  // stride 1, 'same' padding
};

// Spatial sizes as the nets have them (packages/zoo): CBR-Small at 28 px, a 3×3/2 max-pool after
// every 7×7 conv (28 → 14 → 7 → 4); ResNet-18 at 64 px, ImageNet stem (7×7/2 conv, 3×3/2
// max-pool: 64 → 16), stages at 16, 8, 4, 2 px; the stride-1 C→C 3×3 convs of each stage.
static const Shape kShapes[] = {
    {"cbr1", 32, 28, 28, 3, 32, 7},       {"cbr2", 32, 14, 14, 32, 64, 7},
    {"cbr3", 32, 7, 7, 64, 128, 7},       {"cbr4", 32, 4, 4, 128, 256, 7},
    {"r18s2", 32, 16, 16, 64, 64, 3},     {"r18s3", 32, 8, 8, 128, 128, 3},
    {"r18s4", 32, 4, 4, 256, 256, 3},     {"r18s5", 32, 2, 2, 512, 512, 3},
};

static const int kWarmup = 5;
static const int kCalls = 30;

struct Timing {
  double median, best;
};

static Timing time_calls(const std::function<void()>& call, stream& s) {
  for (int i = 0; i < kWarmup; i++) call();
  s.wait();
  std::vector<double> t;
  for (int i = 0; i < kCalls; i++) {
    auto a = std::chrono::steady_clock::now();
    call();
    s.wait();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return {kCalls % 2 ? t[kCalls / 2] : 0.5 * (t[kCalls / 2 - 1] + t[kCalls / 2]), t[0]};
}

static void fill(memory& m, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  float* p = static_cast<float*>(m.get_data_handle());
  size_t count = m.get_desc().get_size() / sizeof(float);
  for (size_t i = 0; i < count; i++) p[i] = u(rng);
}

static void report(const Shape& s, const char* dir, const char* layout, Timing t, const char* impl) {
  std::printf("RESULT %s %s %s %.3f %.3f %s\n", s.name, dir, layout, t.median, t.best, impl);
  std::fflush(stdout);
}

// Largest relative error, over 64 sampled outputs of each direction, against a direct sum (nhwc
// layout only, where every tensor's layout is known): checks that both sides compute the same thing.
static double check(const Shape& s, const memory& src, const memory& w, const memory& dst, const memory& diff_dst_bd,
                    const memory& diff_src, const memory& src_bw, const memory& diff_dst_bw, const memory& dw) {
  const int pad = (s.k - 1) / 2, K = s.k, H = s.h, W = s.w, Ci = s.ci, Co = s.co;
  auto at = [](const memory& m, size_t i) { return static_cast<const float*>(m.get_data_handle())[i]; };
  auto img = [&](int n, int y, int x, int c, int C) { return ((size_t(n) * H + y) * W + x) * C + c; };
  auto wi = [&](int ky, int kx, int ci, int co) { return ((size_t(ky) * K + kx) * Ci + ci) * Co + co; };
  std::mt19937 rng(7);
  double worst = 0;
  auto compare = [&](double want, double got, double scale) { worst = std::max(worst, std::abs(want - got) / scale); };
  for (int t = 0; t < 64; t++) {
    int n = rng() % s.n, y = rng() % H, x = rng() % W, ci = rng() % Ci, co = rng() % Co, ky = rng() % K, kx = rng() % K;
    double f = 0, fa = 1e-6, d = 0, da = 1e-6, g = 0, ga = 1e-6;
    for (int a = 0; a < K; a++)
      for (int b = 0; b < K; b++) {
        int iy = y + a - pad, ix = x + b - pad;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
          for (int c = 0; c < Ci; c++) {
            double p = double(at(src, img(n, iy, ix, c, Ci))) * at(w, wi(a, b, c, co));
            f += p, fa += std::abs(p);
          }
        int oy = y + pad - a, ox = x + pad - b;
        if (oy >= 0 && oy < H && ox >= 0 && ox < W)
          for (int c = 0; c < Co; c++) {
            double p = double(at(diff_dst_bd, img(n, oy, ox, c, Co))) * at(w, wi(a, b, ci, c));
            d += p, da += std::abs(p);
          }
      }
    for (int m = 0; m < s.n; m++)
      for (int oy = 0; oy < H; oy++)
        for (int ox = 0; ox < W; ox++) {
          int iy = oy + ky - pad, ix = ox + kx - pad;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
          double p = double(at(src_bw, img(m, iy, ix, ci, Ci))) * at(diff_dst_bw, img(m, oy, ox, co, Co));
          g += p, ga += std::abs(p);
        }
    compare(f, at(dst, img(n, y, x, co, Co)), fa);
    compare(d, at(diff_src, img(n, y, x, ci, Ci)), da);
    compare(g, at(dw, wi(ky, kx, ci, co)), ga);
  }
  return worst;
}

static void bench(const Shape& s, bool nhwc, engine& eng, stream& str) {
  std::mt19937 rng(42);
  const int pad = (s.k - 1) / 2;  // TF 'same', stride 1: top/left (k-1)/2, bottom/right the rest
  const int padr = s.k - 1 - pad;
  memory::dims src_d = {s.n, s.ci, s.h, s.w}, dst_d = {s.n, s.co, s.h, s.w};
  memory::dims wei_d = {s.co, s.ci, s.k, s.k};
  memory::dims strides = {1, 1}, pl = {pad, pad}, pr = {padr, padr};
  const tag act = nhwc ? tag::nhwc : tag::any;
  memory::desc src_md(src_d, dt::f32, act), dst_md(dst_d, dt::f32, act), wei_md(wei_d, dt::f32, tag::any);
  const char* layout = nhwc ? "nhwc" : "any";

  auto fwd_pd = convolution_forward::primitive_desc(
      convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src_md, wei_md, dst_md,
                                strides, pl, pr),
      eng);
  auto bwd_d_pd = convolution_backward_data::primitive_desc(
      convolution_backward_data::desc(algorithm::convolution_direct, src_md, wei_md, dst_md, strides, pl, pr), eng,
      fwd_pd);
  auto bwd_w_pd = convolution_backward_weights::primitive_desc(
      convolution_backward_weights::desc(algorithm::convolution_direct, src_md, wei_md, dst_md, strides, pl, pr), eng,
      fwd_pd);

  // The user's weights (HWIO, as tfjs keeps filters) and the layouts oneDNN chose.
  memory user_w({wei_d, dt::f32, tag::hwio}, eng), user_dw({wei_d, dt::f32, tag::hwio}, eng);
  memory src(fwd_pd.src_desc(), eng), w(fwd_pd.weights_desc(), eng), dst(fwd_pd.dst_desc(), eng);
  memory w_bd(bwd_d_pd.weights_desc(), eng), diff_dst_bd(bwd_d_pd.diff_dst_desc(), eng),
      diff_src(bwd_d_pd.diff_src_desc(), eng);
  memory src_bw(bwd_w_pd.src_desc(), eng), diff_dst_bw(bwd_w_pd.diff_dst_desc(), eng),
      diff_w(bwd_w_pd.diff_weights_desc(), eng);
  for (memory* m : {&user_w, &src, &w, &w_bd, &diff_dst_bd, &src_bw, &diff_dst_bw}) fill(*m, rng);

  convolution_forward fwd(fwd_pd);
  convolution_backward_data bwd_d(bwd_d_pd);
  convolution_backward_weights bwd_w(bwd_w_pd);
  const bool reorder_fwd = nhwc && fwd_pd.weights_desc() != user_w.get_desc();
  const bool reorder_bd = nhwc && bwd_d_pd.weights_desc() != user_w.get_desc();
  const bool reorder_bw = nhwc && bwd_w_pd.diff_weights_desc() != user_dw.get_desc();
  reorder r_fwd, r_bd, r_bw;
  if (reorder_fwd) r_fwd = reorder(user_w, w);
  if (reorder_bd) r_bd = reorder(user_w, w_bd);
  if (reorder_bw) r_bw = reorder(diff_w, user_dw);

  Timing ms = time_calls(
      [&] {
        if (reorder_fwd) r_fwd.execute(str, user_w, w);
        fwd.execute(str, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
      },
      str);
  report(s, "forward", layout, ms, fwd_pd.impl_info_str());
  ms = time_calls(
      [&] {
        if (reorder_bd) r_bd.execute(str, user_w, w_bd);
        bwd_d.execute(str, {{DNNL_ARG_DIFF_DST, diff_dst_bd}, {DNNL_ARG_WEIGHTS, w_bd}, {DNNL_ARG_DIFF_SRC, diff_src}});
      },
      str);
  report(s, "backward-data", layout, ms, bwd_d_pd.impl_info_str());
  ms = time_calls(
      [&] {
        bwd_w.execute(str, {{DNNL_ARG_SRC, src_bw}, {DNNL_ARG_DIFF_DST, diff_dst_bw}, {DNNL_ARG_DIFF_WEIGHTS, diff_w}});
        if (reorder_bw) r_bw.execute(str, diff_w, user_dw);
      },
      str);
  report(s, "backward-weights", layout, ms, bwd_w_pd.impl_info_str());
  if (nhwc) {
    // After the timed calls w and w_bd hold user_w; the weights gradient is in user_dw.
    double err = check(s, src, user_w, dst, diff_dst_bd, diff_src, src_bw, diff_dst_bw, reorder_bw ? user_dw : diff_w);
    std::printf("# %s: largest relative error against a direct sum, 3 × 64 samples: %.1e\n", s.name, err);
    if (err > 1e-4) {
      std::fprintf(stderr, "%s: oneDNN results disagree with the direct sum (%.1e)\n", s.name, err);
      std::exit(1);
    }
  }
}

int main(int argc, char** argv) {
  engine eng(engine::kind::cpu, 0);
  stream str(eng);
  const char* omp = std::getenv("OMP_NUM_THREADS");
  std::printf("# oneDNN %d.%d.%d, OMP_NUM_THREADS=%s, batch 32, %d warm-up + %d timed calls, median and fastest ms\n",
              dnnl_version()->major, dnnl_version()->minor, dnnl_version()->patch, omp ? omp : "(unset)", kWarmup,
              kCalls);
  int ran = 0;
  for (const Shape& s : kShapes) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; i++) wanted = wanted || std::strcmp(argv[i], s.name) == 0;
    if (!wanted) continue;
    bench(s, true, eng, str);
    bench(s, false, eng, str);
    ran++;
  }
  if (!ran) {
    std::fprintf(stderr, "no such shape; shapes:");
    for (const Shape& s : kShapes) std::fprintf(stderr, " %s", s.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  return 0;
}
