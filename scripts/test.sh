#!/usr/bin/env bash
# Runs all the tests, as the README's "run all the tests" and .ci/run do. Each step is one
# clearly marked block; add a step as a new block with its own `step` line.
#   1. scripts/install-test-deps.sh: Chromium, Jupyter (JupyterLab 4, Notebook 7, nbconvert,
#      nbclient, jupyter_client) in a venv with exact pins, the GoNB kernel, goimports, gopls,
#      the pinned JavaScript assets; this script fails if it is missing or fails;
#   2. go build and go vet over the module (the e2e tag included);
#   3. go test -race ./... (unit tests);
#   4. go test -tags e2e on the packages that have end-to-end tests: the notebook run headless
#      by nbconvert and live in JupyterLab and Notebook 7, driven in headless Chromium;
#   5. the msticnb parity test (scripts/msticnb/install.sh, go test -tags msticnb).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }
t_start=$SECONDS

# ==> step 1: test dependencies ==============================================================
deps="scripts/install-test-deps.sh"
if [[ ! -f "$deps" ]]; then
	echo "test.sh: $deps is missing; it installs what the end-to-end tests need" >&2
	exit 1
fi
step "bash $deps"
bash "$deps"

# The tools install-test-deps.sh installed: the Jupyter venv first (its jupyter, not another
# one on PATH), then gonb, goimports and gopls (/usr/local/bin or GOPATH/bin).
venvs="${NOTEBOOKLETS_VENVS:-${XDG_CACHE_HOME:-$HOME/.cache}/notebooklets-test-deps/venvs}"
export PATH="$venvs/jupyter/bin:$PATH:$(go env GOPATH)/bin"

# ==> step 2: build and vet ===================================================================
step "go build ./... && go vet ./... && go vet -tags e2e ./..."
go build ./...
go vet ./...
go vet -tags e2e ./...

# ==> step 3: unit tests ======================================================================
step "go test -race ./..."
go test -race -count=1 -timeout 12m ./...

# ==> step 4: end-to-end tests ================================================================
# Packages with files built only under the e2e tag.
mapfile -t e2e_pkgs < <(grep -rl --include='*.go' --exclude-dir=node_modules --exclude-dir=.git -E '^//go:build .*\be2e\b' . |
	xargs -r -n1 dirname | sort -u)
if ((${#e2e_pkgs[@]})); then
	step "go test -tags e2e ${e2e_pkgs[*]}"
	go test -tags e2e -count=1 -timeout 15m "${e2e_pkgs[@]}"
else
	step "no packages with e2e tests"
fi

# ==> step 5: msticnb parity (issue 12; owned by the msticnb helper) ============================
# The real msticnb 1.2.3 in its own venv (scripts/msticnb/install.sh: idempotent, ~2-3 min
# fresh), then our outputs compared with its outputs field by field.
step "msticnb parity: scripts/msticnb/install.sh; go test -tags msticnb ./internal/msticnbparity"
bash scripts/msticnb/install.sh >/dev/null
go test -tags msticnb -count=1 -timeout 10m ./internal/msticnbparity

step "all tests passed in $((SECONDS - t_start)) s"
