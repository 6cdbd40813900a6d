#!/usr/bin/env bash
# NetworkFlowSummary speed benchmark (issue 5): our `run --options flow_summary --json`
# side by side with the pandas baseline on the same generated file, in the same run.
#
# usage: scripts/bench.sh [ROWS] [WORKDIR]      (defaults: 1000000, /tmp/notebooklets-bench)
# env:   RUNS (default 3: alternating runs of each), BENCH_DIR (default /work/shared/bench:
#        gen_flows.py and pandas_baseline.py), PYTHON (default /usr/bin/python3)
#
# Prints wall time and max RSS (/usr/bin/time -v) of every run, the medians, the ratio
# pandas/ours, and the size of the `--options +geo_map --html` report (goal: < 5 MB).
# Goals: ours >= 30x faster than pandas, max RSS <= 250 MB.
set -euo pipefail

rows=${1:-1000000}
dir=${2:-/tmp/notebooklets-bench}
runs=${RUNS:-3}
bench=${BENCH_DIR:-/work/shared/bench}
py=${PYTHON:-/usr/bin/python3}
repo=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$dir"
flows="$dir/flows$rows.csv"
if [ ! -s "$flows" ]; then
	echo "generating $rows rows → $flows"
	"$py" "$bench/gen_flows.py" "$rows" "$flows.tmp"
	mv "$flows.tmp" "$flows"
fi
(cd "$repo" && go run ./flowsummary/internal/mkasndb "$dir/asn.mmdb" && go build -o "$dir/notebooklet" ./cmd/notebooklet)

# measure LABEL CMD...: runs CMD under /usr/bin/time -v, prints "wall_s rss_mb cpu_s".
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
		END { printf "%.2f %.0f %.2f\n", wall, rss, cpu }' "$dir/$label.err"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat /dev/null >"$dir/go.txt"
cat /dev/null >"$dir/pandas.txt"
cat "$flows" >/dev/null # same warm page cache for both
load0=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-4s  %-30s  %-30s\n' run "ours: wall s / RSS MB / CPU s" "pandas: wall s / RSS MB / CPU s"
for i in $(seq "$runs"); do
	g=$(measure go "$dir/notebooklet" run NetworkFlowSummary --value msticalertswin1 --flows "$flows" \
		--options flow_summary --asn-db "$dir/asn.mmdb" --json "$dir/result.json")
	p=$(measure pandas "$py" "$bench/pandas_baseline.py" "$flows" --json "$dir/pandas.json")
	echo "$g" >>"$dir/go.txt"
	echo "$p" >>"$dir/pandas.txt"
	printf '%-4s  %-30s  %-30s\n' "$i" "$(echo "$g" | awk '{ printf "%6.2f / %4d / %6.2f", $1, $2, $3 }')" "$(echo "$p" | awk '{ printf "%6.2f / %4d / %6.2f", $1, $2, $3 }')"
done
gw=$(cut -d' ' -f1 "$dir/go.txt" | median)
gr=$(cut -d' ' -f2 "$dir/go.txt" | sort -g | tail -1)
pw=$(cut -d' ' -f1 "$dir/pandas.txt" | median)
pr=$(cut -d' ' -f2 "$dir/pandas.txt" | sort -g | tail -1)
echo "median wall: ours ${gw} s, pandas ${pw} s → ratio $(awk -v a="$pw" -v b="$gw" 'BEGIN { printf "%.1fx", a / b }') (goal ≥ 30x)"
gc=$(cut -d' ' -f3 "$dir/go.txt" | median)
pc=$(cut -d' ' -f3 "$dir/pandas.txt" | median)
echo "median CPU:  ours ${gc} s, pandas ${pc} s → ratio $(awk -v a="$pc" -v b="$gc" 'BEGIN { printf "%.1fx", a / b }') (ours uses all cores; on a loaded machine the wall ratio drifts toward this)"
echo "load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "max RSS:     ours ${gr} MB, pandas ${pr} MB (goal ours ≤ 250 MB)"
echo "pandas: $(tail -1 "$dir/pandas.out")"
echo "ours:   $(grep -o '"flows_total": [0-9]*' "$dir/result.json"), $(grep -c '"TotalAllowedFlows"' "$dir/result.json") rows with TotalAllowedFlows in the JSON"

h=$(measure html "$dir/notebooklet" run NetworkFlowSummary --value msticalertswin1 --flows "$flows" \
	--options +geo_map --asn-db "$dir/asn.mmdb" --html "$dir/report.html")
size=$(stat -c %s "$dir/report.html")
echo "report (--options +geo_map --html): $(echo "$h" | awk '{ printf "%.2f s, %d MB RSS", $1, $2 }'), $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MB; goal < 5 MB)"
