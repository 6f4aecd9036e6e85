#!/usr/bin/env bash
# The fuzz targets briefly: each one's crash regressions replayed, then a
# few seconds of libFuzzer from its seed corpus (tests/fuzz/run.sh with its
# short default, whatever FUZZ_TIME says outside), which prints the plan.
# A target not built fails; without clang's libFuzzer here, it is skipped
# with the reason. `make fuzz FUZZ_TIME=3600` is the long run.
. "$(dirname "$0")/../lib.sh"

env -u FUZZ_TIME bash "$ROOT/tests/fuzz/run.sh"
