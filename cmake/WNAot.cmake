# wn_add_aot_object(<out-var> <mlir-file>)
#
# Compiles <mlir-file> ahead of time: wn-opt --wn-cpu-pipeline, mlir-translate
# --mlir-to-llvmir, clang -O3 -march=native -fveclib=libmvec -c. Sets <out-var> to the object
# file, to be listed among an executable's sources; link the executable with
# ${WN_AOT_LIBRARIES} (the OpenMP runtime, libmvec and libm the code calls).
find_program(WN_CLANG NAMES clang clang-22 HINTS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_program(WN_MLIR_TRANSLATE NAMES mlir-translate HINTS ${LLVM_TOOLS_BINARY_DIR} REQUIRED)
find_library(WN_OMP_LIBRARY NAMES omp HINTS ${LLVM_LIBRARY_DIR} REQUIRED)
set(WN_AOT_LIBRARIES ${WN_OMP_LIBRARY} mvec m)

function(wn_add_aot_object out_var mlir_file)
  get_filename_component(name ${mlir_file} NAME_WE)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/aot)
  set(llvm_mlir ${dir}/${name}.llvm.mlir)
  set(ll ${dir}/${name}.ll)
  set(obj ${dir}/${name}.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND $<TARGET_FILE:wn-opt> ${mlir_file} --wn-cpu-pipeline -o ${llvm_mlir}
    COMMAND ${WN_MLIR_TRANSLATE} --mlir-to-llvmir ${llvm_mlir} -o ${ll}
    COMMAND ${WN_CLANG} -O3 -march=native -fveclib=libmvec -fPIC -Wno-override-module -c ${ll} -o ${obj}
    DEPENDS wn-opt ${mlir_file}
    COMMENT "Compiling ${name}.mlir with wn-opt"
    VERBATIM)
  set_source_files_properties(${obj} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set(${out_var} ${obj} PARENT_SCOPE)
endfunction()
