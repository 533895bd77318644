"""ctypes memref descriptors for contiguous torch tensors: wn_export.runtime's
(MLIR's C interface layout, see there), for the tests and benchmarks."""

from wn_export.runtime import (descriptor, descriptor_class, results_class,
                               take_tensor, take_tensors)

__all__ = ["descriptor", "descriptor_class", "results_class", "take_tensor",
           "take_tensors"]
