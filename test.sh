#!/usr/bin/env bash
# Builds the solution and runs every test. Extra arguments go to `dotnet test` (e.g. ./test.sh --filter Asf).
# Installs missing tools when run as root (scripts/deps.sh). The last line is "N passed, N failed[, N skipped]".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$root"

# shellcheck source=scripts/deps.sh
source "$root/scripts/deps.sh"
# shellcheck source=scripts/trx-summary.sh
source "$root/scripts/trx-summary.sh"
# Shared real-world media (../shared/media beside the clone), required in CI.
if [[ -d "$root/../shared/media" ]]; then
    MMSGW_SHARED_MEDIA="$(cd "$root/../shared/media" && pwd)"
    export MMSGW_SHARED_MEDIA
elif [[ "${MMSGW_REQUIRE_SHARED_MEDIA:-0}" == 1 ]]; then # (a preset MMSGW_SHARED_MEDIA does not count)
    echo "test.sh: MMSGW_REQUIRE_SHARED_MEDIA=1 but $root/../shared/media does not exist" >&2
    exit 1
fi

deps_ensure test

export PATH="$root/.tools/bin:$PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results="$root/TestResults/trx"
rm -rf "$results"
mkdir -p "$results"

build_rc=0
dotnet build MmsGateway.sln -c Release || build_rc=$?
if [[ $build_rc -ne 0 ]]; then
    echo "test.sh: build failed (exit $build_rc)" >&2
    trx_summary_line 0 0 0
    exit "$build_rc"
fi

test_rc=0
# -m:1: one test project at a time. The timing-sensitive tests (smart streaming's switch timings, fan-out, faults)
# run alone inside MmsGateway.Tests, but with the projects in parallel they shared the 2 cores with the origin's
# ffmpeg/GStreamer RTSP peer tests, and an MMSH stream switch under that load replayed half a second of audio
# (SmartStreamingTests.Mmsh_switches_streams...). Serial costs about 3 minutes.
dotnet test MmsGateway.sln -c Release --no-build -m:1 \
    --results-directory "$results" \
    --logger trx \
    --logger "console;verbosity=normal" \
    "$@" || test_rc=$?

read -r passed failed skipped < <(trx_counts "$results")
rc=0
if [[ $failed -gt 0 ]]; then
    rc=1
elif [[ $test_rc -ne 0 ]]; then
    echo "test.sh: dotnet test exited $test_rc with no failed test recorded (test host crash or bad arguments?)" >&2
    rc=$test_rc
elif [[ $((passed + failed)) -eq 0 ]]; then
    echo "test.sh: no test ran" >&2
    rc=1
fi
echo "trx files: $results" >&2
trx_failures "$results"
trx_summary_line "$passed" "$failed" "$skipped"
exit "$rc"
