#!/bin/sh
# benchmarks/run.sh [api|failover|sweep|memory|all] [--n N] [--rounds R]
#                   [--duration S] [--small]
# Against the running test cloud (DRS_TESTCLOUD_DIR, default
# ./.testcloud); drs runs from $DRS_VENV (default ./.venv).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
export DRS_TESTCLOUD_DIR=${DRS_TESTCLOUD_DIR:-$REPO/.testcloud}
cd "$REPO"
exec "${DRS_VENV:-$REPO/.venv}/bin/python" -m benchmarks.bench "$@"
