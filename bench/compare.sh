#!/usr/bin/env bash
# bench/compare.sh: edgegate side by side with peer S3 servers, in one run.
#
# Starts edgegate, versitygw (posix backend, --keep-alive) and moto on
# 127.0.0.1, loads the same bucket and objects into each, then drives each
# with wrk, interleaved: every round runs every scenario against every
# server back to back (server order rotated each round), and prints the
# medians, latencies and edgegate/peer ratios. Requests are SigV4-signed by
# aws-sdk-go-v2 (bench/cmd/benchtool) and replayed by bench/wrk/replay.lua.
# A run with any error or non-2xx response is flagged and left out of the
# medians. See docs/benchmarks.md.
#
# Usage: bench/compare.sh [--rounds N] [--duration D] [--connections C]
#          [--threads T] [--peers LIST] [--scenarios LIST] [--no-edgegate]
#          [--no-syscalls] [--out DIR]
# Each flag has an environment variable of the same name in capitals
# (ROUNDS, DURATION, ...); see --help.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

usage() {
  cat <<'EOF'
Usage: bench/compare.sh [flags]

Flags (environment variable in brackets, then default):
  --rounds N           [ROUNDS]            3      rounds; each runs every scenario on every server
  --duration D         [DURATION]          10s    wrk duration of one run (wrk syntax: 10s, 1m)
  --connections C      [CONNECTIONS]       32     wrk connections
  --threads T          [THREADS]           2      wrk threads
  --peers LIST         [PEERS]             "versitygw moto"  peers to run beside edgegate ("none": edgegate alone)
  --scenarios LIST     [SCENARIOS]         "get1k get10k get1m put10k"
  --no-edgegate        [EDGEGATE=0]        run the peers only (edgegate not built or started)
  --no-syscalls        [SYSCALLS=0]        skip the syscall profile (strace) after the rounds
  --strict             [STRICT=1]          count every non-2xx in wrk's response() hook (slower client)
  --log-requests       [LOG_REQUESTS=1]    per-request logging on in edgegate and versitygw (off by default)
  --out DIR            [OUT]               bench/out/YYYYmmdd-HHMMSS  where results and logs go
Other environment variables:
  MOTO_DURATION (5s) MOTO_CONNECTIONS (8)  moto is ~40x slower: shorter, lighter runs
  WARMUP (2s)                              untimed run per server and scenario before round 1
  WRK_TIMEOUT (5s)                         a response slower than this counts as a timeout error
  COUNT (256)                              distinct signed requests per run, cycled by wrk
  SYSCALL_DURATION (2s) SYSCALL_CONNECTIONS (4)  the strace run per server and scenario
  VERSITYGW_BIN, EDGEGATE_BIN              use these binaries instead of building/installing
  BENCH_CACHE (bench/.cache)               where built binaries go
  KEEP=1                                   keep the temporary data dirs under /tmp
Lists take spaces or commas. Exit status: 0 clean, 3 if a run was flagged or a target missed.
EOF
}

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PEERS=${PEERS:-versitygw moto}
SCENARIOS=${SCENARIOS:-get1k get10k get1m put10k}
EDGEGATE=${EDGEGATE:-1}
SYSCALLS=${SYSCALLS:-1}
STRICT=${STRICT:-0}
LOG_REQUESTS=${LOG_REQUESTS:-0}
MOTO_DURATION=${MOTO_DURATION:-5s}
MOTO_CONNECTIONS=${MOTO_CONNECTIONS:-8}
WARMUP=${WARMUP:-2s}
WRK_TIMEOUT=${WRK_TIMEOUT:-5s}
COUNT=${COUNT:-256}
SYSCALL_DURATION=${SYSCALL_DURATION:-2s}
SYSCALL_CONNECTIONS=${SYSCALL_CONNECTIONS:-4}
CACHE=${BENCH_CACHE:-$HERE/.cache}
VERSITYGW_VERSION=v1.8.0
KEEP=${KEEP:-0}
OUT=${OUT:-}

die() { echo "compare.sh: $*" >&2; exit 2; }

while (($#)); do
  arg=$1 val='' shift_by=1
  case $arg in
    --*=*) val=${arg#*=}; arg=${arg%%=*} ;;
    --rounds|--duration|--connections|--threads|--peers|--scenarios|--out)
      (($# >= 2)) || die "$arg needs a value"
      val=$2 shift_by=2 ;;
  esac
  case $arg in
    -h|--help) usage; exit 0 ;;
    --rounds) ROUNDS=$val ;;
    --duration) DURATION=$val ;;
    --connections) CONNECTIONS=$val ;;
    --threads) THREADS=$val ;;
    --peers) PEERS=$val ;;
    --scenarios) SCENARIOS=$val ;;
    --out) OUT=$val ;;
    --no-edgegate) EDGEGATE=0 ;;
    --no-syscalls) SYSCALLS=0 ;;
    --strict) STRICT=1 ;;
    --log-requests) LOG_REQUESTS=1 ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
  shift "$shift_by"
done

PEERS=${PEERS//,/ }
[[ $PEERS == none ]] && PEERS=''
SCENARIOS=${SCENARIOS//,/ }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
for v in CONNECTIONS THREADS MOTO_CONNECTIONS COUNT SYSCALL_CONNECTIONS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
for v in DURATION MOTO_DURATION WARMUP WRK_TIMEOUT SYSCALL_DURATION; do
  [[ ${!v} =~ ^[0-9]+[smh]?$ ]] || die "$v must be a wrk duration like 10s, not '${!v}'"
done
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
for p in $PEERS; do
  case $p in versitygw|moto) ;; *) die "unknown peer '$p' (versitygw, moto)" ;; esac
done

SERVERS=()
[[ $EDGEGATE == 1 ]] && SERVERS+=(edgegate)
for p in $PEERS; do SERVERS+=("$p"); done
((${#SERVERS[@]} > 0)) || die "nothing to run: no edgegate and no peer"

log() { printf '%s %s\n' "$(date +%T)" "$*"; }

# ---------------------------------------------------------------- installs

mkdir -p "$CACHE/bin"

apt_install() {
  local pkg=$1
  log "installing $pkg from Debian (apt-get)"
  if [[ $(id -u) != 0 ]]; then
    die "$pkg is missing and this is not root: sudo apt-get install -y $pkg"
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

command -v go >/dev/null || die "go is not on PATH"
command -v wrk >/dev/null || apt_install wrk
if [[ $SYSCALLS == 1 ]] && ! command -v strace >/dev/null; then
  apt_install strace || { log "strace could not be installed: no syscall profile"; SYSCALLS=0; }
fi

log "building bench/cmd/benchtool"
(cd "$ROOT" && go build -o "$CACHE/benchtool" ./bench/cmd/benchtool)
BT=$CACHE/benchtool

if [[ $EDGEGATE == 1 ]]; then
  if [[ -n ${EDGEGATE_BIN:-} ]]; then
    EG=$EDGEGATE_BIN
  else
    log "building edgegate (go build ./cmd/edgegate)"
    (cd "$ROOT" && go build -o "$CACHE/edgegate" ./cmd/edgegate) ||
      die "edgegate does not build; fix it, or run the peers alone with --no-edgegate"
    EG=$CACHE/edgegate
  fi
fi

# versitygw_ok BIN: BIN is versitygw at the pinned version.
versitygw_ok() {
  [[ -x $1 ]] && go version -m "$1" 2>/dev/null |
    grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/versity/versitygw[[:space:]]+${VERSITYGW_VERSION}[[:space:]]"
}

if [[ " ${SERVERS[*]} " == *" versitygw "* ]]; then
  if [[ -n ${VERSITYGW_BIN:-} ]]; then
    VGW=$VERSITYGW_BIN
  elif versitygw_ok "$CACHE/bin/versitygw"; then
    VGW=$CACHE/bin/versitygw
  elif versitygw_ok "$(go env GOPATH)/bin/versitygw"; then
    VGW=$(go env GOPATH)/bin/versitygw
  else
    log "installing versitygw $VERSITYGW_VERSION into $CACHE/bin (go install; about 2 minutes)"
    GOBIN=$CACHE/bin go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
    VGW=$CACHE/bin/versitygw
  fi
fi

if [[ " ${SERVERS[*]} " == *" moto "* ]] && ! python3 -c 'import moto.server' 2>/dev/null; then
  # moto comes from PyPI, which these machines do not reach; Debian has no package.
  log "moto is not installed (python3 -m moto.server): running without it"
  SERVERS=("${SERVERS[@]/moto}")
  read -ra SERVERS <<<"${SERVERS[*]}"
fi

# ---------------------------------------------------------------- servers

WORK=$(mktemp -d /tmp/edgegate-bench.XXXXXX)
[[ -n $OUT ]] || OUT=$HERE/out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/logs" "$OUT/wrk"
RESULTS=$OUT/results.txt
SYSRESULTS=$OUT/syscalls.txt
: >"$RESULTS"
: >"$SYSRESULTS"
CLK_TCK=$(getconf CLK_TCK)

declare -A PID PORT
STRACE_PID='' WRK_PID=''

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $WRK_PID ]]; then kill "$WRK_PID" 2>/dev/null || true; fi
  if [[ -n $STRACE_PID ]]; then kill "$STRACE_PID" 2>/dev/null || true; fi
  local s p
  for s in "${!PID[@]}"; do
    p=${PID[$s]}
    kill -TERM "$p" 2>/dev/null || true
  done
  for s in "${!PID[@]}"; do
    p=${PID[$s]}
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [[ $KEEP == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_port() { # NAME PORT
  for _ in $(seq 300); do
    if ! kill -0 "${PID[$1]}" 2>/dev/null; then
      echo "compare.sh: $1 exited during start-up; its log:" >&2
      tail -n 20 "$OUT/logs/$1.log" >&2
      exit 2
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$1 did not listen on 127.0.0.1:$2 within 30s (log: $OUT/logs/$1.log)"
}

start_server() { # NAME
  local s=$1 port
  port=$("$BT" freeport)
  PORT[$s]=$port
  case $s in
    edgegate)
      local lr=false
      [[ $LOG_REQUESTS == 1 ]] && lr=true
      mkdir -p "$WORK/edgegate"
      "$EG" serve --listen "127.0.0.1:$port" --data "$WORK/edgegate" --log-requests="$lr" \
        >"$OUT/logs/edgegate.log" 2>&1 &
      ;;
    versitygw)
      local quiet=(--quiet)
      [[ $LOG_REQUESTS == 1 ]] && quiet=()
      mkdir -p "$WORK/versitygw"
      "$VGW" --access test --secret test --region us-east-1 --port "127.0.0.1:$port" --keep-alive \
        "${quiet[@]}" posix "$WORK/versitygw" >"$OUT/logs/versitygw.log" 2>&1 &
      ;;
    moto)
      (cd "$WORK" && exec python3 -m moto.server -H 127.0.0.1 -p "$port") >"$OUT/logs/moto.log" 2>&1 &
      ;;
  esac
  PID[$s]=$!
  wait_port "$s" "$port"
  log "$s listening on 127.0.0.1:$port (pid ${PID[$s]})"
}

# cpu_ticks PID -> utime+stime of the process, all threads.
# cpu_ticks PID children -> cutime+cstime: its waited-for children's.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  if [[ ${2:-} == children ]]; then
    awk '{print $14 + $15}' <<<"$stat"
  else
    awk '{print $12 + $13}' <<<"$stat"
  fi
}

# busy_ticks -> CPU time the whole machine spent busy, all cores.
busy_ticks() {
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

for s in "${SERVERS[@]}"; do start_server "$s"; done
for s in "${SERVERS[@]}"; do
  "$BT" setup -endpoint "http://127.0.0.1:${PORT[$s]}" >>"$OUT/logs/setup.log" 2>&1 ||
    { cat "$OUT/logs/setup.log" >&2; die "setup against $s failed"; }
done
log "bucket 'bench' and objects loaded on ${SERVERS[*]}"
declare -A AUTH
for s in "${SERVERS[@]}"; do
  AUTH[$s]=$("$BT" authcheck -endpoint "http://127.0.0.1:${PORT[$s]}" 2>&1) || AUTH[$s]="authcheck failed: ${AUTH[$s]}"
done

# ---------------------------------------------------------------- runs

# run_wrk SERVER SCENARIO LABEL RECORD_FILE [STRACE]
# One wrk run. With RECORD_FILE empty the result is not recorded (warm-up).
run_wrk() {
  local s=$1 sc=$2 label=$3 record=$4 trace=${5:-}
  local dur=$DURATION conns=$CONNECTIONS threads=$THREADS
  if [[ $s == moto ]]; then dur=$MOTO_DURATION; conns=$MOTO_CONNECTIONS; fi
  [[ $label == warmup ]] && dur=$WARMUP
  if [[ -n $trace ]]; then dur=$SYSCALL_DURATION; conns=$SYSCALL_CONNECTIONS; fi
  ((threads <= conns)) || threads=$conns
  local reqs=$WORK/req-$s-$sc.bin out=$OUT/wrk/$label-$sc-$s.txt
  local meta="round=${label#r} scenario=$sc server=$s conns=$conns threads=$threads duration=$dur"
  [[ -n $trace ]] && meta="scenario=$sc server=$s conns=$conns threads=$threads duration=$dur"

  # Signed now, so X-Amz-Date is fresh whatever the run's length.
  if ! "$BT" prepare -endpoint "http://127.0.0.1:${PORT[$s]}" -scenario "$sc" -count "$COUNT" \
      -out "$reqs" >"$out.prepare" 2>&1; then
    log "$label $sc $s: PREFLIGHT FAILED: $(tail -n 1 "$out.prepare")"
    [[ -n $record ]] && echo "$meta failed=preflight" >>"$record"
    return 0
  fi

  local t0 t1 w0 w1 m0 m1 e0 e1 result
  if [[ -n $trace ]]; then
    strace -f -qq -s 0 -e trace="$("$BT" syscalls -list)" -o "$trace" -p "${PID[$s]}" 2>"$trace.err" &
    STRACE_PID=$!
    sleep 1 # let strace attach to every thread
  fi
  t0=$(cpu_ticks "${PID[$s]}") w0=$(cpu_ticks $$ children) m0=$(busy_ticks) e0=${EPOCHREALTIME/[.,]/}
  # In the background so that a signal to this script is handled at once.
  BENCH_REQUESTS=$reqs BENCH_STRICT=$STRICT \
    wrk -t "$threads" -c "$conns" -d "$dur" --timeout "$WRK_TIMEOUT" -s "$HERE/wrk/replay.lua" \
    "http://127.0.0.1:${PORT[$s]}/" >"$out" 2>&1 </dev/null &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=
  e1=${EPOCHREALTIME/[.,]/} t1=$(cpu_ticks "${PID[$s]}") w1=$(cpu_ticks $$ children) m1=$(busy_ticks)
  if [[ -n $trace ]]; then
    kill -INT "$STRACE_PID" 2>/dev/null || true
    wait "$STRACE_PID" 2>/dev/null || true
    STRACE_PID=
  fi
  result=$(sed -n 's/^BENCHRESULT //p' "$out" | tail -n 1)
  if ! kill -0 "${PID[$s]}" 2>/dev/null; then
    log "$label $sc $s: SERVER DIED (log: $OUT/logs/$s.log)"
    [[ -n $record ]] && echo "$meta failed=server-exited" >>"$record"
    exit 2
  fi
  if [[ -z $result ]]; then
    log "$label $sc $s: wrk gave no result (see $out)"
    [[ -n $record ]] && echo "$meta failed=wrk" >>"$record"
    return 0
  fi
  if [[ -n $trace ]]; then
    local sys
    sys=$("$BT" syscalls -trace "$trace") || sys=""
    [[ -n $record ]] && echo "$meta $result $sys" >>"$record"
    rm -f "$trace"
    log "syscalls $sc $s: $(awk '{for (i=1;i<=NF;i++) if ($i ~ /^requests=/) print $i}' <<<"$result") traced"
    return 0
  fi
  [[ -n $record ]] && echo "$meta cpu_ticks=$((t1 - t0)) wrk_ticks=$((w1 - w0)) busy_ticks=$((m1 - m0)) wall_us=$((e1 - e0)) clk_tck=$CLK_TCK $result" >>"$record"
  # One line of progress.
  awk -v now="$(date +%T)" -v label="$label" -v sc="$sc" -v s="$s" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      errs = f["err_connect"] + f["err_read"] + f["err_write"] + f["err_timeout"] + f["err_status"] + f["non2xx"]
      printf "%s %-6s %-7s %-9s %9.0f req/s  p50 %7.2fms  p99 %7.2fms  errors %d%s\n", now, label, sc, s,
        f["requests"] / (f["duration_us"] / 1e6), f["p50_us"] / 1000, f["p99_us"] / 1000, errs, errs ? "  FLAGGED" : ""
    }' <<<"$result"
}

{
  echo "# edgegate comparison $(date -Is) on $(uname -n): $(nproc) cores"
  echo "# rounds=$ROUNDS duration=$DURATION connections=$CONNECTIONS threads=$THREADS moto: duration=$MOTO_DURATION connections=$MOTO_CONNECTIONS"
  echo "# servers: ${SERVERS[*]}; scenarios: $SCENARIOS; strict=$STRICT log_requests=$LOG_REQUESTS"
  echo "# $(wrk -v 2>&1 | head -n 1)"
  if [[ -n ${VGW:-} ]]; then echo "# versitygw: $VGW ($VERSITYGW_VERSION)"; fi
  for s in "${SERVERS[@]}"; do echo "# $s ${AUTH[$s]}"; done
  if [[ -n ${EG:-} ]]; then
    rev=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null) || rev="no commit"
    if [[ -n $(cd "$ROOT" && git status --porcelain -- . ':!bench' ':!docs' 2>/dev/null) ]]; then
      rev+=", uncommitted changes"
    fi
    echo "# edgegate: $EG ($rev)"
  fi
} | tee "$OUT/header.txt" | sed 's/^# //'

if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
  log "warm-up: $WARMUP per server and scenario (not recorded)"
  for sc in $SCENARIOS; do
    for s in "${SERVERS[@]}"; do run_wrk "$s" "$sc" warmup "" >/dev/null; done
  done
fi

n=${#SERVERS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS"
  for sc in $SCENARIOS; do
    for ((k = 0; k < n; k++)); do
      s=${SERVERS[$(((k + r - 1) % n))]}
      run_wrk "$s" "$sc" "r$r" "$RESULTS"
    done
  done
done

SYSARG=()
if [[ $SYSCALLS == 1 ]]; then
  log "syscall profile: $SYSCALL_DURATION, $SYSCALL_CONNECTIONS connections per server and scenario, under strace (not timed)"
  for sc in $SCENARIOS; do
    for s in "${SERVERS[@]}"; do run_wrk "$s" "$sc" syscalls "$SYSRESULTS" "$WORK/strace-$s-$sc.txt"; done
  done
  SYSARG=(-syscalls "$SYSRESULTS")
fi

echo
status=0
"$BT" report -results "$RESULTS" "${SYSARG[@]}" | tee "$OUT/report.txt" || status=$?
echo
log "results, wrk output and server logs: $OUT"
exit "$status"
