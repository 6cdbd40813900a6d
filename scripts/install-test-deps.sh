#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine (as root, or a user with sudo for
# apt-get; nothing else needs root). Idempotent: a second run only checks, in a few seconds.
# Each step is one clearly marked block below; add a step as a new block (a helper's own
# virtual environment: one `python_venv NAME REQUIREMENTS` line).
#
#   1. Debian packages: Chromium and fonts (the browser tests), python3-venv (the virtual
#      environments), python3-pandas (scripts/bench.sh runs ../shared/bench/pandas_baseline.py
#      with /usr/bin/python3). `apt-get update` runs first, and only when something is missing.
#   2. Jupyter in a Python virtual environment, exact pins from scripts/requirements-test.txt:
#      JupyterLab 4.6, Notebook 7, nbconvert, nbclient, jupyter_client, pyarrow. Its bin directory is
#      $NOTEBOOKLETS_VENVS/jupyter/bin (default ~/.cache/notebooklets-test-deps/venvs/jupyter/bin):
#      scripts/test.sh and the e2e tests put it first on PATH.
#   3. The GoNB kernel and goimports built from go.mod's tool lines (this module's build list),
#      gopls at $GOPLS_VERSION, into $GOBIN_DIR (default /usr/local/bin when writable, else
#      $(go env GOPATH)/bin); then `gonb --install` writes the kernel spec to
#      ~/.local/share/jupyter/kernels/gonb (or $JUPYTER_DATA_DIR), which the venv's jupyter
#      reads; the step checks that with `jupyter kernelspec list`.
#   4. The pinned JavaScript assets (echarts, leaflet, leaflet.markercluster): `npm ci` in e2e/.
#
# Set QUIET=0 for the full output of every command.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quiet="${QUIET:-1}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/notebooklets-test-deps"
venvs="${NOTEBOOKLETS_VENVS:-$cache/venvs}"
mkdir -p "$cache" "$venvs"

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

# python_venv NAME REQUIREMENTS: a virtual environment $venvs/NAME with exactly the packages of
# REQUIREMENTS (a file of name==version lines, every dependency pinned), built with Debian's
# /usr/bin/python3. It is rebuilt from scratch when the file or the Python version changes
# (a stamp in the venv records the file's sha256), so no stale package stays behind.
python_venv() {
	local name="$1" req="$2" dir="$venvs/$1" py=/usr/bin/python3
	local want
	want="$(sha256sum "$req" | cut -d' ' -f1) $("$py" -c 'import sys; print(sys.version.split()[0])')"
	if [[ -x "$dir/bin/python" && -f "$dir/.requirements-stamp" && "$(cat "$dir/.requirements-stamp")" == "$want" ]]; then
		return
	fi
	log "python venv $name ($req) -> $dir"
	rm -rf "$dir"
	run "$py" -m venv "$dir"
	run "$dir/bin/pip" install --no-input --disable-pip-version-check --require-virtualenv --no-deps -r "$req"
	run "$dir/bin/pip" check --disable-pip-version-check
	printf '%s' "$want" >"$dir/.requirements-stamp"
}

# ==> step 1: Debian packages ===============================================================
debs=(chromium fonts-liberation fonts-dejavu-core python3-venv python3-pandas)
missing=()
for p in "${debs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	sudo=""
	if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
	log "apt-get update; apt-get install ${missing[*]}"
	run $sudo apt-get update -q
	run env DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ==> step 2: Jupyter (JupyterLab, Notebook 7, nbconvert, nbclient, jupyter_client) ==========
python_venv jupyter "$repo/scripts/requirements-test.txt"
jupyter_bin="$venvs/jupyter/bin"
export PATH="$jupyter_bin:$PATH"

# ==> step 3: GoNB kernel, goimports, gopls; the kernel spec ================================
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
stampdir="$cache"
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
# The venv's jupyter must find that spec, and the spec must start our gonb.
if ! jupyter kernelspec list --json | "$jupyter_bin/python" -c '
import json, sys
spec = json.load(sys.stdin)["kernelspecs"].get("gonb")
sys.exit(0 if spec and spec["spec"]["argv"][0] == sys.argv[1] else 1)' "$GOBIN_DIR/gonb"; then
	log "jupyter ($jupyter_bin/jupyter) does not see a gonb kernel spec starting $GOBIN_DIR/gonb:"
	jupyter kernelspec list >&2
	exit 1
fi

# ==> step 4: JavaScript assets =============================================================
cd "$repo/e2e"
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null &&
	! node -e '
		const a = require("./package-lock.json").packages, b = require("./node_modules/.package-lock.json").packages;
		for (const k of Object.keys(a)) { if (k && (!b[k] || b[k].version !== a[k].version || b[k].integrity !== a[k].integrity)) process.exit(1); }
	' 2>/dev/null; then
	log "npm ci (e2e/)"
	run npm ci --no-audit --no-fund --ignore-scripts
fi

log "ok: jupyter in $jupyter_bin; gonb, goimports, gopls in $GOBIN_DIR; kernel spec $kernel_json; assets in $repo/e2e/node_modules"
