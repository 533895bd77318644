"""Prints large inputs for --wn-raise (test/Dialect/WN/wn-raise-stress.test).

  body N    one linalg.generic whose body is a chain of N arith.mulf
  chain N   N linalg.generic ops, each multiplying the previous result by v
"""
import sys

kind, count = sys.argv[1], int(sys.argv[2])
T = "tensor<64xf32>"
MAP = "affine_map<(d0) -> (d0)>"
print(f"func.func @{kind}(%v: {T}) -> {T} {{")
print(f"  %init = tensor.empty() : {T}")
if kind == "body":
    print(f"  %r = linalg.generic {{indexing_maps = [{MAP}, {MAP}], "
          f"iterator_types = [\"parallel\"]}} ins(%v : {T}) outs(%init : {T}) {{")
    print("  ^bb0(%in: f32, %out: f32):")
    prev = "%in"
    for i in range(count):
        print(f"    %m{i} = arith.mulf {prev}, %in : f32")
        prev = f"%m{i}"
    print(f"    linalg.yield {prev} : f32")
    print(f"  }} -> {T}")
    print(f"  return %r : {T}")
elif kind == "chain":
    prev = "%v"
    for i in range(count):
        print(f"  %c{i} = linalg.generic {{indexing_maps = [{MAP}, {MAP}, {MAP}], "
              f"iterator_types = [\"parallel\"]}} ins({prev}, %v : {T}, {T}) "
              f"outs(%init : {T}) {{")
        print("  ^bb0(%a: f32, %b: f32, %out: f32):")
        print("    %m = arith.mulf %a, %b : f32")
        print("    linalg.yield %m : f32")
        print(f"  }} -> {T}")
        prev = f"%c{i}"
    print(f"  return {prev} : {T}")
else:
    sys.exit(f"unknown kind {kind}")
print("}")
