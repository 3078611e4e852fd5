#!/usr/bin/env bash
# Starts the gateway (verb `serve`) on http://localhost:8080; with no streams configured it serves the
# bundled demo stream. Extra arguments go to `serve`. ASPNETCORE_URLS overrides the listen address.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$root"

# shellcheck source=scripts/deps.sh
source "$root/scripts/deps.sh"
deps_ensure run

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://0.0.0.0:8080}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# --no-launch-profile: a Properties/launchSettings.json must not replace ASPNETCORE_URLS.
exec dotnet run --project src/MmsGateway -c Release --no-launch-profile -- serve "$@"
