#!/usr/bin/env bash
# The gateway as the Docker image ships it (the Dockerfile's restore and publish: ReadyToRun for this machine's
# architecture, tiered compilation off), into artifacts/gateway/. The load benchmarks (fanout, remux, soak) measure
# this build when it is there (Load/LoadRig.cs); MMSGW_DLL overrides.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet restore src/MmsGateway/MmsGateway.csproj --ucr -p:PublishReadyToRun=true
dotnet publish src/MmsGateway -c Release -o artifacts/gateway --no-restore --ucr --self-contained false -p:PublishReadyToRun=true
