//===- main.cpp - Call a wn-compiled layer from C++ -----------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Embeds the object file that wn-opt, mlir-translate and clang made from
// linear.mlir: builds inputs, calls _mlir_ciface_linear with memref
// descriptors over its own buffers, checks y and w against a float64
// reference computed here, and optionally writes every buffer to a folder for
// check.py to compare with PyTorch.
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {
/// The memref descriptor of MLIR's C interface for a rank-N memref.
template <typename T, int N> struct MemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];
};

/// A row-major descriptor over `data` with the given sizes.
template <typename T, int N>
MemRef<T, N> view(std::vector<T> &data, const int64_t (&sizes)[N]) {
  MemRef<T, N> m{data.data(), data.data(), 0, {}, {}};
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    m.sizes[i] = sizes[i];
    m.strides[i] = stride;
    stride *= sizes[i];
  }
  return m;
}

/// Deterministic inputs in [-1, 1).
void fill(std::vector<float> &data, uint32_t seed) {
  for (float &x : data) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed >> 8) / 8388608.0f - 1.0f;
  }
}

bool writeFile(const std::string &path, const std::vector<float> &data) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  size_t n = std::fwrite(data.data(), sizeof(float), data.size(), f);
  return std::fclose(f) == 0 && n == data.size();
}
} // namespace

constexpr int64_t kBatch = 8, kOut = 128, kIn = 256;

extern "C" void _mlir_ciface_linear(MemRef<float, 2> *x, MemRef<float, 2> *v,
                                    MemRef<float, 2> *g, MemRef<float, 1> *b,
                                    MemRef<float, 2> *y, MemRef<float, 2> *w);

int main(int argc, char **argv) {
  std::vector<float> x(kBatch * kIn), v(kOut * kIn), g(kOut), b(kOut);
  std::vector<float> y(kBatch * kOut, NAN), w(kOut * kIn, NAN);
  fill(x, 1), fill(v, 2), fill(g, 3), fill(b, 4);

  MemRef<float, 2> xm = view(x, {kBatch, kIn}), vm = view(v, {kOut, kIn});
  MemRef<float, 2> gm = view(g, {kOut, 1}), ym = view(y, {kBatch, kOut});
  MemRef<float, 2> wm = view(w, {kOut, kIn});
  MemRef<float, 1> bm = view(b, {kOut});
  _mlir_ciface_linear(&xm, &vm, &gm, &bm, &ym, &wm);

  // float64 reference: w = g * v / ||v|| per row, y = x @ w^T + b.
  std::vector<double> wRef(kOut * kIn);
  for (int64_t o = 0; o < kOut; ++o) {
    double sum = 0;
    for (int64_t i = 0; i < kIn; ++i)
      sum += double(v[o * kIn + i]) * v[o * kIn + i];
    for (int64_t i = 0; i < kIn; ++i)
      wRef[o * kIn + i] = g[o] * double(v[o * kIn + i]) / std::sqrt(sum);
  }
  double wErr = 0, wMax = 0, yErr = 0, yMax = 0;
  for (int64_t k = 0; k < kOut * kIn; ++k) {
    wErr = std::fmax(wErr, std::fabs(w[k] - wRef[k]));
    wMax = std::fmax(wMax, std::fabs(wRef[k]));
  }
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t o = 0; o < kOut; ++o) {
      double acc = b[o];
      for (int64_t i = 0; i < kIn; ++i)
        acc += double(x[n * kIn + i]) * wRef[o * kIn + i];
      yErr = std::fmax(yErr, std::fabs(y[n * kOut + o] - acc));
      yMax = std::fmax(yMax, std::fabs(acc));
    }
  }
  // NaN errors (an output never written) fail the comparison below too.
  const double tolerance = 1e-5;
  double wRel = wErr / wMax, yRel = yErr / yMax;
  bool ok = wRel <= tolerance && yRel <= tolerance;
  std::printf("weight-normed Linear(%lld -> %lld), batch %lld, f32\n",
              (long long)kIn, (long long)kOut, (long long)kBatch);
  std::printf("y[0][0:4] = %.6f %.6f %.6f %.6f\n", y[0], y[1], y[2], y[3]);
  std::printf("w: max error vs float64 reference %.3g (relative to max |w|; "
              "tolerance %.0e)\n",
              wRel, tolerance);
  std::printf("y: max error vs float64 reference %.3g (relative to max |y|; "
              "tolerance %.0e)\n",
              yRel, tolerance);
  std::printf("%s\n", ok ? "C++ check: OK" : "C++ check: FAILED");

  if (argc > 1) {
    std::string dir = argv[1];
    for (auto [name, data] : {std::pair{"x", &x},
                              {"v", &v},
                              {"g", &g},
                              {"b", &b},
                              {"y", &y},
                              {"w", &w}}) {
      if (!writeFile(dir + "/" + name + ".f32", *data)) {
        std::fprintf(stderr, "error: cannot write %s/%s.f32\n", dir.c_str(),
                     name);
        return 2;
      }
    }
  }
  return ok ? 0 : 1;
}
