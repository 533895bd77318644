//===- ObjectFile.cpp - LLVM dialect to a host object file ----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// translateModuleToObject: MLIR in the LLVM dialect -> LLVM IR in memory ->
// LLVM's O3 pipeline for the target CPU with a vector math library -> an ELF
// relocatable object, optionally in parallel partitions joined by `ld -r`.
//
// Where the time goes for the whole HiFi-GAN V1 generator (14 M weights,
// 384 parallel regions, 2-core AMD EPYC VM): translation 0.3 s (3.6 s before
// its parallel regions were outlined), optimization and code generation
// about 10 s of CPU in two partitions of 5 s, joining them 0.5 s; the
// weights cost well under a second (they were 100 s through textual LLVM IR).
//
//===----------------------------------------------------------------------===//

#include "wn/Target/ObjectFile.h"
#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/ObjCopy/CommonConfig.h"
#include "llvm/ObjCopy/ELF/ELFConfig.h"
#include "llvm/ObjCopy/ELF/ELFObjcopy.h"
#include "llvm/Object/Binary.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/Timer.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <array>
#include <deque>
#include <mutex>
#include <numeric>

using namespace mlir;
using namespace mlir::wn;

/// Dense constants from this size on become raw byte arrays. Smaller ones
/// (lookup tables, biases of a few channels) stay ordinary initializers that
/// LLVM may fold loads from.
static constexpr int64_t kRawGlobalMinBytes = 4096;

namespace {
/// A global whose initializer is copied from an MLIR attribute's bytes.
struct RawGlobal {
  std::string name;
  ArrayRef<char> data;
  bool isConstant;
  llvm::GlobalValue::LinkageTypes linkage;
  llvm::GlobalValue::VisibilityTypes visibility;
  llvm::MaybeAlign alignment;
  std::string section;
  unsigned addressSpace;
};

/// The target and pipeline options resolved: triple, CPU and features, the
/// LLVM enums.
struct TargetConfig {
  llvm::Triple triple;
  const llvm::Target *target = nullptr;
  std::string cpu;
  std::string features;
  llvm::OptimizationLevel passLevel = llvm::OptimizationLevel::O3;
  llvm::CodeGenOptLevel codeGenLevel = llvm::CodeGenOptLevel::Aggressive;
  llvm::VectorLibrary vectorLibrary = llvm::VectorLibrary::NoLibrary;

  std::unique_ptr<llvm::TargetMachine> createTargetMachine() const {
    llvm::TargetOptions targetOptions;
    targetOptions.VecLib = vectorLibrary;
    return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
        triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
        codeGenLevel));
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

/// Resolves `options` to a TargetConfig, or explains what is wrong with them.
static FailureOr<TargetConfig> resolveTarget(const ObjectFileOptions &options,
                                             std::string &error) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });

  TargetConfig result;
  if (options.optLevel > 3) {
    error = "opt-level must be 0, 1, 2 or 3, not " +
            std::to_string(options.optLevel);
    return failure();
  }
  result.passLevel =
      std::array{llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
                 llvm::OptimizationLevel::O2,
                 llvm::OptimizationLevel::O3}[options.optLevel];
  result.codeGenLevel =
      std::array{llvm::CodeGenOptLevel::None, llvm::CodeGenOptLevel::Less,
                 llvm::CodeGenOptLevel::Default,
                 llvm::CodeGenOptLevel::Aggressive}[options.optLevel];
  result.vectorLibrary = options.vectorLibrary == VectorLibrary::Libmvec
                             ? llvm::VectorLibrary::LIBMVEC
                             : llvm::VectorLibrary::NoLibrary;

  result.triple = llvm::Triple(options.triple.empty()
                                   ? llvm::sys::getProcessTriple()
                                   : llvm::Triple::normalize(options.triple));
  std::string lookupError;
  result.target =
      llvm::TargetRegistry::lookupTarget(result.triple, lookupError);
  if (!result.target) {
    error =
        "unknown target triple '" + result.triple.str() +
        "' (this build of wn targets the host's architecture): " + lookupError;
    return failure();
  }

  // The CPU and its features, as clang's -march=native: the host CPU's name
  // and every feature the host reports, then the requested ones.
  bool native = options.cpu == "native";
  if (native && !options.triple.empty() &&
      result.triple != llvm::Triple(llvm::sys::getProcessTriple())) {
    error = "mcpu 'native' needs the host's triple, not '" +
            result.triple.str() + "': name a CPU";
    return failure();
  }
  result.cpu = native ? llvm::sys::getHostCPUName().str() : options.cpu;
  SmallVector<std::string> features;
  if (native) {
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.push_back((feature.second ? "+" : "-") + feature.first().str());
    llvm::sort(features);
  }

  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      result.target->createMCSubtargetInfo(result.triple, result.cpu, ""));
  if (!subtarget || !subtarget->isCPUStringValid(result.cpu)) {
    error = "unknown CPU '" + result.cpu + "' for target '" +
            result.triple.str() + "'";
    return failure();
  }
  SmallVector<StringRef> requested;
  StringRef(options.features).split(requested, ',', -1, /*KeepEmpty=*/false);
  for (StringRef feature : requested) {
    feature = feature.trim();
    if (!feature.consume_front("+") && !feature.consume_front("-")) {
      error = "feature '" + feature.str() +
              "' must start with '+' (enable) or '-' (disable)";
      return failure();
    }
    if (llvm::none_of(subtarget->getAllProcessorFeatures(),
                      [&](const llvm::SubtargetFeatureKV &known) {
                        return feature == known.Key;
                      })) {
      error = "unknown feature '" + feature.str() + "' for target '" +
              result.triple.str() + "'";
      return failure();
    }
  }
  for (StringRef feature : requested)
    features.push_back(feature.trim().str());
  result.features = llvm::join(features, ",");
  return result;
}

//===----------------------------------------------------------------------===//
// Raw globals
//===----------------------------------------------------------------------===//

/// The number of elements of `type`, nested LLVM arrays of `elementType`, or
/// nullopt for any other type.
static std::optional<int64_t> getArrayElementCount(Type type,
                                                   Type elementType) {
  int64_t count = 1;
  while (auto array = dyn_cast<LLVM::LLVMArrayType>(type)) {
    count *= array.getNumElements();
    type = array.getElementType();
  }
  if (type != elementType)
    return std::nullopt;
  return count;
}

/// The bytes of `global`'s initializer in the target's memory layout, when it
/// is a dense constant of 8, 16, 32 or 64-bit integers or floats (not a
/// splat) of at least kRawGlobalMinBytes, of the global's type, and the
/// global an ordinary one (not thread-local, externally initialized or in a
/// comdat).
static std::optional<ArrayRef<char>> getRawInitializer(LLVM::GlobalOp global) {
  auto elements = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
  if (!elements || global.getThreadLocal_() ||
      global.getExternallyInitialized() || global.getComdat())
    return std::nullopt;
  auto type = cast<ShapedType>(elements.getType());
  Type elementType = type.getElementType();
  if (!type.hasStaticShape() || !elementType.isIntOrFloat())
    return std::nullopt;
  unsigned bits = elementType.getIntOrFloatBitWidth();
  if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
    return std::nullopt;
  std::optional<int64_t> count =
      getArrayElementCount(global.getGlobalType(), elementType);
  if (!count || *count != type.getNumElements())
    return std::nullopt;

  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(elements)) {
    if (dense.isSplat())
      return std::nullopt;
    data = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    data = blob->getData();
  } else {
    return std::nullopt;
  }
  int64_t bytes = *count * bits / 8;
  if (static_cast<int64_t>(data.size()) != bytes || bytes < kRawGlobalMinBytes)
    return std::nullopt;
  return data;
}

/// Turns each raw global of `module` into an external declaration, hidden and
/// constant as before, so that optimization sees no initializer. Records what
/// defining it again takes.
static SmallVector<RawGlobal>
declareRawGlobals(llvm::Module &module,
                  ArrayRef<std::pair<std::string, ArrayRef<char>>> raw) {
  SmallVector<RawGlobal> result;
  for (const auto &[name, data] : raw) {
    llvm::GlobalVariable *global = module.getGlobalVariable(name, true);
    assert(global && "a translated global keeps its symbol name");
    result.push_back({name, data, global->isConstant(), global->getLinkage(),
                      global->getVisibility(), global->getAlign(),
                      global->getSection().str(), global->getAddressSpace()});
    global->setInitializer(nullptr);
    global->setLinkage(llvm::GlobalValue::ExternalLinkage);
    global->setVisibility(llvm::GlobalValue::HiddenVisibility);
    global->setDSOLocal(true);
  }
  return result;
}

/// Defines the raw globals in `module` as arrays of their bytes, replacing
/// their declarations. For the whole module (`whole`), each global gets its
/// original linkage back, and a global that optimization left unused is not
/// defined; for partition 0, every global is defined, external and hidden,
/// for the other partitions.
static void defineRawGlobals(llvm::Module &module, ArrayRef<RawGlobal> raw,
                             bool whole) {
  llvm::LLVMContext &context = module.getContext();
  for (const RawGlobal &global : raw) {
    llvm::GlobalVariable *declaration =
        module.getGlobalVariable(global.name, /*AllowInternal=*/true);
    if (whole && !declaration)
      continue;
    llvm::Constant *initializer = llvm::ConstantDataArray::getRaw(
        StringRef(global.data.data(), global.data.size()), global.data.size(),
        llvm::Type::getInt8Ty(context));
    auto *definition = new llvm::GlobalVariable(
        module, initializer->getType(), global.isConstant,
        whole ? global.linkage : llvm::GlobalValue::ExternalLinkage,
        initializer, "", nullptr, llvm::GlobalValue::NotThreadLocal,
        global.addressSpace);
    definition->setVisibility(whole ? global.visibility
                                    : llvm::GlobalValue::HiddenVisibility);
    definition->setAlignment(global.alignment);
    if (!global.section.empty())
      definition->setSection(global.section);
    if (!definition->hasLocalLinkage())
      definition->setDSOLocal(true);
    if (declaration) {
      declaration->replaceAllUsesWith(definition);
      definition->takeName(declaration);
      declaration->eraseFromParent();
    } else {
      definition->setName(global.name);
    }
  }
}

//===----------------------------------------------------------------------===//
// Optimization and code generation
//===----------------------------------------------------------------------===//

/// The four analysis managers of a new-pass-manager pipeline, with
/// `builder`'s analyses registered and cross-registered (analyses a caller
/// registers in a manager first take precedence over the builder's).
struct AnalysisManagers {
  llvm::LoopAnalysisManager loop;
  llvm::FunctionAnalysisManager function;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager module;

  void registerWith(llvm::PassBuilder &builder) {
    builder.registerModuleAnalyses(module);
    builder.registerCGSCCAnalyses(cgscc);
    builder.registerFunctionAnalyses(function);
    builder.registerLoopAnalyses(loop);
    builder.crossRegisterProxies(loop, function, cgscc, module);
  }
};

/// Runs LLVM's default per-module pipeline at the target's level, with the
/// target's cost model and the vector library's vectorized functions, as
/// clang does.
static void optimize(llvm::Module &module, llvm::TargetMachine &machine,
                     const TargetConfig &target) {
  llvm::PipelineTuningOptions tuning;
  bool vectorize = target.passLevel.getSpeedupLevel() > 1;
  tuning.LoopInterleaving = vectorize;
  tuning.LoopVectorization = vectorize;
  tuning.SLPVectorization = vectorize;
  tuning.LoopUnrolling = target.passLevel.getSpeedupLevel() > 0;

  AnalysisManagers analyses;
  // LLVM's -time-passes, -print-after=..., -debug-pass-manager and the like.
  llvm::PassInstrumentationCallbacks callbacks;
  llvm::StandardInstrumentations instrumentations(module.getContext(),
                                                  /*DebugLogging=*/false);
  instrumentations.registerCallbacks(callbacks, &analyses.module);
  llvm::PassBuilder builder(&machine, tuning, std::nullopt, &callbacks);
  llvm::TargetLibraryInfoImpl libraryInfo(target.triple, target.vectorLibrary);
  // Registered first, so that the builder's default does not replace it.
  analyses.function.registerPass(
      [&] { return llvm::TargetLibraryAnalysis(libraryInfo); });
  analyses.registerWith(builder);

  llvm::ModulePassManager passes =
      target.passLevel == llvm::OptimizationLevel::O0
          ? builder.buildO0DefaultPipeline(target.passLevel)
          : builder.buildPerModuleDefaultPipeline(target.passLevel);
  passes.run(module, analyses.module);
}

/// Inlines the calls to `always_inline` functions (the parallel regions that
/// outlineParallelRegions moved out) and deletes the functions, as the first
/// step of every pipeline does; before partitioning, so that caller and
/// callee need not be in the same partition.
static void inlineAlwaysInline(llvm::Module &module) {
  AnalysisManagers analyses;
  llvm::PassBuilder builder;
  analyses.registerWith(builder);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AlwaysInlinerPass());
  passes.run(module, analyses.module);
}

/// Generates `module`'s object code into `object`.
static LogicalResult emitObject(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                const TargetConfig &target,
                                SmallVectorImpl<char> &object,
                                std::string &error) {
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager passes;
  llvm::TargetLibraryInfoImpl libraryInfo(target.triple, target.vectorLibrary);
  // Code generation replaces vector math intrinsics (llvm.sin.v8f32) with
  // the library's functions (_ZGVdN8v_sinf).
  passes.add(new llvm::TargetLibraryInfoWrapperPass(libraryInfo));
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  llvm::CodeGenFileType::ObjectFile)) {
    error = "target '" + target.triple.str() + "' cannot emit object files";
    return failure();
  }
  passes.run(module);
  return success();
}

/// A timer of `--time-passes`' "wn-translate" group, for a step of the whole
/// module or of a partition (`partition` >= 0).
static llvm::NamedRegionTimer stepTimer(StringRef name, StringRef description,
                                        int partition = -1) {
  std::string suffix =
      partition < 0 ? "" : " (partition " + std::to_string(partition) + ")";
  return llvm::NamedRegionTimer((name + suffix).str(),
                                (description + suffix).str(), "wn",
                                "wn-translate", llvm::TimePassesIsEnabled);
}

/// Optimizes and compiles a whole module or partition `partition` (>= 0),
/// raw globals defined before code generation.
static LogicalResult compileModule(llvm::Module &module,
                                   const TargetConfig &target,
                                   ArrayRef<RawGlobal> raw, int partition,
                                   SmallVectorImpl<char> &object,
                                   std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = target.createTargetMachine();
  if (!machine) {
    error = "cannot create a target machine for '" + target.triple.str() + "'";
    return failure();
  }
  module.setTargetTriple(target.triple);
  module.setDataLayout(machine->createDataLayout());
  {
    auto timer = stepTimer("optimize", "Optimize", partition);
    optimize(module, *machine, target);
  }
  if (!raw.empty()) {
    auto timer = stepTimer("constants", "Define large constants", partition);
    defineRawGlobals(module, raw, /*whole=*/partition < 0);
  }
  auto timer = stepTimer("codegen", "Generate code", partition);
  return emitObject(module, *machine, target, object, error);
}

//===----------------------------------------------------------------------===//
// Partitions
//===----------------------------------------------------------------------===//

/// Temporary files, removed with this object.
namespace {
class TemporaryFiles {
public:
  ~TemporaryFiles() {
    for (const SmallString<128> &path : paths)
      llvm::sys::fs::remove(path);
  }

  /// A new empty file's path.
  FailureOr<StringRef> create(StringRef suffix, std::string &error) {
    SmallString<128> path;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("wn-translate", suffix, path)) {
      error = "cannot create a temporary file: " + ec.message();
      return failure();
    }
    return StringRef(paths.emplace_back(std::move(path)));
  }

  /// A new file holding `data`.
  FailureOr<StringRef> write(ArrayRef<char> data, StringRef suffix,
                             std::string &error) {
    FailureOr<StringRef> path = create(suffix, error);
    if (failed(path))
      return failure();
    std::error_code ec;
    llvm::raw_fd_ostream os(*path, ec);
    if (!ec) {
      os.write(data.data(), data.size());
      os.close();
      ec = os.error();
    }
    if (ec) {
      error = "cannot write '" + path->str() + "': " + ec.message();
      return failure();
    }
    return path;
  }

private:
  std::deque<SmallString<128>> paths;
};
} // namespace

/// Joins `objects` into one relocatable object with `linker -r` and makes the
/// symbols named in `locals` local again; writes the result to `os`.
static LogicalResult linkRelocatable(ArrayRef<SmallString<0>> objects,
                                     const llvm::StringSet<> &locals,
                                     StringRef linkerName,
                                     llvm::raw_ostream &os,
                                     std::string &error) {
  std::string linker = linkerName.str();
  if (!linkerName.contains('/')) {
    llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(linkerName);
    if (!found) {
      error = "cannot find the linker '" + linkerName.str() +
              "' on PATH, which joins the partitions: name one with "
              "--linker, or compile in one partition (--partitions=1)";
      return failure();
    }
    linker = *found;
  }

  TemporaryFiles files;
  FailureOr<StringRef> output = files.create("o", error);
  FailureOr<StringRef> log = files.create("txt", error);
  if (failed(output) || failed(log))
    return failure();
  SmallVector<StringRef> args = {linker, "-r", "-o", *output};
  for (const SmallString<0> &object : objects) {
    FailureOr<StringRef> input = files.write(object, "o", error);
    if (failed(input))
      return failure();
    args.push_back(*input);
  }
  std::optional<StringRef> redirects[] = {std::nullopt, *log, *log};
  std::string executionError;
  int status = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, redirects,
                                         0, 0, &executionError);
  if (status != 0) {
    error = "'" + linker + " -r' failed";
    if (!executionError.empty())
      error += ": " + executionError;
    if (auto messages = llvm::MemoryBuffer::getFile(*log))
      if (!(*messages)->getBuffer().trim().empty())
        error += ":\n" + (*messages)->getBuffer().trim().str();
    return failure();
  }

  llvm::Expected<llvm::object::OwningBinary<llvm::object::Binary>> binary =
      llvm::object::createBinary(*output);
  if (!binary) {
    error = "cannot read the linker's output: " +
            llvm::toString(binary.takeError());
    return failure();
  }
  auto *elf = dyn_cast<llvm::object::ELFObjectFileBase>(binary->getBinary());
  if (!elf) {
    error = "the linker's output is not an ELF object";
    return failure();
  }
  llvm::objcopy::CommonConfig config;
  config.InputFilename = *output;
  config.OutputFilename = "-";
  auto ignore = [](llvm::Error e) { return e; };
  for (const auto &local : locals) {
    if (llvm::Error e = config.SymbolsToLocalize.addMatcher(
            llvm::objcopy::NameOrPattern::create(
                local.getKey(), llvm::objcopy::MatchStyle::Literal, ignore))) {
      error = llvm::toString(std::move(e));
      return failure();
    }
  }
  if (llvm::Error e = llvm::objcopy::elf::executeObjcopyOnBinary(
          config, llvm::objcopy::ELFConfig(), *elf, os)) {
    error = "cannot make the partitions' symbols local again: " +
            llvm::toString(std::move(e));
    return failure();
  }
  return success();
}

namespace {
/// Functions that go to the same partition: a function and the functions it
/// calls directly, so that partitioning takes no inlining candidate away
/// (a model's `_mlir_ciface_forward` and `forward`), and the members of a
/// comdat. Functions only referenced by address (the outlined parallel
/// regions that `forward` passes to the OpenMP runtime) are clusters of
/// their own.
struct FunctionClusters {
  SmallVector<SmallVector<llvm::Function *>> clusters;
  SmallVector<uint64_t> sizes;

  explicit FunctionClusters(llvm::Module &module) {
    llvm::EquivalenceClasses<llvm::Function *> classes;
    llvm::DenseMap<const llvm::Comdat *, llvm::Function *> comdats;
    for (llvm::Function &function : module) {
      if (function.isDeclaration())
        continue;
      classes.insert(&function);
      if (const llvm::Comdat *comdat = function.getComdat())
        classes.unionSets(&function,
                          comdats.try_emplace(comdat, &function).first->second);
      for (llvm::Instruction &inst : llvm::instructions(function))
        if (auto *call = dyn_cast<llvm::CallBase>(&inst))
          if (llvm::Function *callee = call->getCalledFunction();
              callee && !callee->isDeclaration())
            classes.unionSets(&function, callee);
    }
    llvm::DenseMap<llvm::Function *, unsigned> index;
    for (llvm::Function &function : module) {
      if (function.isDeclaration())
        continue;
      llvm::Function *leader = classes.getLeaderValue(&function);
      auto [it, inserted] = index.try_emplace(leader, clusters.size());
      if (inserted) {
        clusters.emplace_back();
        sizes.push_back(0);
      }
      clusters[it->second].push_back(&function);
      sizes[it->second] += function.getInstructionCount();
    }
  }
};
} // namespace

/// Splits `module` into `count` modules of about the same number of
/// instructions (clusters largest first, each to the least loaded
/// partition), serialized as bitcode so that each can be loaded in a context
/// of its own. Symbols local to `module` become hidden external ones, added to
/// `locals`; global variables are defined in the partition of their first
/// user.
static SmallVector<SmallString<0>>
splitModule(llvm::Module &module, const FunctionClusters &functions,
            unsigned count, llvm::StringSet<> &locals) {
  for (llvm::GlobalValue &value : module.global_values()) {
    if (!value.hasLocalLinkage())
      continue;
    if (!value.hasName())
      value.setName("__wn_unnamed");
    locals.insert(value.getName());
    value.setLinkage(llvm::GlobalValue::ExternalLinkage);
    value.setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

  // Longest processing time first: near-even loads for many clusters.
  SmallVector<unsigned> order(functions.clusters.size());
  std::iota(order.begin(), order.end(), 0);
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    return functions.sizes[a] > functions.sizes[b];
  });
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> partitionOf;
  SmallVector<uint64_t> load(count, 0);
  for (unsigned cluster : order) {
    unsigned partition = llvm::min_element(load) - load.begin();
    for (llvm::Function *function : functions.clusters[cluster])
      partitionOf[function] = partition;
    load[partition] += functions.sizes[cluster];
  }
  for (llvm::GlobalVariable &global : module.globals()) {
    if (global.isDeclaration())
      continue;
    unsigned partition = 0;
    for (const llvm::User *user : global.users())
      if (const auto *inst = dyn_cast<llvm::Instruction>(user))
        if (auto it = partitionOf.find(inst->getFunction());
            it != partitionOf.end()) {
          partition = it->second;
          break;
        }
    partitionOf[&global] = partition;
  }

  SmallVector<SmallString<0>> bitcode(count);
  for (unsigned i = 0; i < count; ++i) {
    llvm::ValueToValueMapTy mapping;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(module, mapping, [&](const llvm::GlobalValue *value) {
          auto it = partitionOf.find(value);
          return it != partitionOf.end() ? it->second == i : i == 0;
        });
    llvm::raw_svector_ostream os(bitcode[i]);
    llvm::WriteBitcodeToFile(*part, os);
  }
  return bitcode;
}

/// Splits `module` into `count` partitions, compiles them in parallel,
/// partition 0 with the raw globals, and joins them into one object written
/// to `os`.
static LogicalResult compilePartitions(llvm::Module &module,
                                       const FunctionClusters &functions,
                                       const TargetConfig &target,
                                       ArrayRef<RawGlobal> raw, unsigned count,
                                       StringRef linker, llvm::raw_ostream &os,
                                       std::string &error) {
  // Every symbol local to the module is local in the object too.
  llvm::StringSet<> locals;
  for (const RawGlobal &global : raw)
    if (llvm::GlobalValue::isLocalLinkage(global.linkage))
      locals.insert(global.name);
  SmallVector<SmallString<0>> bitcode;
  {
    auto timer = stepTimer("split", "Split into partitions");
    bitcode = splitModule(module, functions, count, locals);
  }
  SmallVector<SmallString<0>> objects(bitcode.size());
  SmallVector<std::string> errors(bitcode.size());
  {
    auto timer = stepTimer("partitions", "Compile partitions in parallel");
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency(bitcode.size()));
    for (size_t i = 0, e = bitcode.size(); i < e; ++i) {
      pool.async([&, i] {
        llvm::LLVMContext context;
        llvm::Expected<std::unique_ptr<llvm::Module>> part =
            llvm::parseBitcodeFile(
                llvm::MemoryBufferRef(bitcode[i], "partition"), context);
        if (!part) {
          errors[i] = llvm::toString(part.takeError());
          return;
        }
        (void)compileModule(**part, target,
                            i == 0 ? raw : ArrayRef<RawGlobal>(), i, objects[i],
                            errors[i]);
      });
    }
    pool.wait();
  }
  for (std::string &partError : errors) {
    if (!partError.empty()) {
      error = std::move(partError);
      return failure();
    }
  }
  auto timer = stepTimer("link", "Link partitions");
  return linkRelocatable(objects, locals, linker, os, error);
}

//===----------------------------------------------------------------------===//
// Translation
//===----------------------------------------------------------------------===//

/// Fails with a diagnostic on the first operation that has no translation to
/// LLVM IR, before the translation's own less specific one.
static LogicalResult checkTranslatable(Operation *module) {
  WalkResult result = module->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == module)
      return WalkResult::advance();
    Dialect *dialect = op->getDialect();
    if (dialect &&
        dialect->getRegisteredInterface<LLVMTranslationDialectInterface>())
      return WalkResult::advance();
    op->emitOpError() << "has no translation to LLVM IR: lower the module to "
                         "the LLVM dialect first (wn-opt --wn-cpu-pipeline)";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

LogicalResult
mlir::wn::translateModuleToObject(Operation *module, llvm::raw_ostream &os,
                                  const ObjectFileOptions &options) {
  std::string error;
  FailureOr<TargetConfig> target = resolveTarget(options, error);
  if (failed(target))
    return module->emitError(error);
  if (failed(checkTranslatable(module)))
    return failure();
  // In place: a function with many parallel regions translates in time
  // quadratic in its size otherwise.
  if (auto moduleOp = dyn_cast<ModuleOp>(module))
    outlineParallelRegions(moduleOp);

  // Large dense constants are left out of the translation (a zero
  // placeholder, restored below), which would build an LLVM constant per
  // innermost row and walk every element again in code generation.
  bool hostByteOrder =
      target->triple.isLittleEndian() == llvm::sys::IsLittleEndianHost;
  SmallVector<std::pair<std::string, ArrayRef<char>>> raw;
  SmallVector<std::pair<LLVM::GlobalOp, Attribute>> placeholders;
  llvm::scope_exit restore([&] {
    for (auto [global, value] : placeholders)
      global.setValueAttr(value);
  });
  for (Region &region : module->getRegions()) {
    for (Block &block : region) {
      for (auto global : block.getOps<LLVM::GlobalOp>()) {
        std::optional<ArrayRef<char>> data = getRawInitializer(global);
        if (!data || !hostByteOrder)
          continue;
        raw.emplace_back(global.getSymName().str(), *data);
        placeholders.emplace_back(global, global.getValueOrNull());
        global.setValueAttr(LLVM::ZeroAttr::get(module->getContext()));
      }
    }
  }

  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    auto timer = stepTimer("translate", "Translate to LLVM IR");
    llvmModule = translateModuleToLLVMIR(module, context);
  }
  if (!llvmModule)
    return failure();
  SmallVector<RawGlobal> rawGlobals = declareRawGlobals(*llvmModule, raw);
  inlineAlwaysInline(*llvmModule);

  unsigned partitions =
      options.partitions ? options.partitions
                         : llvm::hardware_concurrency().compute_thread_count();
  FunctionClusters functions(*llvmModule);
  partitions = std::max<unsigned>(
      1, std::min<size_t>(partitions, functions.clusters.size()));

  if (partitions == 1) {
    SmallString<0> object;
    if (failed(compileModule(*llvmModule, *target, rawGlobals,
                             /*partition=*/-1, object, error)))
      return module->emitError(error);
    os.write(object.data(), object.size());
    return success();
  }
  if (failed(compilePartitions(*llvmModule, functions, *target, rawGlobals,
                               partitions, options.linker, os, error)))
    return module->emitError(error);
  return success();
}

void mlir::wn::registerToObjectTranslation() {
  static llvm::cl::opt<unsigned> optLevel(
      "opt-level",
      llvm::cl::desc("mlir-to-object: LLVM optimization level "
                     "(0 to 3, as clang's -O)"),
      llvm::cl::init(3));
  static llvm::cl::opt<std::string> triple(
      "mtriple",
      llvm::cl::desc("mlir-to-object: target triple (default: the host's)"),
      llvm::cl::init(""));
  static llvm::cl::opt<std::string> cpu(
      "mcpu",
      llvm::cl::desc("mlir-to-object: target CPU ('native': the host's, as "
                     "clang's -march=native)"),
      llvm::cl::init("native"));
  static llvm::cl::opt<std::string> features(
      "mattr",
      llvm::cl::desc("mlir-to-object: target features, e.g. "
                     "'-avx512f,+fma' (amend the host's with --mcpu=native)"),
      llvm::cl::init(""));
  static llvm::cl::opt<VectorLibrary> vectorLibrary(
      "veclib",
      llvm::cl::desc("mlir-to-object: vector math library of vectorized "
                     "math calls (clang's -fveclib)"),
      llvm::cl::init(VectorLibrary::Libmvec),
      llvm::cl::values(
          clEnumValN(VectorLibrary::Libmvec, "libmvec",
                     "glibc's libmvec (link with -lmvec)"),
          clEnumValN(VectorLibrary::None, "none", "scalar libm calls")));
  static llvm::cl::opt<unsigned> partitions(
      "partitions",
      llvm::cl::desc("mlir-to-object: partitions of the module compiled in "
                     "parallel and joined with '<linker> -r' (0: one per "
                     "hardware thread; 1: no linker)"),
      llvm::cl::init(0));
  static llvm::cl::opt<std::string> linker(
      "linker",
      llvm::cl::desc("mlir-to-object: the linker that joins partitions"),
      llvm::cl::init("ld"));

  TranslateFromMLIRRegistration registration(
      "mlir-to-object",
      "Compile MLIR in the LLVM dialect to an object file for the host "
      "(LLVM's O3 pipeline, -march=native, -fveclib=libmvec)",
      [](Operation *op, llvm::raw_ostream &output) {
        ObjectFileOptions options;
        options.optLevel = optLevel;
        options.triple = triple;
        options.cpu = cpu;
        options.features = features;
        options.vectorLibrary = vectorLibrary;
        options.partitions = partitions;
        options.linker = linker;
        return translateModuleToObject(op, output, options);
      },
      [](DialectRegistry &registry) {
        // Every dialect parses, so that an op left outside the LLVM dialect
        // gets translateModuleToObject's diagnostic, not a parse error.
        registerAllDialects(registry);
        registerAllToLLVMIRTranslations(registry);
      });
}
