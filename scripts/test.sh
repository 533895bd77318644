#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The whole test suite: install what is missing, build wn, run every lit test
# (the differential numerics suite among them), print the numerics table, and
# end with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh

scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1
# wn-fuzz, the libFuzzer target test/Fuzz runs briefly, in build-fuzz/ (wn's
# code again, with clang, ASan and coverage). test/Fuzz is skipped without it:
# when clang-22's compiler-rt is missing, or with WN_TEST_FUZZ=0.
if [[ "${WN_TEST_FUZZ:-1}" != 0 ]]; then
  if ! scripts/fuzz.sh --build-only; then
    echo "test: wn-fuzz could not be built: test/Fuzz is skipped"
    rm -f build-fuzz/bin/wn-fuzz
  fi
fi

# lit from the LLVM that CMake found (build/bin/wn-tools.json).
lit="$(wn_tool lit)" || exit 1
results=build/test/results.xml
rm -f "$results"
"$lit" -sv --xunit-xml-output "$results" build/test
status=$?

# The differential numerics suite's table (test/Integration/CPU/differential.test).
summary=build/test/Integration/CPU/Output/differential.test.tmp.md
if [[ -f "$summary" ]]; then
  echo "Differential numerics vs PyTorch (max error in ulps per case):"
  cat "$summary"
fi

# lit's own summary groups results in several categories; count them once.
"$WN_PYTHON" - "$results" <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError) as error:
    print(f"no lit results: {error}")
    cases = []
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
