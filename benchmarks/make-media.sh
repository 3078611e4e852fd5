#!/usr/bin/env bash
# Generates the benchmark inputs into /tmp/mmsgw-bench (or $1): a 120-s multi-bitrate ASF file with three WMV2
# video streams and one WMA2 audio stream, the layout of design.md's "Test media".
set -euo pipefail
out=${1:-/tmp/mmsgw-bench}
mkdir -p "$out"
[ -s "$out/mbr.asf" ] || ffmpeg -nostdin -y -v error \
  -f lavfi -i testsrc=size=320x240:rate=25:duration=120 -f lavfi -i sine=frequency=440:duration=120 \
  -map 0:v -map 0:v -map 0:v -map 1:a -c:v wmv2 -b:v:0 500k -b:v:1 250k -b:v:2 100k -s:v:2 160x120 \
  -c:a wmav2 -b:a 64k -ac 2 "$out/mbr.asf"
ls -l "$out"
