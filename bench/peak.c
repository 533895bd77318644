//===- peak.c - FMA peak of the host CPU ----------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FMA peak of one core: independent chains of vector fused multiply-adds,
// as many as the compiler keeps in registers, in the widest vectors the
// target has (clang -O3 -march=native). Prints GFLOP/s (2 flops per FMA
// lane) for 1 thread and, with OpenMP, for every thread.
//   clang -O3 -march=native -fopenmp peak.c -o peak && ./peak
#include <omp.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
#define CHAINS 12

typedef float vec __attribute__((vector_size(LANES * 4)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/// Runs `iterations` steps of CHAINS FMAs; returns a value that depends on
/// every result so that nothing is optimized away.
static float run(long iterations, float seed) {
  vec acc[CHAINS], a, b;
  for (int i = 0; i < LANES; ++i) {
    a[i] = 1.0f + seed * 1e-9f;
    b[i] = 1e-7f;
  }
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = a * (float)c;
  for (long i = 0; i < iterations; ++i) {
#pragma clang loop unroll(full)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = __builtin_elementwise_fma(acc[c], a, b);
  }
  float sum = 0;
  for (int c = 0; c < CHAINS; ++c)
    for (int i = 0; i < LANES; ++i)
      sum += acc[c][i];
  return sum;
}

static double gflops(int threads, long iterations) {
  double best = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    volatile float sink = 0;
    double t0 = now();
#pragma omp parallel num_threads(threads)
    {
      float s = run(iterations, (float)omp_get_thread_num());
#pragma omp atomic
      sink += s;
    }
    double seconds = now() - t0;
    double flops = 2.0 * LANES * CHAINS * (double)iterations * threads;
    if (flops / seconds > best)
      best = flops / seconds;
  }
  return best * 1e-9;
}

int main(void) {
  long iterations = 20000000;
  int all = omp_get_max_threads();
  printf("{\"lanes\": %d, \"gflops_1\": %.1f, \"threads\": %d, "
         "\"gflops_all\": %.1f}\n",
         LANES, gflops(1, iterations), all, gflops(all, iterations));
  return 0;
}
