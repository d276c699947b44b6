#!/bin/sh
# benchmarks/run.sh [api|failover|sweep|memory|all] [--n N] [--rounds R]
#                   [--duration S] [--small]
# Against the running test cloud (DRS_TESTCLOUD_DIR, default
# /work/main/.testcloud or ./.testcloud); drs runs from this tree's .venv.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
if [ -z "$DRS_TESTCLOUD_DIR" ]; then
    if [ -f "$REPO/.testcloud/cloud.json" ]; then
        DRS_TESTCLOUD_DIR=$REPO/.testcloud
    else
        DRS_TESTCLOUD_DIR=/work/main/.testcloud
    fi
fi
export DRS_TESTCLOUD_DIR
cd "$REPO"
exec "$REPO/.venv/bin/python" -m benchmarks.bench "$@"
