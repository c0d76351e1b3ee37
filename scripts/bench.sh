#!/usr/bin/env bash
# bench.sh: what `make bench` runs.
#
# 1. The Go benchmarks of every package (go test -bench).
# 2. A load test with wrk of GET /api/v1/health/live on two servers built and
#    started here, on this machine, in this run:
#      full: the real binary (cmd/codementor) with its whole middleware chain,
#            writing its JSON access log to a real file;
#      bare: test/bench/bare, the same answer from Fiber with no middleware.
#    Runs alternate (bare, full, then full, bare, ...) so noise hits both
#    sides alike, and the figures are reported side by side with the ratio of
#    full to bare req/s, PASS at >= 70%, FAIL below. Absolute figures vary
#    from machine to machine; only the ratio is the target.
#
# The exit code is 0 whether the ratio passes or fails; it is non-zero only
# when something broke (a build, a server that would not start, wrk errors).
#
# Environment (all optional):
#   BENCH_DURATION     length of each measured wrk run            (10s)
#   BENCH_WARMUP       wrk warm-up before each measured run, 0 = none (2s)
#   BENCH_ROUNDS       measured runs per server                    (2)
#   BENCH_THREADS      wrk threads                                 (2)
#   BENCH_CONNECTIONS  wrk connections                             (64)
#   BENCH_GO_BENCHTIME go test -benchtime                          (1s)
#   BENCH_FULL_ADDR    address of the real server        (127.0.0.1:18080)
#   BENCH_BARE_ADDR    address of the bare server        (127.0.0.1:18081)
#   BENCH_START_TIMEOUT seconds to wait for a server or service     (20)
#   BENCH_LLMRELAY_RUNS runs per way of the LLM relay benchmark     (50)
#   BENCH_LLMRELAY_CHUNK_DELAY upstream pause between tokens, 0 = none (1ms)
#   BENCH_GRADING_RUNS  graded submissions per way and language    (30)
#   BENCH_CHAT_STREAMS  concurrent chat streams held               (1000)
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
ROUNDS=${BENCH_ROUNDS:-2}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
GO_BENCHTIME=${BENCH_GO_BENCHTIME:-1s}
FULL_ADDR=${BENCH_FULL_ADDR:-127.0.0.1:18080}
BARE_ADDR=${BENCH_BARE_ADDR:-127.0.0.1:18081}
START_TIMEOUT=${BENCH_START_TIMEOUT:-20}
LLMRELAY_RUNS=${BENCH_LLMRELAY_RUNS:-50}
LLMRELAY_CHUNK_DELAY=${BENCH_LLMRELAY_CHUNK_DELAY:-1ms}
GRADING_RUNS=${BENCH_GRADING_RUNS:-30}
CHAT_STREAMS=${BENCH_CHAT_STREAMS:-1000}
TARGET_PCT=70
LIVE_PATH=/api/v1/health/live
DB_NAME=codementor_bench

log() { printf '==> %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $START_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_START_TIMEOUT must be a positive integer, got '$START_TIMEOUT'"
[[ $LLMRELAY_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_LLMRELAY_RUNS must be a positive integer, got '$LLMRELAY_RUNS'"

# ---------------------------------------------------------------- tools

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		return 1
	fi
}

ensure_wrk() {
	command -v wrk >/dev/null 2>&1 && return 0
	log "wrk not found: installing it with apt-get"
	command -v apt-get >/dev/null 2>&1 ||
		die "wrk is not installed and apt-get is not available; install wrk (https://github.com/wg/wrk) and run again"
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; then
		log "apt-get install failed: running apt-get update and trying again"
		as_root apt-get update &&
			as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk ||
			die "could not install wrk with apt-get (are you root, and is a Debian mirror reachable?); install it by hand and run again"
	fi
	command -v wrk >/dev/null 2>&1 || die "apt-get reported success but wrk is still not on PATH"
}

command -v go >/dev/null 2>&1 || die "go is not on PATH"
for t in pg_isready psql redis-cli redis-server; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not on PATH (the benchmark needs PostgreSQL and Redis installed)"
done
ensure_wrk

# ---------------------------------------------------------------- services

wait_for() { # description, command...: retry for START_TIMEOUT seconds
	local what=$1 i
	shift
	for ((i = 0; i < START_TIMEOUT * 2; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	die "$what did not come up within ${START_TIMEOUT}s"
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; }

if ! pg_up; then
	command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not running on 127.0.0.1:5432 and pg_ctlcluster is missing"
	[[ -d /etc/postgresql ]] || die "PostgreSQL is not running and /etc/postgresql does not exist"
	# The newest installed major version, if there are several.
	pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
	[[ -n $pg_version ]] || die "PostgreSQL is not running and no cluster is configured under /etc/postgresql"
	log "starting PostgreSQL $pg_version"
	as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start ||
		die "could not start PostgreSQL cluster $pg_version/main"
	wait_for "PostgreSQL on 127.0.0.1:5432" pg_up
fi

if ! redis_up; then
	log "starting Redis"
	as_root mkdir -p /var/lib/redis /var/log/redis
	as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir /var/lib/redis --logfile /var/log/redis/ci.log || die "could not start redis-server"
	wait_for "Redis on 127.0.0.1:6379" redis_up
fi

psql_admin() { PGCONNECT_TIMEOUT=5 psql -w -X -q -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
# A fresh database each run: the bench data (its user, sessions) is throwaway,
# and a database left by an older checkout could hold an older schema.
psql_admin -tAc "SELECT 1" >/dev/null ||
	die "cannot connect to PostgreSQL as user postgres on 127.0.0.1 (trust auth expected)"
log "creating a fresh database $DB_NAME"
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME" ||
	die "could not create database $DB_NAME"

# ---------------------------------------------------------------- go benchmarks

log "Go benchmarks: go test -run '^\$' -bench . -benchmem -benchtime $GO_BENCHTIME ./..."
go test -run '^$' -bench . -benchmem -benchtime "$GO_BENCHTIME" ./...

# ---------------------------------------------------------------- servers

tmp=$(mktemp -d "${TMPDIR:-/tmp}/codementor-bench.XXXXXX")
pids=()
cleanup() {
	local pid i
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building the real server and the bare one"
go build -o "$tmp/codementor" ./cmd/codementor
go build -o "$tmp/bare" ./test/bench/bare
go build -o "$tmp/identity" ./test/bench/identity
go build -o "$tmp/llmrelay" ./test/bench/llmrelay

# http_get host port path: the raw HTTP/1.1 response, using only bash, so
# the script needs no curl.
http_get() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
		cat <&3
	' "$1" "$2" "$3" 2>/dev/null
}

live_ok() { # addr: the live route answers 200 with {"status":"ok"}
	local resp
	resp=$(http_get "${1%:*}" "${1##*:}" "$LIVE_PATH") || return 1
	[[ $resp == "HTTP/1.1 200"* && $resp == *'{"status":"ok"}'* ]]
}

wait_server() { # name, pid, addr, log file
	local name=$1 pid=$2 addr=$3 logf=$4 i
	for ((i = 0; i < START_TIMEOUT * 4; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			printf 'bench: the %s server exited before answering; last lines of its output:\n' "$name" >&2
			tail -n 20 "$logf" >&2 || true
			exit 1
		fi
		live_ok "$addr" && return 0
		sleep 0.25
	done
	printf 'bench: the %s server did not answer GET %s on %s within %ss; last lines of its output:\n' \
		"$name" "$LIVE_PATH" "$addr" "$START_TIMEOUT" >&2
	tail -n 20 "$logf" >&2 || true
	exit 1
}

for addr in "$FULL_ADDR" "$BARE_ADDR"; do
	if http_get "${addr%:*}" "${addr##*:}" / >/dev/null; then
		die "something already listens on $addr; stop it or set BENCH_FULL_ADDR / BENCH_BARE_ADDR"
	fi
done

# The full server's access log goes to a real file: writing it is part of
# the chain being measured. O_APPEND (>>) lets the script truncate it
# between runs without leaving the server writing at a stale offset.
full_log="$tmp/full.log"
log "starting the real server on $FULL_ADDR (log: access log to a file)"
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME?sslmode=disable" \
	REDIS_URL=redis://127.0.0.1:6379/0 JWT_SECRET=bench-only-jwt-secret-0123456789abcdef-0123456789 \
	AUTH_RATE_LOGIN_IP=100000000/1s AUTH_RATE_LOGIN_ACCOUNT=100000000/1s AUTH_RATE_REGISTER_IP=1000/1s \
	REDIS_KEY_PREFIX="cmbench:$$:" \
	HTTP_ADDR="$FULL_ADDR" \
	LOG_FORMAT=json \
	"$tmp/codementor" serve >>"$full_log" 2>&1 &
pids+=("$!")
full_pid=$!

bare_log="$tmp/bare.log"
log "starting the bare server on $BARE_ADDR"
"$tmp/bare" -addr "$BARE_ADDR" >>"$bare_log" 2>&1 &
pids+=("$!")
bare_pid=$!

wait_server full "$full_pid" "$FULL_ADDR" "$full_log"
wait_server bare "$bare_pid" "$BARE_ADDR" "$bare_log"

# ---------------------------------------------------------------- load test

to_ms() { # "123.45us" -> "0.123"
	awk -v v="$1" 'BEGIN {
		n = v; sub(/[a-z]+$/, "", n)
		u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") f = 0.001; else if (u == "ms") f = 1; else if (u == "s") f = 1000
		else if (u == "m") f = 60000; else if (u == "h") f = 3600000; else exit 1
		printf "%.3f", n * f
	}'
}

# run_wrk name url [log]: sets RPS, P50 and P99 (ms); log, if given, is
# emptied between the warm-up and the measured run. It runs in this shell,
# not in a subshell, so that die() stops the script and the cleanup trap runs.
run_wrk() {
	local name=$1 url=$2 logf=${3:-} out="$tmp/wrk.out" rps p50 p99
	if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${WRK_ARGS[@]}" "$url" >/dev/null ||
			die "wrk warm-up against the $name server failed"
	fi
	if [[ -n $logf ]]; then
		: >"$logf"
	fi
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${WRK_ARGS[@]}" "$url" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk against the $name server failed"; }
	if grep -q 'Non-2xx or 3xx responses' "$out"; then
		cat "$out" >&2
		die "the $name server answered errors under load; its figures would mean nothing"
	fi
	if grep -q 'Socket errors' "$out"; then
		printf 'bench: warning: wrk saw socket errors against the %s server: %s\n' \
			"$name" "$(grep 'Socket errors' "$out" | sed 's/^ *//')" >&2
	fi
	rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
	p50=$(awk '$1 == "50%" { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	if [[ -z $rps || -z $p50 || -z $p99 ]]; then
		cat "$out" >&2
		die "could not read Requests/sec and the 50%/99% latencies from wrk's output"
	fi
	RPS=$rps
	P50=$(to_ms "$p50") || die "unknown latency unit in '$p50'"
	P99=$(to_ms "$p99") || die "unknown latency unit in '$p99'"
}

WRK_ARGS=() # extra wrk arguments (headers, a script) for the next run_wrk

median() { # numbers... -> median
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.3f", v[(NR + 1) / 2]
		else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

full_url="http://$FULL_ADDR$LIVE_PATH"
bare_url="http://$BARE_ADDR$LIVE_PATH"
declare -a bare_rps=() bare_p50=() bare_p99=() full_rps=() full_p50=() full_p99=()

measure_bare() {
	run_wrk bare "$bare_url"
	bare_rps+=("$RPS") bare_p50+=("$P50") bare_p99+=("$P99")
	printf '    round %d  bare  %12.2f req/s  p50 %8.3f ms  p99 %8.3f ms\n' "$r" "$RPS" "$P50" "$P99"
}

measure_full() {
	local lines
	run_wrk full "$full_url" "$full_log"
	full_rps+=("$RPS") full_p50+=("$P50") full_p99+=("$P99")
	# Every request must have left an access log line, or the run did not
	# measure the chain it claims to.
	lines=$(wc -l <"$full_log")
	printf '    round %d  full  %12.2f req/s  p50 %8.3f ms  p99 %8.3f ms  (%s access log lines)\n' \
		"$r" "$RPS" "$P50" "$P99" "$lines"
	[[ $lines -gt 0 ]] || die "the real server wrote no access log lines during its run"
	: >"$full_log"
}

# Rounds alternate their order (bare then full, full then bare, ...) so a
# drift of the machine during the run (another job starting, a CPU heating
# up) weighs on both sides alike instead of always on the one measured first.
log "wrk: $ROUNDS round(s) alternating bare/full, -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP), $(nproc) CPU(s) shared by wrk and the servers"
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		measure_bare
		measure_full
	else
		measure_full
		measure_bare
	fi
	printf '    round %d  full/bare req/s %s%%\n' "$r" \
		"$(awk -v f="${full_rps[-1]}" -v b="${bare_rps[-1]}" 'BEGIN { printf "%.1f", 100 * f / b }')"
done

b_rps=$(median "${bare_rps[@]}") b_p50=$(median "${bare_p50[@]}") b_p99=$(median "${bare_p99[@]}")
f_rps=$(median "${full_rps[@]}") f_p50=$(median "${full_p50[@]}") f_p99=$(median "${full_p99[@]}")
ratio=$(awk -v f="$f_rps" -v b="$b_rps" 'BEGIN { printf "%.1f", 100 * f / b }')
if awk -v f="$f_rps" -v b="$b_rps" -v t="$TARGET_PCT" 'BEGIN { exit !(100 * f >= t * b) }'; then
	verdict="PASS (>= ${TARGET_PCT}%)"
else
	verdict="FAIL (< ${TARGET_PCT}%)"
fi

echo
echo "GET $LIVE_PATH: median of $ROUNDS alternating run(s) of $DURATION each, wrk -t$THREADS -c$CONNECTIONS"
printf '%-28s %14s %10s %10s\n' target req/s "p50 ms" "p99 ms"
printf '%-28s %14.2f %10.3f %10.3f\n' "bare fiber (no middleware)" "$b_rps" "$b_p50" "$b_p99"
printf '%-28s %14.2f %10.3f %10.3f\n' "full chain (codementor)" "$f_rps" "$f_p50" "$f_p99"
echo
echo "full/bare req/s: ${ratio}%  ->  $verdict"

summary=("GET $LIVE_PATH full/bare req/s: ${ratio}% -> $verdict")

# ---------------------------------------------------------------- identity

ratio_line() { # label value base target: prints and records a PASS/FAIL line
	local label=$1 v=$2 b=$3 t=$4 pct verdict
	pct=$(awk -v v="$v" -v b="$b" 'BEGIN { printf "%.1f", 100 * v / b }')
	if awk -v v="$v" -v b="$b" -v t="$t" 'BEGIN { exit !(100 * v >= t * b) }'; then
		verdict="PASS (>= ${t}%)"
	else
		verdict="FAIL (< ${t}%)"
	fi
	echo "$label: ${pct}%  ->  $verdict"
	summary+=("$label: ${pct}% -> $verdict")
}

token=$("$tmp/identity" token -base "http://$FULL_ADDR") || die "could not sign the bench user in"

echo
log "GET /api/v1/users/me (authenticated) vs the bare handler: $ROUNDS alternating round(s)"
declare -a me_rps=() me_p50=() me_p99=() bare2_rps=()
for ((r = 1; r <= ROUNDS; r++)); do
	WRK_ARGS=(-H "Authorization: Bearer $token")
	run_wrk "users/me" "http://$FULL_ADDR/api/v1/users/me" "$full_log"
	me_rps+=("$RPS") me_p50+=("$P50") me_p99+=("$P99")
	printf '    round %d  users/me %12.2f req/s  p50 %8.3f ms  p99 %8.3f ms\n' "$r" "$RPS" "$P50" "$P99"
	: >"$full_log"
	WRK_ARGS=()
	run_wrk bare "$bare_url"
	bare2_rps+=("$RPS")
	printf '    round %d  bare     %12.2f req/s\n' "$r" "$RPS"
done
m_rps=$(median "${me_rps[@]}") b2_rps=$(median "${bare2_rps[@]}")
printf '%-28s %14.2f %10.3f %10.3f\n' "GET /users/me" "$m_rps" "$(median "${me_p50[@]}")" "$(median "${me_p99[@]}")"
printf '%-28s %14.2f\n' "bare fiber (same run)" "$b2_rps"
ratio_line "GET /users/me vs bare req/s" "$m_rps" "$b2_rps" 50

echo
log "GET /api/v1/exercises/daily (today's exercise already assigned) vs the bare handler: $ROUNDS alternating round(s)"
curl -fsS -H "Authorization: Bearer $token" "http://$FULL_ADDR/api/v1/exercises/daily" >/dev/null ||
	die "GET /exercises/daily failed for the bench user"
declare -a daily_rps=() daily_p50=() daily_p99=() bare3_rps=()
for ((r = 1; r <= ROUNDS; r++)); do
	WRK_ARGS=(-H "Authorization: Bearer $token")
	run_wrk "daily" "http://$FULL_ADDR/api/v1/exercises/daily" "$full_log"
	daily_rps+=("$RPS") daily_p50+=("$P50") daily_p99+=("$P99")
	printf '    round %d  daily    %12.2f req/s  p50 %8.3f ms  p99 %8.3f ms\n' "$r" "$RPS" "$P50" "$P99"
	: >"$full_log"
	WRK_ARGS=()
	run_wrk bare "$bare_url"
	bare3_rps+=("$RPS")
	printf '    round %d  bare     %12.2f req/s\n' "$r" "$RPS"
done
d_rps=$(median "${daily_rps[@]}") b3_rps=$(median "${bare3_rps[@]}")
printf '%-28s %14.2f %10.3f %10.3f\n' "GET /exercises/daily" "$d_rps" "$(median "${daily_p50[@]}")" "$(median "${daily_p99[@]}")"
printf '%-28s %14.2f\n' "bare fiber (same run)" "$b3_rps"
ratio_line "GET /exercises/daily vs bare req/s" "$d_rps" "$b3_rps" 40

echo
log "POST /api/v1/auth/login vs the raw argon2id verification rate (every CPU), $ROUNDS round(s)"
declare -a login_rps=() hash_rps=()
for ((r = 1; r <= ROUNDS; r++)); do
	hr=$("$tmp/identity" hashrate -duration "$DURATION") || die "hash rate measurement failed"
	hash_rps+=("$hr")
	WRK_ARGS=(-s test/bench/login.lua)
	saved_c=$CONNECTIONS saved_t=$THREADS
	# More connections than CPUs, so a hash is always waiting while another
	# request does its I/O (the server runs at most one hash per CPU anyway);
	# one wrk thread is plenty for ~100 req/s and leaves the CPUs to the server.
	CONNECTIONS=8 THREADS=1
	run_wrk login "http://$FULL_ADDR/api/v1/auth/login" "$full_log"
	CONNECTIONS=$saved_c THREADS=$saved_t
	WRK_ARGS=()
	login_rps+=("$RPS")
	: >"$full_log"
	printf '    round %d  raw hash %8.2f /s   login %8.2f req/s  p50 %8.3f ms  p99 %8.3f ms\n' "$r" "$hr" "$RPS" "$P50" "$P99"
done
l_rps=$(median "${login_rps[@]}") h_rps=$(median "${hash_rps[@]}")
ratio_line "POST /auth/login vs raw argon2id rate" "$l_rps" "$h_rps" 85

# ---------------------------------------------------------------- llm relay

# test/bench/llmrelay streams the same answer from an in-process fake
# upstream (OpenAI, then Anthropic) two ways, alternating run by run: a plain
# net/http client reading the SSE directly, and router.Stream over the real
# adapter. The targets (median TTFT overhead < 1 ms, median total stream time
# overhead < 5% for a 500-token answer) live in the tool, which prints one
# RELAY key=value line per provider with its verdicts.
echo
log "LLM relay overhead: router + adapter vs a plain client on the same fake upstream, $LLMRELAY_RUNS alternating run(s) per way"
relay_out="$tmp/llmrelay.out"
"$tmp/llmrelay" -n "$LLMRELAY_RUNS" -tokens 500 -chunk-delay "$LLMRELAY_CHUNK_DELAY" | tee "$relay_out" ||
	die "the LLM relay benchmark failed"
grep -q '^RELAY ' "$relay_out" || die "the LLM relay benchmark printed no RELAY line"
while IFS= read -r line; do
	summary+=("$line")
done < <(awk '$1 == "RELAY" {
	delete v
	for (i = 2; i <= NF; i++) { j = index($i, "="); v[substr($i, 1, j - 1)] = substr($i, j + 1) }
	printf "LLM relay %s (%s tokens, %s/chunk) TTFT overhead: %+.3f ms -> %s (< %s ms); total overhead: %+.2f%% -> %s (< %s%%)\n",
		v["provider"], v["tokens"], v["chunk_delay"], v["ttft_overhead_ms"], v["ttft"], v["target_ttft_ms"],
		v["total_overhead_pct"], v["total"], v["target_total_pct"]
}' "$relay_out")

# test/bench/grading grades a passing 8-test solution through the bubblewrap
# sandbox and directly (same harness, no sandbox), alternating, and prints
# one GRADING line per language (target: < 50 ms added for Python and
# JavaScript at the median; Go's compile step dominates, no target).
echo
log "Grading: the sandbox's overhead per submission, $GRADING_RUNS run(s) per way"
grading_out="$tmp/grading.out"
go run ./test/bench/grading -n "$GRADING_RUNS" | tee "$grading_out" || die "the grading benchmark failed"
while IFS= read -r line; do
	summary+=("$line")
done < <(awk '$1 == "GRADING" {
	delete v
	for (i = 2; i <= NF; i++) { j = index($i, "="); v[substr($i, 1, j - 1)] = substr($i, j + 1) }
	printf "Grading %s: sandbox p50 %s ms vs direct %s ms, overhead p50 %s ms, p95 %s ms -> %s\n",
		v["lang"], v["sandbox_p50_ms"], v["direct_p50_ms"], v["overhead_p50_ms"], v["overhead_p95_ms"], v["target"]
}' "$grading_out")

# test/bench/chatstream starts its own server (the binary built here) on a
# fresh database with a fake upstream emitting a token every 50 ms, and
# prints CHAT lines: time to first token through /chat/stream vs the
# upstream directly, memory per held stream, and cleanup after the clients
# are killed. It runs twice: with the upstream speaking HTTPS and HTTP/2,
# as OpenAI's and Anthropic's APIs do (h2), then plain HTTP/1.1, as a
# local model server may (h1: one upstream connection per stream).
echo
log "Tutor chat streaming: TTFT overhead, $CHAT_STREAMS held streams, cleanup (upstream over HTTP/2, then HTTP/1.1)"
go build -o "$tmp/chatstream" ./test/bench/chatstream || die "could not build test/bench/chatstream"
for proto in h2 h1; do
	psql_admin -c "DROP DATABASE IF EXISTS ${DB_NAME}_chat WITH (FORCE)" -c "CREATE DATABASE ${DB_NAME}_chat" >/dev/null ||
		die "could not create database ${DB_NAME}_chat"
	chat_out="$tmp/chatstream-$proto.out"
	"$tmp/chatstream" -bin "$tmp/codementor" -database-url "postgres://postgres@127.0.0.1:5432/${DB_NAME}_chat?sslmode=disable" \
		-streams "$CHAT_STREAMS" -upstream "$proto" 2>/dev/null | tee "$chat_out" || die "the chat streaming benchmark failed ($proto)"
	while IFS= read -r line; do
		summary+=("$line")
	done < <(grep '^CHAT ' "$chat_out")
done

# ---------------------------------------------------------------- review preparation (begin)
# test/bench/reviewprep runs a code review's preparation (RunReview: tree,
# file selection, blob reads, redaction, token-budget packing, prompts) over
# the real GitHub adapter against the fake GitHub API, run in a child
# process so its buffers do not count, with a model that answers at once.
# Synthetic repositories of 2,000 files / 50 MiB, 10,000 files / 250 MiB and
# 50,000 files / 250 MiB; wall time and peak heap (sampled every 1 ms) per
# repository, one REVIEWPREP line each (target: the preparation's peak heap
# < 64 MiB whatever the size; the absolute peak is printed beside it).
# BENCH_REVIEWPREP_RUNS: measured runs per repository (3).
REVIEWPREP_RUNS=${BENCH_REVIEWPREP_RUNS:-3}
[[ $REVIEWPREP_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REVIEWPREP_RUNS must be a positive integer, got '$REVIEWPREP_RUNS'"
echo
log "Review preparation: 2,000-, 10,000- and 50,000-file repositories, $REVIEWPREP_RUNS run(s) each"
go build -o "$tmp/reviewprep" ./test/bench/reviewprep || die "could not build test/bench/reviewprep"
reviewprep_out="$tmp/reviewprep.out"
"$tmp/reviewprep" -repos 2000:50,10000:250,50000:250 -runs "$REVIEWPREP_RUNS" -target-mib 64 | tee "$reviewprep_out" ||
	die "the review preparation benchmark failed"
grep -q '^REVIEWPREP ' "$reviewprep_out" || die "the review preparation benchmark printed no REVIEWPREP line"
while IFS= read -r line; do
	summary+=("$line")
done < <(awk '$1 == "REVIEWPREP" {
	delete v
	for (i = 2; i <= NF; i++) { j = index($i, "="); v[substr($i, 1, j - 1)] = substr($i, j + 1) }
	printf "Review preparation %s files / %s MiB: wall p50 %s ms, preparation peak heap %s MiB -> %s (< %s MiB; absolute %s MiB with %s MiB baseline), blobs read %s, files skipped %s\n",
		v["files"], v["mib"], v["wall_p50_ms"], v["prep_peak_mib"], v["result"], v["target_mib"], v["peak_heap_gogc100_mib"], v["baseline_mib"], v["blobs_read"], v["skipped"]
}' "$reviewprep_out")
# ---------------------------------------------------------------- review preparation (end)

echo
echo "Summary (figures are ratios measured side by side in this run):"
printf '  %s\n' "${summary[@]}"
