# wn_add_aot_object(<out-var> <mlir-file>)
#
# Compiles <mlir-file> ahead of time, with the sequence of
# python/wn_testing/aot.py (README, "Ahead of time"): wn-opt --wn-cpu-pipeline
# --verify-each=0 --emit-bytecode (wn-translate verifies what it reads), then
# wn-translate --mlir-to-object (LLVM's O3 for the host CPU with libmvec, in
# memory). Sets <out-var> to the object file, to be listed
# among an executable's sources; link the executable with ${WN_AOT_LIBRARIES}
# (the OpenMP runtime, libmvec and libm the code calls).
find_library(WN_OMP_LIBRARY NAMES omp HINTS ${LLVM_LIBRARY_DIR} REQUIRED)
set(WN_AOT_LIBRARIES ${WN_OMP_LIBRARY} mvec m)

function(wn_add_aot_object out_var mlir_file)
  get_filename_component(name ${mlir_file} NAME_WE)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/aot)
  set(lowered ${dir}/${name}.llvm.mlirbc)
  set(obj ${dir}/${name}.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND $<TARGET_FILE:wn-opt> ${mlir_file} --wn-cpu-pipeline --verify-each=0
            --emit-bytecode -o ${lowered}
    COMMAND $<TARGET_FILE:wn-translate> --mlir-to-object ${lowered} -o ${obj}
    DEPENDS wn-opt wn-translate ${mlir_file}
    COMMENT "Compiling ${name}.mlir with wn-opt and wn-translate"
    VERBATIM)
  set_source_files_properties(${obj} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set(${out_var} ${obj} PARENT_SCOPE)
endfunction()
