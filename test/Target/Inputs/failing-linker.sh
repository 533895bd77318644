#!/bin/sh
# A linker that fails, for mlir-to-object-errors.mlir.
echo "failing-linker: cannot link" >&2
exit 1
