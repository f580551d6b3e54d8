#!/usr/bin/env bash
# Install code-server (VS Code 1.100.3 server + web workbench) for the e2e tests.
#
# Idempotent and offline-capable: works on a machine that reaches only the npm
# registry and Debian's apt, and is harmless where full internet access exists.
#
#   scripts/install-code-server.sh            # install (skip what is already there)
#   scripts/install-code-server.sh --print    # print the code-server binary path
#
# Env:
#   RCNN_LENS_E2E_HOME      base folder (default: $HOME/.cache/rcnn-lens-e2e)
#   CODE_SERVER_VERSION     default 4.100.3 (VS Code 1.100.3, runs on Node 20)
#   SKIP_APT=1              do not apt-get install the build dependencies
#
# The code-server binary ends up at:
#   $RCNN_LENS_E2E_HOME/code-server/node_modules/.bin/code-server
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
E2E_HOME="${RCNN_LENS_E2E_HOME:-${HOME:-/root}/.cache/rcnn-lens-e2e}"
PREFIX="$E2E_HOME/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"

if [[ "${1:-}" == "--print" ]]; then
  echo "$BIN"
  exit 0
fi

log() { echo "[install-code-server] $*"; }

installed_version() {
  [[ -f "$PREFIX/node_modules/code-server/package.json" ]] || return 1
  node -e 'process.stdout.write(require(process.argv[1]).version)' \
    "$PREFIX/node_modules/code-server/package.json"
}

if [[ -x "$BIN" ]] && [[ "$(installed_version 2>/dev/null || true)" == "$VERSION" ]] \
   && [[ -f "$PREFIX/.install-complete" ]]; then
  log "code-server $VERSION already installed at $BIN"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# 1. Debian packages: native build deps of code-server's modules (kerberos,
#    native-keymap, @vscode/spdlog...), ripgrep (offline substitute for
#    @vscode/ripgrep's GitHub download) and chromium (the browser the tests drive).
APT_PKGS=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium)
if [[ "${SKIP_APT:-0}" != "1" ]] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    log "Debian packages already installed"
  fi
fi

# 2. node-gyp on PATH: code-server's postinstall runs `npx node-gyp`, which
#    would otherwise prompt (and hang without a TTY) to download it.
if ! command -v node-gyp >/dev/null 2>&1; then
  log "npm i -g node-gyp"
  $SUDO npm i -g node-gyp --no-fund --no-audit
fi

# 3. Prefill @vscode/ripgrep's download cache with Debian's rg, so its
#    postinstall finds the "downloaded" tarball instead of fetching GitHub.
#    Where internet exists and no rg is around, skip: it downloads normally.
TMPDIR_NODE="$(node -p 'require("os").tmpdir()')"
RG_CACHE="$TMPDIR_NODE/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ "$(uname -m)" == "x86_64" ]] && command -v rg >/dev/null 2>&1 && [[ ! -s "$RG_TAR" ]]; then
  log "prefilling ripgrep cache $RG_TAR with $(command -v rg)"
  mkdir -p "$RG_CACHE"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  chmod 755 "$stage/rg"
  tar -czf "$RG_TAR.tmp" -C "$stage" rg
  mv "$RG_TAR.tmp" "$RG_TAR"
  rm -rf "$stage"
fi

# 4. code-server itself, in its own folder (never the project's node_modules).
mkdir -p "$PREFIX"
if [[ ! -f "$PREFIX/package.json" ]]; then
  echo '{"name":"rcnn-lens-e2e-code-server","private":true}' > "$PREFIX/package.json"
fi
rm -f "$PREFIX/.install-complete"
log "npm install code-server@$VERSION into $PREFIX (takes a few minutes)"
start=$(date +%s)
# --unsafe-perm: as root, npm would otherwise run the lifecycle scripts as
# 'nobody', which cannot write into the tree.
(cd "$PREFIX" && npm install --unsafe-perm --no-fund --no-audit --no-save \
   --loglevel=error "code-server@$VERSION")
if [[ ! -x "$BIN" ]]; then
  log "ERROR: $BIN missing after install"
  exit 1
fi
"$BIN" --version >/dev/null
touch "$PREFIX/.install-complete"
log "installed code-server $("$BIN" --version | head -1) in $(( $(date +%s) - start ))s: $BIN"
