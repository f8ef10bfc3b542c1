#!/usr/bin/env bash
# Performance check of `liberator run` on a generated dump (issue #3):
#
#   1. builds the CLI and generates two zipped dumps with `liberator gendump`:
#      a large one (SIZE of SQL, default 1GB) and a small one (SMALL, default
#      100MB), kept in WORK between runs;
#   2. times `unzip -p dump.zip > /dev/null` and `liberator run` on the same
#      zip side by side, alternately, RUNS times each, and reports the median
#      wall time of each and the median of the per-pair ratios (acceptance:
#      run ≤ 2.5 × unzip);
#   3. reports the peak RSS of `liberator run` for both dumps from
#      /usr/bin/time -v (acceptance: ≤ 256 MiB for the large dump, and at
#      most 20% above the small dump's).
#
# Usage: scripts/perf.sh            (env: SIZE=1GB SMALL=100MB RUNS=3 WORK=/tmp/liberator-perf)
#        scripts/perf.sh gen        only generate the dumps
#        RUN_ARGS="--workflow none" scripts/perf.sh
#                                   stop each run at the landed, marked partition
#                                   (no landing→raw copy), the issue's end point
#
# Needs: go, unzip, GNU time (/usr/bin/time; `apt-get install time`).
# Each run writes the export, landing and raw zones (about the dump's zipped
# size times a few) under WORK/lake, removed after each run.
set -euo pipefail

SIZE=${SIZE:-1GB}
SMALL=${SMALL:-100MB}
RUNS=${RUNS:-3}
RUN_ARGS=${RUN_ARGS:-}
WORK=${WORK:-/tmp/liberator-perf}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$WORK/liberator
BIG=$WORK/big/liberator_dump_20261124.zip
SMALLZIP=$WORK/small/liberator_dump_20261124.zip
TIME=/usr/bin/time

if [[ ! -x $TIME ]]; then
	echo "perf.sh: $TIME not found; install GNU time (apt-get install time)" >&2
	exit 1
fi
command -v unzip >/dev/null || { echo "perf.sh: unzip not found" >&2; exit 1; }

mkdir -p "$WORK/big" "$WORK/small"
echo "== building the CLI"
(cd "$ROOT" && go build -o "$BIN" ./examples/liberator)

gen() { # gen FILE SIZE
	if [[ -s $1 && -s $1.size && $(cat "$1.size") == "$2" ]]; then
		echo "== $1 exists ($2 of SQL)"
		return
	fi
	echo "== generating $1 ($2 of SQL)"
	"$TIME" -f "   generated in %e s, peak RSS %M KB" "$BIN" gendump --out "$1" --size "$2"
	echo "$2" >"$1.size"
}
gen "$SMALLZIP" "$SMALL"
gen "$BIG" "$SIZE"
[[ ${1:-} == gen ]] && exit 0

ls -l "$SMALLZIP" "$BIG"
unzip -l "$BIG" | tail -n 3

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# run_liberator ZIP LOG: one timed run on a fresh lake; prints "wall_s rss_kb"
# (call it as r=$(run_liberator …): a failed run then stops the script).
run_liberator() {
	rm -rf "$WORK/lake"
	if ! "$TIME" -v -o "$2" "$BIN" run --dump "$1" --lake "$WORK/lake" --quiet $RUN_ARGS >"$2.out"; then
		echo "perf.sh: liberator run --dump $1 failed (GNU time's report: $2)" >&2
		return 1
	fi
	local wall rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$2")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$2")
	rm -rf "$WORK/lake"
	echo "$wall $rss"
}

# time_unzip ZIP: wall seconds of unzip -p to /dev/null.
time_unzip() {
	"$TIME" -f "%e" -o "$WORK/unzip.time" unzip -p "$1" >/dev/null
	cat "$WORK/unzip.time"
}

echo "== $RUNS alternating runs on $BIG: unzip -p vs liberator run"
: >"$WORK/ratios" ; : >"$WORK/unzip.walls" ; : >"$WORK/run.walls" ; : >"$WORK/run.rss"
time_unzip "$BIG" >/dev/null # warm the page cache
for i in $(seq 1 "$RUNS"); do
	u=$(time_unzip "$BIG")
	r=$(run_liberator "$BIG" "$WORK/run.$i.time")
	read -r w rss <<<"$r"
	echo "   run $i: unzip ${u}s  liberator ${w}s  ratio $(awk -v a="$w" -v b="$u" 'BEGIN{printf "%.2f", a/b}')  peak RSS $((rss / 1024)) MiB"
	echo "$u" >>"$WORK/unzip.walls"
	echo "$w" >>"$WORK/run.walls"
	echo "$rss" >>"$WORK/run.rss"
	awk -v a="$w" -v b="$u" 'BEGIN{printf "%.4f\n", a/b}' >>"$WORK/ratios"
done
tail -n 3 "$WORK/run.1.time.out"

echo "== peak RSS on $SMALLZIP"
: >"$WORK/small.rss"
for i in $(seq 1 "$RUNS"); do
	r=$(run_liberator "$SMALLZIP" "$WORK/small.$i.time")
	read -r w rss <<<"$r"
	echo "   run $i: ${w}s peak RSS $((rss / 1024)) MiB"
	echo "$rss" >>"$WORK/small.rss"
done

big_rss=$(median <"$WORK/run.rss")
small_rss=$(median <"$WORK/small.rss")
sql_bytes=$(unzip -l "$BIG" | tail -n 1 | awk '{print $1}')
run_wall=$(median <"$WORK/run.walls")
echo
echo "== summary ($(nproc) CPUs, $(date -u +%FT%TZ))"
echo "   SQL bytes:                 $sql_bytes"
echo "   unzip -p median:           $(median <"$WORK/unzip.walls") s"
echo "   liberator run median:      $run_wall s ($(awk -v b="$sql_bytes" -v s="$run_wall" 'BEGIN{printf "%.0f", b/1e6/s}') MB/s of SQL)"
echo "   ratio run/unzip (median):  $(median <"$WORK/ratios")   (acceptance ≤ 2.5)"
echo "   peak RSS large (median):   $(awk -v a="$big_rss" 'BEGIN{printf "%.0f", a/1024}') MiB   (acceptance ≤ 256 MiB)"
echo "   peak RSS small (median):   $(awk -v a="$small_rss" 'BEGIN{printf "%.0f", a/1024}') MiB   (large/small = $(awk -v a="$big_rss" -v b="$small_rss" 'BEGIN{printf "%.2f", a/b}'), acceptance ≤ 1.20)"
