#!/usr/bin/env bash
# Whole-process performance of `liberator run`, side by side with its peers,
# on one dump:
#
#   unzip -p DUMP > /dev/null                 the floor: reading the SQL at all
#   liberator run --workflow none             dump → landed, marked partition
#   liberator run                             … and the local Glue copy to raw
#   unzip -p DUMP | mariadb                   the production chain's first step,
#                                             a plain restore (when a server answers)
#
# The commands run alternately (one round = one run of each), RUNS rounds; the
# script prints each command's median wall time, CPU time (user+sys) and peak
# RSS (GNU time) and the medians of the per-round ratios to `unzip -p`, so a
# comparison holds when the machine's speed drifts. Each round line shows the
# load average before it: on a shared machine, a round run beside other work
# shows there. After a restore the script waits (up to 60 s) for the server to
# go idle, and every command starts with the dirty pages written back, so
# that one command's writes do not slow the next.
#
# Usage:
#   scripts/perf.sh                     a generated dump (liberator gendump, SIZE of SQL)
#   scripts/perf.sh DUMP.zip            any dump (.zip, .sql.gz or .sql), e.g. a real
#                                       mariadb-dump; its name should carry the date
#                                       (liberator_dump_YYYYMMDD.zip), else DATE is used
#   scripts/perf.sh mariadb-dump        make a real mariadb-dump of the generated dump
#                                       (restore it into MariaDB, dump it again, zip it)
#                                       and measure that
#   scripts/perf.sh gen                 only generate the dumps
#
# Environment: SIZE=300MB RUNS=3 WORK=/tmp/liberator-perf DATE=2026-11-24
#   MYSQL="mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root"   the restore peer
#   NO_MYSQL=1                                                    skip the restore peer
#
# Needs: go, unzip, zip (for mariadb-dump), GNU time (/usr/bin/time; apt-get
# install time); for the restore peer a MySQL-compatible server and client.
set -euo pipefail

SIZE=${SIZE:-300MB}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/liberator-perf}
DATE=${DATE:-2026-11-24}
MYSQL=${MYSQL:-mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$WORK/liberator
TIME=/usr/bin/time

die() { echo "perf.sh: $*" >&2; exit 1; }
[[ -x $TIME ]] || die "$TIME not found; install GNU time (apt-get install time)"
command -v unzip >/dev/null || die "unzip not found"

mkdir -p "$WORK/gen"
echo "== building the CLI"
(cd "$ROOT" && go build -o "$BIN" ./examples/liberator)

GEN=$WORK/gen/liberator_dump_20261124.zip
gen() { # gen FILE SIZE: a generated dump, kept between runs
	if [[ -s $1 && -s $1.size && $(cat "$1.size") == "$2" ]]; then
		echo "== $1 exists ($2 of SQL)"
		return
	fi
	echo "== generating $1 ($2 of SQL)"
	"$BIN" gendump --out "$1" --size "$2"
	echo "$2" >"$1.size"
}

# mysql_up: whether the restore peer answers.
mysql_up() { [[ -z ${NO_MYSQL:-} ]] && $MYSQL -e 'SELECT 1' >/dev/null 2>&1; }

# real_dump: restore the generated dump into MariaDB and dump it again with
# mariadb-dump (extended inserts, the tool's defaults), zipped.
real_dump() {
	local out=$WORK/real/liberator_dump_20261124.zip
	mkdir -p "$WORK/real"
	if [[ -s $out && -s $out.size && $(cat "$out.size") == "$SIZE" ]]; then
		echo "== $out exists" >&2
		echo "$out"
		return
	fi
	mysql_up || die "mariadb-dump mode needs a server ($MYSQL)"
	command -v mariadb-dump >/dev/null || die "mariadb-dump not found"
	command -v zip >/dev/null || die "zip not found"
	gen "$GEN" "$SIZE" >&2
	echo "== restoring $GEN into liberator_perf and dumping it with mariadb-dump" >&2
	$MYSQL -e 'DROP DATABASE IF EXISTS liberator_perf; CREATE DATABASE liberator_perf'
	unzip -p "$GEN" | $MYSQL liberator_perf
	local args=${MYSQL#mariadb }
	# shellcheck disable=SC2086
	mariadb-dump $args --single-transaction liberator_perf >"$WORK/real/liberator_dump_20261124.sql"
	$MYSQL -e 'DROP DATABASE liberator_perf'
	rm -f "$out"
	(cd "$WORK/real" && zip -q -1 "$(basename "$out")" liberator_dump_20261124.sql && rm liberator_dump_20261124.sql)
	echo "$SIZE" >"$out.size"
	echo "$out"
}

case ${1:-} in
gen) gen "$GEN" "$SIZE"; exit 0 ;;
mariadb-dump) DUMP=$(real_dump) ;;
"") gen "$GEN" "$SIZE"; DUMP=$GEN ;;
*) DUMP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); [[ -f $DUMP ]] || die "no dump $1" ;;
esac

date_args=()
[[ $(basename "$DUMP") =~ ^liberator_dump_[0-9]{6,8}\. ]] || date_args=(--date "$DATE")

unz() { # unz DUMP: the SQL on stdout, whatever the container
	case $1 in
	*.zip) unzip -p "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# timed NAME CMD...: run CMD under GNU time; append "wall rss_kb" to WORK/NAME.
timed() {
	local name=$1
	shift
	sync # the previous command's writes are not this one's to wait for
	if ! "$TIME" -f '%e %M %U %S' -o "$WORK/$name.last" "$@" >"$WORK/$name.out" 2>&1; then
		echo "perf.sh: $name failed:" >&2
		tail -n 5 "$WORK/$name.out" >&2
		exit 1
	fi
	tail -n 1 "$WORK/$name.last" >>"$WORK/$name"
}

run_lib() { # run_lib NAME ARGS...: liberator run on a fresh lake
	local name=$1
	shift
	rm -rf "$WORK/lake"
	timed "$name" "$BIN" run --dump "$DUMP" --lake "$WORK/lake" --quiet "${date_args[@]}" "$@"
	rm -rf "$WORK/lake"
}

# settle: write back dirty pages (the previous commands' files), then wait
# (up to 60 s) until the server's process uses under 5% of a CPU over a
# second: InnoDB flushes and purges for a while after a restore.
settle() {
	local pid t0 t1 i
	sync
	pid=$(pgrep -o -x mariadbd || pgrep -o -x mysqld || true)
	[[ -n $pid ]] || { sleep 5; return; }
	for i in $(seq 1 60); do
		t0=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null) || return
		sleep 1
		t1=$(awk '{print $14+$15}' "/proc/$pid/stat" 2>/dev/null) || return
		(((t1 - t0) * 100 < 5 * $(getconf CLK_TCK))) && return
	done
}

restore() { # the peer: a plain restore with the mariadb client
	$MYSQL -e 'DROP DATABASE IF EXISTS liberator_perf; CREATE DATABASE liberator_perf'
	timed restore bash -c "set -o pipefail; $(declare -f unz); unz '$DUMP' | $MYSQL liberator_perf"
	$MYSQL -e 'DROP DATABASE liberator_perf'
	settle
}

peers=(unzip landed full)
with_mysql=
if mysql_up; then
	with_mysql=1
	peers+=(restore)
else
	echo "== no server answers ($MYSQL): the restore peer is skipped"
fi
for p in "${peers[@]}"; do : >"$WORK/$p"; done

sql_bytes=$(unz "$DUMP" | wc -c)
echo "== $DUMP: $(stat -c %s "$DUMP") bytes, $sql_bytes bytes of SQL; $RUNS rounds on $(nproc) CPUs"
unz "$DUMP" >/dev/null # warm the page cache
for i in $(seq 1 "$RUNS"); do
	load=$(cut -d' ' -f1 /proc/loadavg)
	timed unzip bash -c "$(declare -f unz); unz '$DUMP' >/dev/null"
	run_lib landed --workflow none
	run_lib full
	[[ -n $with_mysql ]] && restore
	line="   round $i (load $load):"
	for p in "${peers[@]}"; do line+=" $p $(tail -n 1 "$WORK/$p" | cut -d' ' -f1)s"; done
	echo "$line"
done

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$WORK/$1"; }
ratio() { # ratio A B: median of the per-round ratios A/B
	paste -d' ' <(col "$1" 1) <(col "$2" 1) | awk '{printf "%.4f\n", $1/$2}' | median | awk '{printf "%.2f", $1}'
}

echo
echo "== summary ($(nproc) CPUs, $(date -u +%FT%TZ)), medians of $RUNS rounds"
printf '   %-34s %9s %9s %10s %12s %14s\n' command wall CPU "SQL MB/s" "peak RSS" "ratio"
describe() { # describe PEER LABEL RATIO
	local w rss cpu
	w=$(col "$1" 1 | median)
	rss=$(col "$1" 2 | median)
	cpu=$(awk '{printf "%.2f\n", $3+$4}' "$WORK/$1" | median)
	printf '   %-34s %8.2fs %8.2fs %10.0f %9.0f MiB %14s\n' "$2" "$w" "$cpu" "$(awk -v b="$sql_bytes" -v s="$w" 'BEGIN{print b/1e6/s}')" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$3"
}
describe unzip "unzip -p" "1.00× unzip"
describe landed "liberator run --workflow none" "$(ratio landed unzip)× unzip"
describe full "liberator run" "$(ratio full unzip)× unzip"
if [[ -n $with_mysql ]]; then
	describe restore "unzip -p | mariadb (restore)" "$(ratio restore unzip)× unzip"
	echo "   full run is $(ratio restore full)× faster than the restore (median of per-round ratios)"
fi
