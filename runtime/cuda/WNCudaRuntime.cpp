//===- WNCudaRuntime.cpp - mgpu* entry points over the CUDA driver API ----===//
//
// The mgpu* functions are the interface of MLIR's CudaRuntimeWrappers.cpp
// (llvm-project, mlir/lib/ExecutionEngine), part of the LLVM Project under the
// Apache License v2.0 with LLVM Exceptions; see https://llvm.org/LICENSE.txt.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
// The signatures below follow it, and what MLIR 22 emits (checked against the
// `declare`s of gpu-to-llvm and of #gpu.select_object's module load).
//
//===----------------------------------------------------------------------===//
//
// The host side of code from `--gpu-lower-to-nvvm-pipeline` (and wn's GPU
// pipeline) calls these functions: the device binary is loaded by a global
// constructor (mgpuModuleLoad, or mgpuModuleLoadJIT for PTX), kernels are
// launched on streams, memory is allocated and copied, async tokens become
// events. Debian's MLIR does not ship libmlir_cuda_runtime, so wn builds this
// one; it depends on the CUDA driver (libcuda.so.1) only, so that it can be
// carried next to an executable to a machine without LLVM or MLIR.
//
// Every failing driver call is reported on stderr, with the call and the
// error's name and description, and aborts the process: a kernel that did not
// load or launch must not let the program print wrong numbers.
//
// Contexts: the first call that needs one retains the primary context of the
// default device (ordinal 0, or the one mgpuSetDefaultDevice chose in this
// thread) and makes it current for the duration of the call only.
//
//===----------------------------------------------------------------------===//

#include "cuda.h"

#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#if CUDA_VERSION < 12000
#error                                                                         \
    "wn_cuda_runtime needs the CUDA 12 driver API or newer (cuLaunchKernelEx)"
#endif

#define WN_CUDA_RUNTIME_EXPORT extern "C" __attribute__((visibility("default")))

/// Reports a failed driver call made for the entry point `function` and
/// aborts the process.
[[noreturn]] static void reportCudaError(CUresult result, const char *call,
                                         const char *function) {
  const char *name = nullptr;
  const char *description = nullptr;
  if (result == CUDA_ERROR_STUB_LIBRARY) {
    // The stub cannot name its own errors.
    name = "CUDA_ERROR_STUB_LIBRARY";
    description = "the toolkit's stub libcuda.so was loaded instead of the "
                  "driver's libcuda.so.1 (check LD_LIBRARY_PATH)";
  }
  if (!name && (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name))
    name = "<unknown CUDA error>";
  if (!description &&
      (cuGetErrorString(result, &description) != CUDA_SUCCESS || !description))
    description = "no description";
  fprintf(stderr, "wn_cuda_runtime: %s: '%s' failed with %s (%d: %s)\n",
          function, call, name, static_cast<int>(result), description);
  fflush(stderr);
  abort();
}

/// Calls a driver function for the entry point `function`; on failure,
/// reports it and aborts.
#define CUDA_CHECK_FOR(expr, function)                                         \
  do {                                                                         \
    CUresult wnCudaResult = (expr);                                            \
    if (wnCudaResult != CUDA_SUCCESS)                                          \
      reportCudaError(wnCudaResult, #expr, function);                          \
  } while (false)

/// Calls a driver function; on failure, reports it and aborts.
#define CUDA_CHECK(expr) CUDA_CHECK_FOR(expr, __func__)

/// Reports a misuse of the runtime (not a driver error) and aborts.
[[noreturn]] static void reportUsageError(const char *function,
                                          const char *message) {
  fprintf(stderr, "wn_cuda_runtime: %s: %s\n", function, message);
  fflush(stderr);
  abort();
}

namespace {
/// The device ordinal the calls of this thread use, as upstream.
thread_local int32_t defaultDevice = 0;

/// The devices whose primary context has been retained. Primary contexts stay
/// retained until the process exits, so kernels loaded by global constructors
/// stay valid for the whole program. (pthread rather than <mutex>: the library
/// needs no C++ runtime, so it loads next to any libstdc++.)
constexpr int kMaxDevices = 64;
pthread_mutex_t contextMutex = PTHREAD_MUTEX_INITIALIZER;
bool driverInitialized = false;
CUcontext primaryContexts[kMaxDevices] = {};

/// Holds `contextMutex` for its lifetime.
class ContextLock {
public:
  ContextLock() { pthread_mutex_lock(&contextMutex); }
  ~ContextLock() { pthread_mutex_unlock(&contextMutex); }
  ContextLock(const ContextLock &) = delete;
  ContextLock &operator=(const ContextLock &) = delete;
};

/// Returns the primary context of `ordinal`, initializing the driver and
/// retaining the context on first use; errors name the entry point `caller`.
CUcontext getPrimaryContext(int32_t ordinal, const char *caller) {
  ContextLock lock;
  if (ordinal >= 0 && ordinal < kMaxDevices && primaryContexts[ordinal])
    return primaryContexts[ordinal];
  if (!driverInitialized) {
    CUDA_CHECK_FOR(cuInit(0), caller);
    driverInitialized = true;
  }
  int count = 0;
  CUDA_CHECK_FOR(cuDeviceGetCount(&count), caller);
  if (ordinal < 0 || ordinal >= count || ordinal >= kMaxDevices) {
    fprintf(stderr,
            "wn_cuda_runtime: %s: device %d requested, but %d CUDA device(s) "
            "are visible\n",
            caller, ordinal, count);
    fflush(stderr);
    abort();
  }
  CUdevice device;
  CUDA_CHECK_FOR(cuDeviceGet(&device, ordinal), caller);
  CUDA_CHECK_FOR(cuDevicePrimaryCtxRetain(&primaryContexts[ordinal], device),
                 caller);
  return primaryContexts[ordinal];
}

/// Makes the primary context of the default device current for the lifetime
/// of the object and restores the previous one afterwards; errors name the
/// entry point `caller`.
class ScopedContext {
public:
  explicit ScopedContext(const char *caller) : caller(caller) {
    CUDA_CHECK_FOR(cuCtxPushCurrent(getPrimaryContext(defaultDevice, caller)),
                   caller);
  }
  ~ScopedContext() {
    CUcontext popped = nullptr;
    CUDA_CHECK_FOR(cuCtxPopCurrent(&popped), caller);
  }
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;

private:
  const char *caller;
};

/// The leading fields of MLIR's memref descriptor (StridedMemRefType in
/// mlir/ExecutionEngine/CRunnerUtils.h); `rank` sizes then `rank` strides
/// follow `offset`.
struct MemRefDescriptorPrefix {
  char *allocated;
  char *aligned;
  int64_t offset;
};

/// Returns the sizes of a ranked memref descriptor; the strides follow them.
const int64_t *getSizes(const MemRefDescriptorPrefix *descriptor) {
  return reinterpret_cast<const int64_t *>(descriptor + 1);
}

/// Returns the first byte of a memref's elements.
char *getFirstElement(const MemRefDescriptorPrefix *descriptor,
                      int64_t elementSizeBytes) {
  return descriptor->aligned + descriptor->offset * elementSizeBytes;
}

/// Returns the size in bytes of a densely packed (identity layout) memref;
/// aborts for any other layout, which cannot be registered as one range.
uint64_t getDenseSizeBytes(int64_t rank,
                           const MemRefDescriptorPrefix *descriptor,
                           int64_t elementSizeBytes, const char *function) {
  const int64_t *sizes = getSizes(descriptor);
  const int64_t *strides = sizes + rank;
  for (int64_t i = 0; i < rank; ++i)
    if (sizes[i] == 0)
      return 0;
  int64_t elements = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (sizes[i] != 1 && strides[i] != elements)
      reportUsageError(function, "only densely packed memrefs (identity "
                                 "layout) can be registered");
    elements *= sizes[i];
  }
  return static_cast<uint64_t>(elements) * elementSizeBytes;
}

/// Sets up a kernel's dynamic shared memory: sizes above the default limit
/// (48 KiB) must be opted into, up to the device's maximum.
void prepareSharedMemory(CUfunction function, int32_t smem,
                         const char *caller) {
  if (smem <= 0)
    return;
  CUdevice device;
  CUDA_CHECK(cuCtxGetDevice(&device));
  int maxOptIn = 0;
  CUDA_CHECK(cuDeviceGetAttribute(
      &maxOptIn, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
      device));
  if (smem > maxOptIn) {
    fprintf(stderr,
            "wn_cuda_runtime: %s: %d bytes of dynamic shared memory requested, "
            "the device allows at most %d\n",
            caller, smem, maxOptIn);
    fflush(stderr);
    abort();
  }
  CUDA_CHECK(cuFuncSetAttribute(
      function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
}
} // namespace

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

/// Loads a cubin or fatbin (or NUL-terminated PTX) embedded by
/// #gpu.select_object; `gpuBlobSize` is the size of the blob in bytes.
WN_CUDA_RUNTIME_EXPORT CUmodule mgpuModuleLoad(void *data,
                                               size_t /*gpuBlobSize*/) {
  ScopedContext scopedContext(__func__);
  CUmodule module = nullptr;
  CUDA_CHECK(cuModuleLoadData(&module, data));
  return module;
}

/// Loads NUL-terminated PTX, compiled by the driver at `optLevel` (0 to 4);
/// the JIT's log is printed when it fails.
WN_CUDA_RUNTIME_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext scopedContext(__func__);
  CUmodule module = nullptr;
  char errorLog[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {errorLog, reinterpret_cast<void *>(sizeof(errorLog)),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUresult result = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS) {
    fprintf(stderr, "wn_cuda_runtime: PTX JIT compilation log:\n%s\n",
            errorLog);
    reportCudaError(result, "cuModuleLoadDataEx(&module, data, ...)", __func__);
  }
  return module;
}

/// Unloads a module. Called by a global destructor; when the driver has
/// already shut down at process exit, the module went with its context.
WN_CUDA_RUNTIME_EXPORT void mgpuModuleUnload(CUmodule module) {
  CUresult result = cuModuleUnload(module);
  if (result == CUDA_ERROR_DEINITIALIZED)
    return;
  if (result != CUDA_SUCCESS)
    reportCudaError(result, "cuModuleUnload(module)", __func__);
}

WN_CUDA_RUNTIME_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                        const char *name) {
  CUfunction function = nullptr;
  CUresult result = cuModuleGetFunction(&function, module, name);
  if (result != CUDA_SUCCESS) {
    fprintf(stderr, "wn_cuda_runtime: no kernel '%s' in the loaded module\n",
            name);
    reportCudaError(result, "cuModuleGetFunction(&function, module, name)",
                    __func__);
  }
  return function;
}

/// Launches a kernel. Sizes are intptr_t (MLIR's index) rather than CUDA's
/// unsigned int; `paramsCount` is the number of entries of `params`.
WN_CUDA_RUNTIME_EXPORT void
mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                 intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                 intptr_t blockZ, int32_t smem, CUstream stream, void **params,
                 void **extra, size_t /*paramsCount*/) {
  ScopedContext scopedContext(__func__);
  prepareSharedMemory(function, smem, __func__);
  CUDA_CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                            blockZ, smem, stream, params, extra));
}

/// Launches a kernel with thread block clusters (sm_90 and newer); the grid
/// is given in blocks and must be a multiple of the cluster.
WN_CUDA_RUNTIME_EXPORT void
mgpuLaunchClusterKernel(CUfunction function, intptr_t clusterX,
                        intptr_t clusterY, intptr_t clusterZ, intptr_t gridX,
                        intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                        intptr_t blockY, intptr_t blockZ, int32_t smem,
                        CUstream stream, void **params, void **extra) {
  ScopedContext scopedContext(__func__);
  prepareSharedMemory(function, smem, __func__);
  // Clusters of more than 8 blocks are not portable; let the driver decide.
  if (clusterX * clusterY * clusterZ > 8)
    CUDA_CHECK(cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1));

  CUlaunchAttribute attribute;
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = static_cast<unsigned>(clusterX);
  attribute.value.clusterDim.y = static_cast<unsigned>(clusterY);
  attribute.value.clusterDim.z = static_cast<unsigned>(clusterZ);

  CUlaunchConfig config = {};
  config.gridDimX = static_cast<unsigned>(gridX);
  config.gridDimY = static_cast<unsigned>(gridY);
  config.gridDimZ = static_cast<unsigned>(gridZ);
  config.blockDimX = static_cast<unsigned>(blockX);
  config.blockDimY = static_cast<unsigned>(blockY);
  config.blockDimZ = static_cast<unsigned>(blockZ);
  config.sharedMemBytes = static_cast<unsigned>(smem);
  config.hStream = stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  CUDA_CHECK(cuLaunchKernelEx(&config, function, params, extra));
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

WN_CUDA_RUNTIME_EXPORT CUstream mgpuStreamCreate() {
  ScopedContext scopedContext(__func__);
  CUstream stream = nullptr;
  CUDA_CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

WN_CUDA_RUNTIME_EXPORT void mgpuStreamDestroy(CUstream stream) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuStreamDestroy(stream));
}

/// Waits for the stream's work; errors of earlier asynchronous work (a
/// kernel's illegal address) are reported here.
WN_CUDA_RUNTIME_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuStreamSynchronize(stream));
}

WN_CUDA_RUNTIME_EXPORT void mgpuStreamWaitEvent(CUstream stream,
                                                CUevent event) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuStreamWaitEvent(stream, event, 0));
}

WN_CUDA_RUNTIME_EXPORT CUevent mgpuEventCreate() {
  ScopedContext scopedContext(__func__);
  CUevent event = nullptr;
  CUDA_CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

WN_CUDA_RUNTIME_EXPORT void mgpuEventDestroy(CUevent event) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuEventDestroy(event));
}

WN_CUDA_RUNTIME_EXPORT void mgpuEventSynchronize(CUevent event) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuEventSynchronize(event));
}

WN_CUDA_RUNTIME_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuEventRecord(event, stream));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

/// Allocates device memory, or managed memory visible to the host as well
/// when `isHostShared` (gpu.alloc host_shared). Zero bytes give null.
WN_CUDA_RUNTIME_EXPORT void *
mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/, bool isHostShared) {
  if (sizeBytes == 0)
    return nullptr;
  ScopedContext scopedContext(__func__);
  CUdeviceptr ptr = 0;
  if (isHostShared)
    CUDA_CHECK(cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else
    CUDA_CHECK(cuMemAlloc(&ptr, sizeBytes));
  return reinterpret_cast<void *>(ptr);
}

/// Frees memory from mgpuMemAlloc (null is ignored) once the work queued on
/// `stream` (gpu.dealloc's dependencies) has finished: on a non-blocking
/// stream, cuMemFree alone does not order the free after that work.
WN_CUDA_RUNTIME_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr)
    return;
  ScopedContext scopedContext(__func__);
  if (stream)
    CUDA_CHECK(cuStreamSynchronize(stream));
  CUDA_CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

/// Copies between any two of host and device memory (unified addressing).
WN_CUDA_RUNTIME_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                       CUstream stream) {
  if (sizeBytes == 0)
    return;
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                           reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                           stream));
}

/// Sets `count` 32-bit words.
WN_CUDA_RUNTIME_EXPORT void mgpuMemset32(void *dst, unsigned int value,
                                         size_t count, CUstream stream) {
  if (count == 0)
    return;
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream));
}

/// Sets `count` 16-bit words.
WN_CUDA_RUNTIME_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                         size_t count, CUstream stream) {
  if (count == 0)
    return;
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream));
}

/// Page-locks a host range and maps it for the device (gpu.host_register).
WN_CUDA_RUNTIME_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (sizeBytes == 0)
    return;
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuMemHostRegister(ptr, sizeBytes, 0));
}

WN_CUDA_RUNTIME_EXPORT void mgpuMemHostUnregister(void *ptr) {
  ScopedContext scopedContext(__func__);
  CUDA_CHECK(cuMemHostUnregister(ptr));
}

/// Registers the elements of a ranked, densely packed memref; `descriptor`
/// points to its descriptor (rank sizes and strides after the offset).
WN_CUDA_RUNTIME_EXPORT void
mgpuMemHostRegisterMemRef(int64_t rank, MemRefDescriptorPrefix *descriptor,
                          int64_t elementSizeBytes) {
  uint64_t sizeBytes =
      getDenseSizeBytes(rank, descriptor, elementSizeBytes, __func__);
  mgpuMemHostRegister(getFirstElement(descriptor, elementSizeBytes), sizeBytes);
}

/// Unregisters a memref registered by mgpuMemHostRegisterMemRef (empty
/// memrefs were not registered and are skipped).
WN_CUDA_RUNTIME_EXPORT void
mgpuMemHostUnregisterMemRef(int64_t rank, MemRefDescriptorPrefix *descriptor,
                            int64_t elementSizeBytes) {
  if (getDenseSizeBytes(rank, descriptor, elementSizeBytes, __func__) == 0)
    return;
  mgpuMemHostUnregister(getFirstElement(descriptor, elementSizeBytes));
}

/// Chooses the device of the following calls of this thread.
WN_CUDA_RUNTIME_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
}
