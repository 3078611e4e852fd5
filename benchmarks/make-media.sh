#!/usr/bin/env bash
# Generates the benchmark inputs into /tmp/mmsgw-bench (or $1): a 120-s multi-bitrate ASF file with three WMV2
# video streams and one WMA2 audio stream, the layout of docs/design.md#test-media; and a 120-s single-bitrate
# 640x480 WMV2 + WMA2 file (key frame every second) for the HLS cold-start benchmark; and a 60-s 2.5 Mbit/s
# 640x480 WMV2 + WMA2 file for the fan-out and soak runs (temporal noise keeps WMV2 at the asked bitrate).
set -euo pipefail
out=${1:-/tmp/mmsgw-bench}
mkdir -p "$out"
[ -s "$out/mbr.asf" ] || ffmpeg -nostdin -y -v error \
  -f lavfi -i testsrc=size=320x240:rate=25:duration=120 -f lavfi -i sine=frequency=440:duration=120 \
  -map 0:v -map 0:v -map 0:v -map 1:a -c:v wmv2 -b:v:0 500k -b:v:1 250k -b:v:2 100k -s:v:2 160x120 \
  -c:a wmav2 -b:a 64k -ac 2 "$out/mbr.asf"
[ -s "$out/sd.wmv" ] || ffmpeg -nostdin -y -v error \
  -f lavfi -i testsrc=size=640x480:rate=25:duration=120 -f lavfi -i sine=frequency=440:duration=120 \
  -c:v wmv2 -b:v 1000k -g 25 -c:a wmav2 -b:a 64k "$out/sd.wmv"
[ -s "$out/live25.asf" ] || ffmpeg -nostdin -y -v error \
  -f lavfi -i "testsrc2=size=640x480:rate=25:duration=60,noise=alls=12:allf=t" -f lavfi -i sine=frequency=440:duration=60 \
  -c:v wmv2 -b:v 2400k -g 50 -c:a wmav2 -b:a 96k "$out/live25.asf"
ls -l "$out"
