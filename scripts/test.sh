#!/usr/bin/env bash
# Runs all the tests, as the README's "run all the tests" and .ci/run do:
#   1. scripts/install-test-deps.sh (Jupyter, Chromium, the GoNB kernel, goimports, gopls,
#      the pinned JavaScript assets) — this script fails if it is missing or fails;
#   2. go build and go vet over the module;
#   3. go test -race ./... (unit tests);
#   4. go test -tags e2e on the packages that have end-to-end tests (notebooks executed by
#      Jupyter on GoNB, rendered output checked in headless Chromium);
#   5. the msticnb parity test (scripts/msticnb/install.sh, go test -tags msticnb).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n==> %s\n' "$*"; }

deps="scripts/install-test-deps.sh"
if [[ ! -f "$deps" ]]; then
	echo "test.sh: $deps is missing; it installs what the end-to-end tests need" >&2
	exit 1
fi
step "bash $deps"
bash "$deps"

# Tools installed by install-test-deps.sh (gonb, goimports, gopls) may live in GOPATH/bin.
export PATH="$PATH:$(go env GOPATH)/bin"

step "go build ./..."
go build ./...

step "go vet ./..."
go vet ./...

step "go test -race ./..."
go test -race -count=1 -timeout 12m ./...

# Packages with files built only under the e2e tag.
mapfile -t e2e_pkgs < <(grep -rl --include='*.go' --exclude-dir=node_modules --exclude-dir=.git -E '^//go:build .*\be2e\b' . |
	xargs -r -n1 dirname | sort -u)
if ((${#e2e_pkgs[@]})); then
	step "go test -tags e2e ${e2e_pkgs[*]}"
	go test -tags e2e -count=1 -timeout 12m "${e2e_pkgs[@]}"
else
	step "no packages with e2e tests"
fi

# --- msticnb parity (issue 12; owned by the msticnb helper) --------------------------------
# The real msticnb 1.2.3 in its own venv (scripts/msticnb/install.sh: idempotent, ~2-3 min
# fresh), then our outputs compared with its outputs field by field.
step "msticnb parity: scripts/msticnb/install.sh; go test -tags msticnb ./internal/msticnbparity"
bash scripts/msticnb/install.sh >/dev/null
go test -tags msticnb -count=1 -timeout 10m ./internal/msticnbparity

step "all tests passed"
