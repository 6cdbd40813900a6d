#!/usr/bin/env bash
# Installs what the end-to-end tests need on a fresh Debian 12 machine (run as root):
#   - Debian packages: Jupyter (nbconvert, classic Notebook 6.4, ipykernel, nbclient), pandas, Chromium;
#   - the GoNB kernel and goimports built from go.mod's pinned tool lines, plus gopls v0.23.0
#     (GoNB needs goimports and gopls on PATH), installed into $GOBIN_DIR (default /usr/local/bin when writable, else
#     $(go env GOPATH)/bin), then `gonb --install` (kernel spec under ~/.local/share/jupyter);
#   - the pinned JavaScript assets (echarts, leaflet, leaflet.markercluster) with `npm ci` in e2e/.
# Idempotent and fast when everything is already in place. Set QUIET=0 for full output.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quiet="${QUIET:-1}"

log() { printf 'install-test-deps: %s\n' "$*"; }

# run CMD...: runs a command, showing its output only when it fails (unless QUIET=0).
run() {
	if [[ "$quiet" == 0 ]]; then
		"$@"
		return
	fi
	local out
	out="$(mktemp)"
	if ! "$@" >"$out" 2>&1; then
		tail -n 40 "$out" >&2
		rm -f "$out"
		log "failed: $*"
		return 1
	fi
	rm -f "$out"
}

# --- Debian packages ---------------------------------------------------------------------
debs=(jupyter-nbconvert jupyter-notebook python3-ipykernel python3-nbclient
	python3-jupyter-client jupyter-client python3-pandas chromium fonts-liberation)
missing=()
for p in "${debs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	sudo=""
	if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
	log "apt-get install ${missing[*]}"
	run $sudo apt-get update -q
	run env DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- GoNB kernel, goimports, gopls from go.mod's tool lines --------------------------------
if [[ -z "${GOBIN_DIR:-}" ]]; then
	if [[ -w /usr/local/bin ]]; then
		GOBIN_DIR=/usr/local/bin
	else
		GOBIN_DIR="$(go env GOPATH)/bin"
	fi
fi
mkdir -p "$GOBIN_DIR"
case ":$PATH:" in
*":$GOBIN_DIR:"*) ;;
*) export PATH="$GOBIN_DIR:$PATH" ;;
esac

cd "$repo"
# gonb and goimports: the versions of go.mod's tool lines, built with this module's build list.
# gopls: go.mod has no tool line for it (gopls v0.23.0 does not compile with this module's
# x/tools), so it is pinned here and built in its own module by `go install pkg@version`.
GOPLS_VERSION="${GOPLS_VERSION:-v0.23.0}"
# A stamp per tool records the module version it was built from, so reruns skip the build.
stampdir="${XDG_CACHE_HOME:-$HOME/.cache}/notebooklets-test-deps"
mkdir -p "$stampdir"
gover="$(go env GOVERSION)"
build_tool() { # build_tool BIN PKG VERSION MODE(module|install)
	local bin="$1" pkg="$2" ver="$3" mode="$4"
	local want="$pkg@$ver $gover $GOBIN_DIR/$bin" stamp="$stampdir/$bin"
	if [[ -x "$GOBIN_DIR/$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
		return
	fi
	log "go build $bin ($pkg@$ver) -> $GOBIN_DIR"
	if [[ "$mode" == module ]]; then
		run go build -o "$GOBIN_DIR/$bin" "$pkg"
	else
		run env GOBIN="$GOBIN_DIR" go install "$pkg@$ver"
	fi
	printf '%s' "$want" >"$stamp"
}
modver() { go list -m -f '{{.Version}}' "$(go list -f '{{.Module.Path}}' "$1")"; }
build_tool gonb github.com/janpfeifer/gonb "$(modver github.com/janpfeifer/gonb)" module
build_tool goimports golang.org/x/tools/cmd/goimports "$(modver golang.org/x/tools/cmd/goimports)" module
build_tool gopls golang.org/x/tools/gopls "$GOPLS_VERSION" install

kernel_json="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb/kernel.json"
if [[ ! -f "$kernel_json" ]] || ! grep -q "\"$GOBIN_DIR/gonb\"" "$kernel_json"; then
	log "gonb --install"
	run "$GOBIN_DIR/gonb" --install --logtostderr
fi

# --- JavaScript assets ---------------------------------------------------------------------
cd "$repo/e2e"
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null &&
	! node -e '
		const a = require("./package-lock.json").packages, b = require("./node_modules/.package-lock.json").packages;
		for (const k of Object.keys(a)) { if (k && (!b[k] || b[k].version !== a[k].version || b[k].integrity !== a[k].integrity)) process.exit(1); }
	' 2>/dev/null; then
	log "npm ci (e2e/)"
	run npm ci --no-audit --no-fund --ignore-scripts
fi

log "ok (tools in $GOBIN_DIR; kernel spec $kernel_json; assets in $repo/e2e/node_modules)"
