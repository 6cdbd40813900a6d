#!/usr/bin/env bash
# Installs the reference msticnb (scripts/msticnb/requirements.txt, pinned) into its own
# virtual environment, for the parity test (go test -tags msticnb ./internal/msticnbparity)
# and scripts/bench.sh. Idempotent: a stamp holding the requirements' checksum and the
# interpreter's version makes a rerun a no-op; a changed requirements file rebuilds the venv.
#
# usage: scripts/msticnb/install.sh           prints the venv's python on its last line
# env:   MSTICNB_VENV  where the venv goes (default ${XDG_CACHE_HOME:-~/.cache}/notebooklets-msticnb/venv)
#        MSTICNB_BASE_PYTHON  CPython 3.11 to build it from (default: the first python3.11 or
#                     python3 on PATH that is CPython 3.11.5 or later, msticpy 3.0.2's floor,
#                     and not itself a virtual environment's)
#        QUIET=0       show pip's output
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
venv="${MSTICNB_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/notebooklets-msticnb/venv}"
quiet="${QUIET:-1}"

log() { printf 'msticnb install: %s\n' "$*" >&2; }

# find_base prints the first interpreter on PATH that can build the venv: CPython 3.11.5+
# (msticpy 3.0.2 requires it; Debian 12's own python3 is 3.11.2) outside any venv.
find_base() {
	local py
	while read -r py; do
		if "$py" -c 'import sys; sys.exit(not (sys.version_info[:2] == (3, 11) and sys.version_info >= (3, 11, 5) and sys.prefix == sys.base_prefix))' 2>/dev/null; then
			echo "$py"
			return
		fi
	done < <(type -ap python3.11 python3 | awk '!seen[$0]++')
}
base="${MSTICNB_BASE_PYTHON:-$(find_base)}"
if [[ -z "$base" ]]; then
	log "no CPython 3.11.5 or later on PATH outside a venv (set MSTICNB_BASE_PYTHON); msticnb 1.2.3 on msticpy 3.0.2 needs it"
	exit 1
fi
pyver="$("$base" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
if [[ "$pyver" != 3.11.* ]]; then
	log "$base is Python $pyver; the pins are for CPython 3.11"
	exit 1
fi

want="$(sha256sum "$req" | cut -d' ' -f1) python $pyver"
stamp="$venv/.notebooklets-stamp"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$venv/bin/python"
	exit 0
fi

start=$(date +%s)
log "creating $venv (Python $pyver from $base)"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$base" -m venv "$venv"
pipq=(--quiet)
if [[ "$quiet" == 0 ]]; then pipq=(); fi
# Every distribution is pinned in requirements.txt, so pip resolves nothing: --no-deps,
# wheels only (nothing is built here), and pip check proves the set is complete.
"$venv/bin/python" -m pip install "${pipq[@]}" --disable-pip-version-check --no-input \
	--no-deps --only-binary :all: -r "$req"
"$venv/bin/python" -m pip check >&2
"$venv/bin/python" -c 'import msticnb, msticpy; from msticnb.nb.azsent.network import network_flow_summary' >/dev/null
printf '%s' "$want" >"$stamp"
log "installed msticnb $("$venv/bin/python" -c 'import msticnb; print(msticnb.__version__)') on msticpy $("$venv/bin/python" -c 'import msticpy; print(msticpy.__version__)') in $(($(date +%s) - start)) s"
echo "$venv/bin/python"
