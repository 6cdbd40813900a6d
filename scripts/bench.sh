#!/usr/bin/env bash
# NetworkFlowSummary speed, side by side on the same generated flow files in one run
# (issues 5, 12, 16): ours (`notebooklet run NetworkFlowSummary --options flow_summary --json`),
# the real msticnb (scripts/msticnb/harness.py --bench: msticnb 1.2.3's run() with
# options=["flow_summary"], whois answered from the same ASN database), the pandas imitation
# (/work/shared/bench/pandas_baseline.py) and DuckDB's GROUP BY (/work/shared/bench/duckdb).
# Runs alternate between the tools, RUNS times each; the table has the medians of wall
# time, CPU time (user+sys) and peak RSS, and each tool's ratio to ours (>1: ours is ahead).
#
# usage: scripts/bench.sh [WORKDIR]                     (default /tmp/notebooklets-bench)
# env:   BENCH_SIZES  rows per file, e.g. "100k 1M 10M" (default "100k 1M")
#        BENCH_TOOLS  among "ours msticnb pandas duckdb" (default all four); msticnb and pandas
#                     are skipped above 1M rows unless BENCH_BIG=1 (minutes per run)
#        RUNS         runs of each tool per size (default 3)
#        BENCH_DIR    gen_flows.py, pandas_baseline.py, duckdb/ (default /work/shared/bench)
#        PYTHON       Debian's python3 with python3-pandas for gen_flows/pandas (default /usr/bin/python3)
#        BENCH_BEFORE  a git revision: its notebooklet runs too, as the tool "before" (the same
#                     command as ours), for before/after figures from one run
#        BENCH_REPORT=1  also time `--options +geo_map --html` on the largest file <= 1M and print its size
# Files (the generated CSVs, the ASN database, DuckDB's node_modules) are kept in WORKDIR.
set -euo pipefail

dir=${1:-/tmp/notebooklets-bench}
sizes=${BENCH_SIZES:-100k 1M}
tools=${BENCH_TOOLS:-ours msticnb pandas duckdb}
runs=${RUNS:-3}
bench=${BENCH_DIR:-/work/shared/bench}
py=${PYTHON:-/usr/bin/python3}
repo=$(cd "$(dirname "$0")/.." && pwd)
value=msticalertswin1

rows_of() { # 100k → 100000, 1M → 1000000, 10M → 10000000, 2500 → 2500
	local s=$1
	case $s in
	*[kK]) echo $((${s%?} * 1000)) ;;
	*[mM]) echo $((${s%?} * 1000000)) ;;
	*) echo "$s" ;;
	esac
}
has() { [[ " $tools " == *" $1 "* ]]; }
if [[ -n ${BENCH_BEFORE:-} ]]; then tools="$tools before"; fi

mkdir -p "$dir"
(cd "$repo" && go run ./flowsummary/internal/mkasndb "$dir/asn.mmdb" && go build -o "$dir/notebooklet" ./cmd/notebooklet)
city="$repo/internal/sample/data/GeoLite2-City-sample.mmdb"
if has before; then
	# The revision's own tree, built into WORKDIR (a detached worktree, removed after).
	wt="$dir/before-src"
	git -C "$repo" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git -C "$repo" worktree add --detach --quiet "$wt" "$BENCH_BEFORE"
	(cd "$wt" && go build -o "$dir/notebooklet-before" ./cmd/notebooklet)
	git -C "$repo" worktree remove --force "$wt"
	echo "before: $(git -C "$repo" log -1 --format='%h %ad' --date=short "$BENCH_BEFORE")" >&2
fi
if has msticnb; then
	mpy=$(bash "$repo/scripts/msticnb/install.sh" | tail -1)
fi
if has duckdb; then
	# npm ci in a writable copy (shared/ is read-only in CI).
	if ! cmp -s "$bench/duckdb/package-lock.json" "$dir/duckdb/package-lock.json" || [[ ! -d "$dir/duckdb/node_modules" ]]; then
		rm -rf "$dir/duckdb"
		mkdir -p "$dir/duckdb"
		cp "$bench/duckdb/package.json" "$bench/duckdb/package-lock.json" "$bench/duckdb/flowindex.js" "$dir/duckdb/"
		(cd "$dir/duckdb" && npm ci --no-audit --no-fund --silent >/dev/null)
	fi
	cp "$bench/duckdb/flowindex.js" "$dir/duckdb/flowindex.js"
fi

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; prints "wall_s cpu_s rss_mb".
measure() {
	local label=$1
	shift
	/usr/bin/time -v "$@" >"$dir/$label.out" 2>"$dir/$label.err" || {
		echo "$label failed:" >&2
		tail -20 "$dir/$label.err" >&2
		exit 1
	}
	awk '
		/Elapsed \(wall clock\) time/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
		/Maximum resident set size/ { rss = $NF / 1024 }
		/User time \(seconds\)|System time \(seconds\)/ { cpu += $NF }
		END { printf "%.2f %.2f %.0f\n", wall, cpu, rss }' "$dir/$label.err"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_tool() { # run_tool TOOL FLOWS LABEL
	local f=$2 label=$3
	case $1 in
	ours | before)
		local bin=$dir/notebooklet
		if [[ $1 == before ]]; then bin=$dir/notebooklet-before; fi
		measure "$label" "$bin" run NetworkFlowSummary --value "$value" --flows "$f" \
			--options flow_summary --asn-db "$dir/asn.mmdb" --json "$dir/$label.json" ;;
	msticnb) measure "$label" "$mpy" "$repo/scripts/msticnb/harness.py" --bench "$f" "$dir/asn.mmdb" "$city" "$value" ;;
	pandas) measure "$label" "$py" "$bench/pandas_baseline.py" "$f" --json "$dir/$label.json" ;;
	duckdb) measure "$label" node "$dir/duckdb/flowindex.js" "$f" ;;
	esac
}

table="$dir/table.txt"
: >"$table"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "NetworkFlowSummary flow_summary, $(nproc) cores; medians of $runs alternating runs"
for size in $sizes; do
	rows=$(rows_of "$size")
	flows="$dir/flows$rows.csv"
	if [[ ! -s "$flows" ]]; then
		echo "generating $rows rows → $flows" >&2
		"$py" "$bench/gen_flows.py" "$rows" "$flows.tmp"
		mv "$flows.tmp" "$flows"
	fi
	active=()
	for t in ours before msticnb pandas duckdb; do
		if has "$t"; then
			if [[ ($t == msticnb || $t == pandas) && $rows -gt 1000000 && ${BENCH_BIG:-0} != 1 ]]; then continue; fi
			active+=("$t")
		fi
	done
	cat "$flows" >/dev/null # the same warm page cache for every tool
	for t in "${active[@]}"; do : >"$dir/$t-$size.txt"; done
	for i in $(seq "$runs"); do
		for t in "${active[@]}"; do
			m=$(run_tool "$t" "$flows" "$t-$size")
			echo "$m" >>"$dir/$t-$size.txt"
			printf '  %-5s run %d %-8s wall %6s s  CPU %7s s  RSS %5s MB\n' "$size" "$i" "$t" $m >&2
		done
	done
	for t in "${active[@]}"; do
		w=$(cut -d' ' -f1 "$dir/$t-$size.txt" | median)
		c=$(cut -d' ' -f2 "$dir/$t-$size.txt" | median)
		r=$(cut -d' ' -f3 "$dir/$t-$size.txt" | median)
		echo "$size $t $w $c $r" >>"$table"
	done
	if [[ " ${active[*]} " == *" ours "* ]]; then
		# Each round runs the tools back to back, so a round's ratio sees the
		# same machine; on a shared machine their spread says how noisy it is.
		for t in "${active[@]}"; do
			if [[ $t != ours ]]; then
				paste -d' ' "$dir/$t-$size.txt" "$dir/ours-$size.txt" | awk -v t="$t" -v size="$size" '
					{ w[NR] = $1 / $4; c[NR] = $2 / $5 }
					function med(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x } return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
					END { n = NR; mw = med(w, n); mc = med(c, n)
						printf "  %s ÷ ours per round (%s): wall median %.2fx (%.2f–%.2f), CPU median %.2fx (%.2f–%.2f)\n", t, size, mw, w[1], w[n], mc, c[1], c[n] }' >&2
			fi
		done
		echo "  ours:    $(grep -o '"flows_total": [0-9]*' "$dir/ours-$size.json"), $(grep -c '"TotalAllowedFlows"' "$dir/ours-$size.json") rows with TotalAllowedFlows" >&2
	fi
	if [[ " ${active[*]} " == *" before "* ]]; then
		# The engine's outputs (later features changed other parts of the JSON).
		"$py" - "$dir/ours-$size.json" "$dir/before-$size.json" <<'PY' >&2
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = ["flow_index", "flows_total", "timespan", "unique_ips", "host_entity", "rows_skipped", "rows_dropped"]
diff = [k for k in keys if a.get(k) != b.get(k)]
print("  before:  " + ("the same " + ", ".join(keys) if not diff else "DIFFERENT: " + ", ".join(diff)))
PY
	fi
	for t in msticnb pandas duckdb; do
		if [[ " ${active[*]} " == *" $t "* ]]; then echo "  $t: $(tail -1 "$dir/$t-$size.out")" >&2; fi
	done
done

# The table: one line per size and tool, ratios to ours of the same size.
awk '
	{ size[NR] = $1; tool[NR] = $2; w[NR] = $3; c[NR] = $4; r[NR] = $5; if ($2 == "ours") { ow[$1] = $3; oc[$1] = $4; orss[$1] = $5 } }
	END {
		printf "| rows | tool | wall s | CPU s | peak RSS MB | wall ÷ ours | CPU ÷ ours | RSS ÷ ours |\n|---|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= NR; i++) {
			if (size[i] in ow && tool[i] != "ours")
				printf "| %s | %s | %.2f | %.2f | %d | %.1fx | %.1fx | %.1fx |\n", size[i], tool[i], w[i], c[i], r[i], w[i] / ow[size[i]], c[i] / oc[size[i]], r[i] / orss[size[i]]
			else
				printf "| %s | %s | %.2f | %.2f | %d | | | |\n", size[i], tool[i], w[i], c[i], r[i]
		}
	}' "$table"
echo "load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ ${BENCH_REPORT:-0} == 1 ]]; then
	best=""
	for size in $sizes; do if (($(rows_of "$size") <= 1000000)); then best=$size; fi; done
	if [[ -n $best ]]; then
		h=$(measure html "$dir/notebooklet" run NetworkFlowSummary --value "$value" --flows "$dir/flows$(rows_of "$best").csv" \
			--options +geo_map --asn-db "$dir/asn.mmdb" --html "$dir/report.html")
		size=$(stat -c %s "$dir/report.html")
		echo "report ($best rows, --options +geo_map --html): $(echo "$h" | awk '{ printf "%.2f s, %d MB RSS", $1, $3 }'), $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MB; goal < 5 MB)"
	fi
fi
