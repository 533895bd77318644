#!/usr/bin/env bash
# Contractions of the example models, wn vs PyTorch eager vs the FMA peak
# (bench/models.py): installs what is missing (with matplotlib for the chart),
# builds, runs. Arguments go to models.py (--out DIR, --layers-only,
# --models-only).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
scripts/build.sh
exec /usr/bin/python3 bench/models.py "$@"
