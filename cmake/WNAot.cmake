# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The ahead-of-time compile path for CMake, and where the tools are.
#
# wn-tools.json next to wn-opt (build/bin) records where CMake found LLVM: the
# tools (clang, lit; LLVM_TOOLS_DIR) and libraries (libomp; LLVM_LIBRARY_DIR).
# wn's Python package reads it (python/wn/_tools.py) wherever the environment
# does not say otherwise, and so do the scripts, through `python3 -m
# wn._tools`.
#
# wn_add_aot_object(<out-var> <mlir-file>)
#
# Compiles <mlir-file> ahead of time with `python3 -m wn.aot` (python/wn/aot.py,
# README "Ahead of time"), the sequence the exporter and the tests use too:
# wn-opt --wn-cpu-pipeline --verify-each=0 --emit-bytecode (wn-translate
# verifies what it reads), then wn-translate --mlir-to-object (LLVM's O3 for
# the host CPU with libmvec, in memory). Sets <out-var> to the object file, to
# be listed among an executable's sources; link the executable with
# ${WN_AOT_LIBRARIES} (the OpenMP runtime, libmvec and libm the code calls).
find_package(Python3 3.10 COMPONENTS Interpreter REQUIRED)
find_library(WN_OMP_LIBRARY NAMES omp HINTS ${LLVM_LIBRARY_DIR} REQUIRED)
set(WN_AOT_LIBRARIES ${WN_OMP_LIBRARY} mvec m)

file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/bin/wn-tools.json CONTENT [[
{
  "llvm_tools_dir": "@LLVM_TOOLS_DIR@",
  "llvm_library_dir": "@LLVM_LIBRARY_DIR@"
}
]] @ONLY)

set(WN_PYTHON_DIR ${PROJECT_SOURCE_DIR}/python)
set(WN_AOT_PYTHON_SOURCES
  ${WN_PYTHON_DIR}/wn/__init__.py
  ${WN_PYTHON_DIR}/wn/_tools.py
  ${WN_PYTHON_DIR}/wn/aot.py)

function(wn_add_aot_object out_var mlir_file)
  get_filename_component(name ${mlir_file} NAME_WE)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/aot)
  set(obj ${dir}/${name}.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${WN_PYTHON_DIR}
            WN_TOOLS_DIR=$<TARGET_FILE_DIR:wn-opt>
            ${Python3_EXECUTABLE} -m wn.aot ${mlir_file} -o ${obj}
            --work-dir ${dir}
    DEPENDS wn-opt wn-translate ${mlir_file} ${WN_AOT_PYTHON_SOURCES}
    COMMENT "Compiling ${name}.mlir with wn.aot (wn-opt, wn-translate)"
    VERBATIM)
  set_source_files_properties(${obj} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set(${out_var} ${obj} PARENT_SCOPE)
endfunction()
