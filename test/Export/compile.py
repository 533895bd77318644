# The Python API: wn.export.compile -> CompiledModule (call, input checks,
# threads, parameters), save to a folder, and wn.export.load of that folder
# in a fresh process that cannot import the exporter, with the same numbers.
# REQUIRES: torch
# RUN: rm -rf %t && mkdir -p %t && %python %s %t 2>&1 | FileCheck %s

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm

import wn.export
from wn.export import CompiledModule
from wn.aot import llvm_tools_dir
from wn.export.compiled import compile_exported
from wn.runtime import _load_library

TOLERANCE = 1e-5
out = Path(sys.argv[1])
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(3, 8, 3, padding=1))
        self.act = nn.LeakyReLU(0.1)
        self.proj = weight_norm(nn.Conv1d(8, 4, 1), dim=None)

    def forward(self, x):
        return self.proj(self.act(self.conv(x)))


def perturbed(model):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.eval()


def reference(model, x):
    """model's output in float64 on the same (float32) weights."""
    with torch.no_grad():
        y64 = model.double()(x.double())
    model.float()
    return y64


def relative_error(y, y64):
    return ((y.double() - y64).abs().max() / y64.abs().max()).item()


def attempt(title, fn):
    try:
        fn()
        print(f"{title}: no error")
    except Exception as error:
        print(f"{title}: {type(error).__name__}: {error}")


net = perturbed(Net())
x = torch.randn(1, 3, 16)
y64 = reference(net, x)

# Both kinds of weights, against float64 PyTorch.
# CHECK: constants: CompiledModule OK, parameters []
# CHECK: args: CompiledModule OK, parameters ['conv.weight_v', 'conv.weight_g', 'conv.bias', 'proj.weight_v', 'proj.weight_g', 'proj.bias']
modules = {}
for weights in ("constants", "args"):
    module = wn.export.compile(net, x, weights=weights)
    error = relative_error(module(x), y64)
    assert isinstance(module, CompiledModule)
    print(f"{weights}: {type(module).__name__} "
          f"{'OK' if error <= TOLERANCE else f'FAIL {error:.1e}'}, "
          f"parameters {list(module.parameters)}")
    modules[weights] = module

# A non-contiguous input is read as its contiguous copy.
# CHECK: non-contiguous input: equal
module = modules["args"]
strided = torch.randn(1, 16, 3).transpose(1, 2)
print("non-contiguous input:", "equal" if torch.equal(
    module(strided), module(strided.contiguous())) else "DIFFERENT")

# CHECK: two inputs: TypeError: forward takes 1 input(s), got 2
# CHECK: not a tensor: TypeError: input 0: expected a tensor [1, 3, 16] float32, got list
# CHECK: float64: TypeError: input 0: expected [1, 3, 16] float32, got [1, 3, 16] float64
# CHECK: rank 2: ValueError: input 0: expected [1, 3, 16] float32 (3 dims), got [3, 16] float32 (2 dims)
# CHECK: 17 frames: ValueError: input 0: expected [1, 3, 16] float32, got [1, 3, 17] float32: dim 2 is 17, not 16
attempt("two inputs", lambda: module(x, x))
attempt("not a tensor", lambda: module(x.tolist()))
attempt("float64", lambda: module(x.double()))
attempt("rank 2", lambda: module(x[0]))
attempt("17 frames", lambda: module(torch.randn(1, 3, 17)))

# Threads: per module, restored after each call.
# CHECK: threads 1: 1, OK
# CHECK: threads 2: 2, OK
# CHECK: the runtime's own setting kept: True
# CHECK: threads 0: ValueError: threads must be at least 1, got 0
# CHECK: threads 1.5: TypeError: threads must be an int, got float
# CHECK: compile(threads=1): 1
for n in (1, 2):
    module.threads = n
    error = relative_error(module(x), y64)
    print(f"threads {n}: {module.threads}, "
          f"{'OK' if error <= TOLERANCE else 'FAIL'}")
default = module.library.omp_get_max_threads()
module.threads = 1
module(x)
print("the runtime's own setting kept:",
      module.library.omp_get_max_threads() == default)
module.threads = None
attempt("threads 0", lambda: module.set_num_threads(0))
attempt("threads 1.5", lambda: module.set_num_threads(1.5))
print("compile(threads=1):",
      wn.export.compile(net, x, threads=1).threads)

# New weights by name, as nn.Module.load_state_dict takes them.
# CHECK: new weights: OK
# CHECK: unknown name: ValueError: parameters do not match the compiled module: missing [], unexpected ['conv.weight']
# CHECK: not strict: OK
# CHECK: wrong shape: ValueError: parameter 'conv.bias': expected shape [8], got [7]
# CHECK: wrong dtype: TypeError: parameter 'conv.bias': expected float32, got float64
# CHECK: constants: ValueError: parameters do not match the compiled module (compiled with weights='constants': its weights are part of the library): missing [], unexpected ['conv.bias']
retrained = Net()
retrained.load_state_dict(net.state_dict())
retrained = perturbed(retrained)
retrained64 = reference(retrained, x)
module.set_parameters(retrained.state_dict())
print("new weights:", "OK" if relative_error(module(x), retrained64)
      <= TOLERANCE else "FAIL")
attempt("unknown name", lambda: module.set_parameters(
    {**retrained.state_dict(), "conv.weight": torch.zeros(1)}))
module.set_parameters({"conv.weight": torch.zeros(1)}, strict=False)
print("not strict:", "OK" if relative_error(module(x), retrained64)
      <= TOLERANCE else "FAIL")
attempt("wrong shape", lambda: module.set_parameters(
    {"conv.bias": torch.zeros(7)}, strict=False))
attempt("wrong dtype", lambda: module.set_parameters(
    {"conv.bias": torch.zeros(8, dtype=torch.float64)}, strict=False))
attempt("constants", lambda: modules["constants"].set_parameters(
    {"conv.bias": torch.zeros(8)}))

# Save (the args module with its new weights, the constants one, one with
# the time axis dynamic), then delete the workdir.
# CHECK: workdir deleted: True
workdir = out / "work"
kept = wn.export.compile(net, x, weights="args", workdir=workdir)
kept.set_parameters(retrained.state_dict())
dynamic = wn.export.compile(net, x, dynamic_dims=-1)
saved = {"args": kept.save(out / "args"),
         "constants": modules["constants"].save(out / "constants"),
         "dynamic": dynamic.save(out / "dynamic")}
shutil.rmtree(workdir)
print("workdir deleted:", not workdir.exists())
# CHECK: manifest: format_version 1, input_shapes[0] [1, 3, 16], parameters_file parameters.bin, runtime_libraries ['libomp.so.5'], options {'weights': 'args', 'dynamic_dims': None, 'passes': ['--wn-optimize'], 'pipeline_options': 'emit-c-interface=1'}
manifest = json.loads((saved["args"] / "manifest.json").read_text())
print(f"manifest: format_version {manifest['format_version']}, "
      f"input_shapes[0] {manifest['input_shapes'][0]}, parameters_file "
      f"{manifest['parameters_file']}, runtime_libraries "
      f"{manifest['runtime_libraries']}, options {manifest['options']}")
# CHECK: dynamic manifest: input_shapes[0] [1, 3, None], output_shapes[0] [1, 4, None], dynamic_dims -1
manifest = json.loads((saved["dynamic"] / "manifest.json").read_text())
print(f"dynamic manifest: input_shapes[0] {manifest['input_shapes'][0]}, "
      f"output_shapes[0] {manifest['output_shapes'][0]}, dynamic_dims "
      f"{manifest['options']['dynamic_dims']}")

longer = torch.randn(1, 3, 40)
inputs = {"args": x, "constants": x, "dynamic": longer}
expected = {"args": kept(x), "constants": modules["constants"](x),
            "dynamic": dynamic(longer)}

# The default temporary workdir goes with its module; a saved copy stays.
# CHECK: temporary workdir removed with its module: True
temporary = modules["constants"].library_path.parent
del modules["constants"]
gc.collect()
print("temporary workdir removed with its module:", not temporary.exists())

# CHECK: loaded here: args equal, constants equal, dynamic equal
# CHECK: load(threads=1): 1
print("loaded here:", ", ".join(
    f"{k} " + ("equal" if torch.equal(wn.export.load(saved[k])(inputs[k]), y)
               else "DIFFERENT")
    for k, y in expected.items()))
print("load(threads=1):", wn.export.load(saved["args"], threads=1).threads)

# A fresh process that cannot import the exporter or the MLIR tools' driver.
LOADER = r"""
import sys

BLOCKED = ("wn.export.exporter", "wn.export.tracing", "wn.export.compiled",
           "wn.export.weightnorm", "wn.export.mlir_text", "wn.aot", "wn._tools",
           "wn.testing")


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.startswith(BLOCKED):
            raise ImportError(f"{name} is blocked in this test")


sys.meta_path.insert(0, Blocker())
import torch
import wn.export

data = torch.load(sys.argv[1])
for kind, (folder, x, expected) in data.items():
    module = wn.export.load(folder)
    print(f"fresh process, {kind}:",
          "equal" if torch.equal(module(x), expected) else "DIFFERENT",
          module.parameters and list(module.parameters)[0])
print("modules:", sorted(m for m in sys.modules if m.split(".")[0] == "wn"))
"""
# CHECK: fresh process, args: equal conv.weight_v
# CHECK: fresh process, constants: equal {}
# CHECK: fresh process, dynamic: equal {}
# CHECK: modules: ['wn', 'wn.export', 'wn.memref', 'wn.runtime']
torch.save({k: (str(saved[k]), inputs[k], expected[k]) for k in saved},
           out / "loader.pt")
proc = subprocess.run([sys.executable, "-c", LOADER, str(out / "loader.pt")],
                      capture_output=True, text=True)
print(proc.stdout + proc.stderr, end="")

# A loaded module saves again, into its own folder too; a compiled one
# needs its library file.
# CHECK: saved again: equal, files ['libomp.so.5', 'manifest.json', 'module-{{[0-9a-f]+}}.so', 'parameters.bin']
# CHECK: workdir gone: FileNotFoundError: the compiled library {{.*}}work{{.*}}.so no longer exists (was its workdir deleted?); cannot save
loaded = wn.export.load(saved["args"])
loaded.save(saved["args"])
print("saved again:", "equal" if torch.equal(
    wn.export.load(saved["args"])(x), expected["args"]) else "DIFFERENT",
      end=", ")
print("files", sorted(p.name for p in saved["args"].iterdir()))
attempt("workdir gone", lambda: kept.save(out / "again"))

# Folders load() refuses.
# CHECK: missing folder: FileNotFoundError: no compiled module at {{.*}}nowhere: not a folder
# CHECK: no manifest: FileNotFoundError: no compiled module at {{.*}}empty: no manifest.json (CompiledModule.save writes one)
# CHECK: format_version 99: ValueError: {{.*}}manifest.json: format_version 99 is not supported: this wn.runtime reads version 1
# CHECK: not JSON: ValueError: {{.*}}manifest.json: not valid JSON: Expecting value: line 1 column 1 (char 0)
# CHECK: bad shape: ValueError: {{.*}}manifest.json: input_shapes entry [1, -3, 16] is not a list of sizes >= 0 or null
# CHECK: truncated parameters: ValueError: {{.*}}parameters.bin: parameter 'conv.weight_v' ([8, 3, 3]) at offset 0 is past the end of the file (100 bytes)
attempt("missing folder", lambda: wn.export.load(out / "nowhere"))
(out / "empty").mkdir()
attempt("no manifest", lambda: wn.export.load(out / "empty"))


def corrupted(title, edit):
    folder = out / title.replace(" ", "-")
    shutil.copytree(saved["args"], folder)
    edit(folder)
    attempt(title, lambda: wn.export.load(folder))


def edit_manifest(**fields):
    def edit(folder):
        path = folder / "manifest.json"
        path.write_text(json.dumps({**json.loads(path.read_text()),
                                    **fields}))
    return edit


corrupted("format_version 99", edit_manifest(format_version=99))
corrupted("not JSON", lambda folder: (folder / "manifest.json").write_text(
    "format_version: 1"))
corrupted("bad shape", edit_manifest(input_shapes=[[1, -3, 16]]))
corrupted("truncated parameters", lambda folder: (
    folder / "parameters.bin").write_bytes(bytes(100)))

# Outputs rebuilt as the model returns them: a tuple, with None where
# forward() returns None (Exported.output_structure).
# CHECK: (conv, None, tanh): (Tensor, None, Tensor), OK


class WithNone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(3, 4, 3))

    def forward(self, x):
        return self.conv(x), None, torch.tanh(x)


with_none = perturbed(WithNone())
a64, _, b64 = reference(with_none, x)
exported = wn.export.export_program(with_none, x, "args")
result = compile_exported(exported, out / "none")(x)
error = max(relative_error(result[0], a64), relative_error(result[2], b64))
kinds = ", ".join(type(r).__name__ if r is not None else "None"
                  for r in result)
print(f"(conv, None, tanh): ({kinds}), "
      f"{'OK' if error <= TOLERANCE else 'FAIL'}")
# CHECK: bad structure: ValueError: output_structure [0, 0] must use each output index 0..1 once
exported.output_structure = (0, 0)
attempt("bad structure", lambda: compile_exported(exported, out / "bad"))

# Dynamic dims (None in input_shapes) take any size; static ones are
# checked.
# CHECK: dynamic: input_shapes [(1, 3, None)], 16 frames OK, 9 frames OK, 40 frames OK
# CHECK: dynamic, 4 channels: ValueError: input 0: expected [1, 3, ?] float32, got [1, 4, 16] float32: dim 1 is 4, not 3
cells = []
for n in (16, 9, 40):
    xn = torch.randn(1, 3, n)
    error = relative_error(dynamic(xn), reference(net, xn))
    cells.append(f"{n} frames {'OK' if error <= TOLERANCE else 'FAIL'}")
print(f"dynamic: input_shapes {dynamic.input_shapes}, {', '.join(cells)}")
attempt("dynamic, 4 channels", lambda: dynamic(torch.randn(1, 4, 16)))

# CHECK: passes as a string: TypeError: passes must be a sequence of wn-opt flags, got the string '--wn-optimize'
attempt("passes as a string",
        lambda: wn.export.compile(net, x, passes="--wn-optimize"))

# The runtime alone does not pull in the exporter.
# CHECK: import wn.runtime: ['wn', 'wn.memref', 'wn.runtime']
proc = subprocess.run(
    [sys.executable, "-c", "import sys, wn.runtime; print(sorted("
     "m for m in sys.modules if m.split('.')[0] == 'wn'))"],
    capture_output=True, text=True)
print("import wn.runtime:", proc.stdout.strip(), proc.stderr.strip())

# A saved folder carries the OpenMP runtime, loaded from there only where
# the system's is not found: here a library needing a runtime that is in no
# search path.
# CHECK: without the bundled runtime: OSError: {{.*}}libwnfakeomp.so: cannot open shared object file
# CHECK: with it: 42
clang = llvm_tools_dir()
fake = out / "fake"
fake.mkdir()
(fake / "omp.c").write_text("int fake_omp(void) { return 42; }\n")
(fake / "forward.c").write_text("int fake_omp(void);\n"
                                "int forward(void) { return fake_omp(); }\n")
subprocess.run([clang / "clang", "-shared", "-fPIC", fake / "omp.c", "-o",
                fake / "libwnfakeomp.so", "-Wl,-soname,libwnfakeomp.so"],
               check=True)
subprocess.run([clang / "clang", "-shared", "-fPIC", fake / "forward.c", "-o",
                fake / "libforward.so", f"-L{fake}", "-lwnfakeomp"],
               check=True)
attempt("without the bundled runtime",
        lambda: _load_library(fake / "libforward.so", []))
print("with it:", _load_library(fake / "libforward.so",
                                [fake / "libwnfakeomp.so"]).forward())
