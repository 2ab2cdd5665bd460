#!/usr/bin/env bash
# bench/edge/compare.sh: edgegate's edge (CloudFront viewer requests) beside
# nginx proxy_cache and Varnish in front of the same origin (edgegate's own S3
# endpoint), on 127.0.0.1, in one run, interleaved. How it works, fairness and
# results: docs/benchmarks.md, section "Edge cache".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH=$(dirname "$HERE")
ROOT=$(dirname "$BENCH")

usage() {
  cat <<'EOF'
Usage: bench/edge/compare.sh [options]

Hits (wrk, interleaved rounds), cold-miss latency, coalescing of concurrent misses and
memory per cached object, for edgegate's edge, nginx proxy_cache and Varnish, all in
front of the same edgegate S3 origin on 127.0.0.1.

Options (flag, [environment variable], default):
  --rounds N           [ROUNDS]        5      hit rounds; each runs every size on every server
  --duration D         [DURATION]      10s    one wrk run (wrk syntax)
  --connections C      [CONNECTIONS]   64     wrk connections
  --threads T          [THREADS]       2      wrk threads
  --sizes LIST         [SIZES]         "1k 10k 1m"
  --servers LIST       [SERVERS]       "edgegate nginx varnish"
  --out DIR            [OUT]           bench/out/edge-YYYYmmdd-HHMMSS
Other environment variables:
  WARMUP (2s)               untimed wrk run per server and size before round 1 (0 skips)
  WRK_TIMEOUT (5s)          a response slower than this is a timeout error
  COLD_KEYS (1000)          cold-miss requests per target (origin, edgegate, nginx, varnish); 0 skips
  COLD_ROUNDS (5)           the cold misses are taken in this many interleaved chunks
  COLD_SIZE (1024)          size of the cold-miss objects, bytes
  COALESCE (64)             concurrent requests for one uncached key; 0 skips
  COALESCE_SIZE (1048576)   size of that object, bytes
  MEM_KEYS (5000)           1 KiB objects cached to measure memory per object; 0 skips
  EDGEGATE_BIN              use this edgegate binary instead of building one
  EDGEGATE_REV              build edgegate at this commit (git archive) instead of the work tree
  BENCH_CACHE (bench/.cache)  where binaries go; the report is also copied to
                            BENCH_CACHE/edge-results.txt
  SERVER_CPUS, WRK_CPUS     pin the servers under test (edgegate edge, nginx, Varnish) and
                            wrk to these CPUs (taskset -c lists, e.g. 0 and 1); unset: no pinning
  NGINX_WORKERS (2)         nginx's worker_processes (1 is the fair count on one pinned CPU)
  NGINX_LOCATION_EXTRA      directives added to nginx's location block (tuning experiments)
  KEEP=1                    keep the temporary directories
Lists take spaces or commas. Exit status: 0 clean and every target met, 3 a run flagged
or a target missed (the report still prints), 2 the harness could not run.
EOF
}

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SIZES=${SIZES:-1k 10k 1m}
SERVERS=${SERVERS:-edgegate nginx varnish}
OUT=${OUT:-}
WARMUP=${WARMUP:-2s}
WRK_TIMEOUT=${WRK_TIMEOUT:-5s}
COLD_KEYS=${COLD_KEYS:-1000}
COLD_ROUNDS=${COLD_ROUNDS:-5}
COLD_SIZE=${COLD_SIZE:-1024}
COLD_WARM=20
COALESCE=${COALESCE:-64}
COALESCE_SIZE=${COALESCE_SIZE:-1048576}
MEM_KEYS=${MEM_KEYS:-5000}
CACHE=${BENCH_CACHE:-$BENCH/.cache}
KEEP=${KEEP:-0}
BUCKET=bench
SERVER_CPUS=${SERVER_CPUS:-}
WRK_CPUS=${WRK_CPUS:-}
NGINX_WORKERS=${NGINX_WORKERS:-2}
PIN_SRV=() PIN_WRK=()
[[ -n $SERVER_CPUS ]] && PIN_SRV=(taskset -c "$SERVER_CPUS")
[[ -n $WRK_CPUS ]] && PIN_WRK=(taskset -c "$WRK_CPUS")

die() { echo "edge/compare.sh: $*" >&2; exit 2; }

while (($#)); do
  arg=$1 val='' shift_by=1
  case $arg in
    --*=*) val=${arg#*=}; arg=${arg%%=*} ;;
    --rounds|--duration|--connections|--threads|--sizes|--servers|--out)
      (($# >= 2)) || die "$arg needs a value"
      val=$2 shift_by=2 ;;
  esac
  case $arg in
    -h|--help) usage; exit 0 ;;
    --rounds) ROUNDS=$val ;;
    --duration) DURATION=$val ;;
    --connections) CONNECTIONS=$val ;;
    --threads) THREADS=$val ;;
    --sizes) SIZES=$val ;;
    --servers) SERVERS=$val ;;
    --out) OUT=$val ;;
    *) usage >&2; die "unknown argument $1" ;;
  esac
  shift "$shift_by"
done

SIZES=${SIZES//,/ }
SERVERS=${SERVERS//,/ }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
for v in CONNECTIONS THREADS NGINX_WORKERS COLD_ROUNDS COLD_SIZE COALESCE_SIZE; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
for v in COLD_KEYS COALESCE MEM_KEYS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, not '${!v}'"
done
for v in DURATION WARMUP WRK_TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+[smh]?$ ]] || die "$v must be a wrk duration like 10s, not '${!v}'"
done
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
for s in $SIZES; do case $s in 1k|10k|1m) ;; *) die "unknown size '$s' (1k, 10k, 1m)" ;; esac; done
read -ra SRV <<<"$SERVERS"
for s in "${SRV[@]}"; do
  case $s in edgegate|nginx|varnish) ;; *) die "unknown server '$s' (edgegate, nginx, varnish)" ;; esac
done
((${#SRV[@]} > 0)) || die "no server to run"
has() { [[ " ${SRV[*]} " == *" $1 "* ]]; }

declare -A SIZE_BYTES=([1k]=1024 [10k]=10240 [1m]=1048576)

log() { printf '%s %s\n' "$(date +%T)" "$*"; }

# ---------------------------------------------------------------- installs

mkdir -p "$CACHE/bin"
APT_UPDATED=0
apt_install() { # PACKAGE...
  log "installing $* from Debian (apt-get)"
  [[ $(id -u) == 0 ]] || die "$* missing and this is not root: sudo apt-get install -y $*"
  if [[ $APT_UPDATED == 0 ]]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PATH=$PATH:/usr/sbin:/sbin # nginx, varnishd
command -v go >/dev/null || die "go is not on PATH"
command -v wrk >/dev/null || apt_install wrk
command -v aws >/dev/null || apt_install awscli
if has nginx && ! command -v nginx >/dev/null; then apt_install nginx; fi
if has varnish && ! command -v varnishd >/dev/null; then apt_install varnish; fi
# Debian's packages try to start their service when installed; on a machine
# with systemd they would hold ports 80 and 6081, which this script does not use.

log "building bench/cmd/edgebench"
(cd "$ROOT" && go build -o "$CACHE/edgebench" ./bench/cmd/edgebench)
EB=$CACHE/edgebench
if [[ -n ${EDGEGATE_BIN:-} ]]; then
  EG=$EDGEGATE_BIN
  EG_DESC="$EG (prebuilt)"
elif [[ -n ${EDGEGATE_REV:-} ]]; then
  # A commit, built from `git archive` in a temporary directory: the work tree
  # (someone else's half-done change, say) does not matter.
  rev=$(cd "$ROOT" && git rev-parse --short "$EDGEGATE_REV^{commit}") || die "EDGEGATE_REV '$EDGEGATE_REV' is no commit"
  src=$(mktemp -d /tmp/edgegate-edge-src.XXXXXX)
  log "building edgegate at $rev (git archive into $src, go build)"
  if ! (cd "$ROOT" && git archive "$rev") | tar -x -C "$src" ||
    ! (cd "$src" && go build -o "$CACHE/bin/edgegate-$rev" ./cmd/edgegate); then
    rm -rf "$src"
    die "edgegate at $rev does not build"
  fi
  rm -rf "$src"
  EG=$CACHE/bin/edgegate-$rev
  EG_DESC="$EG (commit $rev)"
else
  log "building edgegate (go build -o $CACHE/bin/edgegate ./cmd/edgegate)"
  (cd "$ROOT" && go build -o "$CACHE/bin/edgegate" ./cmd/edgegate) ||
    die "edgegate does not build (EDGEGATE_REV=HEAD builds the last commit instead)"
  EG=$CACHE/bin/edgegate
  rev=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null) || rev="no commit"
  if [[ -n $(cd "$ROOT" && git status --porcelain -- . ':!bench' ':!docs' 2>/dev/null) ]]; then
    rev+=" plus uncommitted changes"
  fi
  EG_DESC="$EG (work tree at $rev)"
fi

# ---------------------------------------------------------------- work dirs, teardown

WORK=$(mktemp -d /tmp/edgegate-edge-bench.XXXXXX)
chmod 755 "$WORK" # Varnish's worker runs as user vcache and reads its -n dir under here
NGX_CACHE=$(mktemp -d /dev/shm/edgegate-edge-bench-nginx.XXXXXX) # memory-backed cache
[[ -n $OUT ]] || OUT=$BENCH/out/edge-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/logs" "$OUT/wrk"
OUT=$(cd "$OUT" && pwd) # nginx takes relative paths from its prefix
RESULTS=$OUT/results.txt
COLD=$OUT/cold.txt
: >"$RESULTS"
: >"$COLD"

declare -A PID
WRK_PID=''

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # WRK_PID is /usr/bin/time; wrk is its child.
  if [[ -n $WRK_PID ]]; then pkill -P "$WRK_PID" 2>/dev/null || true; kill "$WRK_PID" 2>/dev/null || true; fi
  local s p
  for s in "${!PID[@]}"; do kill -TERM "${PID[$s]}" 2>/dev/null || true; done
  for s in "${!PID[@]}"; do
    p=${PID[$s]}
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [[ $KEEP == 1 ]]; then
    log "kept $WORK and $NGX_CACHE"
  else
    rm -rf "$WORK" "$NGX_CACHE"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_port() { # NAME PORT
  for _ in $(seq 300); do
    if ! kill -0 "${PID[$1]}" 2>/dev/null; then
      echo "edge/compare.sh: $1 exited during start-up; its log:" >&2
      tail -n 20 "$OUT/logs/$1.log" >&2
      exit 2
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$1 did not listen on 127.0.0.1:$2 within 30s (log: $OUT/logs/$1.log)"
}

# ---------------------------------------------------------------- edgegate and its bucket

# The aws CLI reads only these files: ~/.aws cannot change what is set up.
cat >"$WORK/aws-config" <<EOF
[default]
region = us-east-1
output = json
EOF
cat >"$WORK/aws-credentials" <<EOF
[default]
aws_access_key_id = test
aws_secret_access_key = test
EOF
export AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-credentials
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_REGION
export AWS_PAGER=''

start_edgegate() { # NAME PORT LOG_REQUESTS [extra flags]
  local name=$1 port=$2 lr=$3
  shift 3
  mkdir -p "$WORK/$name"
  local pin=()
  [[ $name == edgegate ]] && pin=("${PIN_SRV[@]}")
  "${pin[@]}" "$EG" serve --listen "127.0.0.1:$port" --data "$WORK/$name" --log-requests="$lr" "$@" \
    >"$OUT/logs/$name.log" 2>&1 &
  PID[$name]=$!
  wait_port "$name" "$port"
  log "$name listening on 127.0.0.1:$port (pid ${PID[$name]})"
}

# setup_origin PORT: bucket, public-read policy, the hit objects; prints the
# distribution's domain name.
setup_origin() {
  local aws=(aws --endpoint-url "http://127.0.0.1:$1")
  "${aws[@]}" s3api create-bucket --bucket "$BUCKET" >/dev/null
  # edgegate blocks public access on a new bucket, as S3 does since April 2023.
  "${aws[@]}" s3api delete-public-access-block --bucket "$BUCKET" >/dev/null
  "${aws[@]}" s3api put-bucket-policy --bucket "$BUCKET" --policy "$(cat <<EOF
{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::$BUCKET/*"}]}
EOF
)" >/dev/null
  local sz
  for sz in 1k 10k 1m; do
    head -c "${SIZE_BYTES[$sz]}" /dev/urandom >"$WORK/obj-$sz"
    "${aws[@]}" s3api put-object --bucket "$BUCKET" --key "obj-$sz" --body "$WORK/obj-$sz" \
      --cache-control max-age=86400 >/dev/null
  done
  cat >"$WORK/distribution.json" <<EOF
{
  "CallerReference": "edge-bench-$1-$RANDOM",
  "Comment": "bench/edge/compare.sh",
  "Enabled": true,
  "Origins": {"Quantity": 1, "Items": [{
    "Id": "s3-$BUCKET",
    "DomainName": "$BUCKET.s3.us-east-1.amazonaws.com",
    "S3OriginConfig": {"OriginAccessIdentity": ""}
  }]},
  "DefaultCacheBehavior": {
    "TargetOriginId": "s3-$BUCKET",
    "ViewerProtocolPolicy": "allow-all",
    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"],
      "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
    "Compress": false
  }
}
EOF
  "${aws[@]}" cloudfront create-distribution --distribution-config "file://$WORK/distribution.json" \
    --query Distribution.DomainName --output text
}

EG_PORT=$("$EB" freeport)
EG_PPROF=$("$EB" freeport)
start_edgegate edgegate "$EG_PORT" false --pprof "127.0.0.1:$EG_PPROF"
ORIGIN=http://127.0.0.1:$EG_PORT
DOMAIN=$(setup_origin "$EG_PORT") || die "setting up the bucket and distribution failed"
[[ $DOMAIN == d*.* ]] || die "create-distribution gave no domain name: '$DOMAIN'"
log "bucket $BUCKET (public read, objects obj-1k obj-10k obj-1m, Cache-Control max-age=86400), distribution $DOMAIN"

# Objects nothing has fetched yet, one set per target (cache or origin): a key
# is fetched once in the whole run, so every fetch is a miss everywhere.
declare -A TAG=([origin]=o [edgegate]=e [nginx]=n [varnish]=v)
COLD_TARGETS=(origin)
for s in "${SRV[@]}"; do COLD_TARGETS+=("$s"); done
put_set() { # PREFIX N SIZE
  "$EB" put -endpoint "$ORIGIN" -bucket "$BUCKET" -prefix "$1" -n "$2" -size "$3" >>"$OUT/logs/put.log" 2>&1 ||
    { tail -n 5 "$OUT/logs/put.log" >&2; die "putting $1 objects failed"; }
}
if ((COLD_KEYS > 0)); then
  for t in "${COLD_TARGETS[@]}"; do put_set "cold-${TAG[$t]}/" $((COLD_KEYS + COLD_WARM)) "$COLD_SIZE"; done
fi
if ((MEM_KEYS > 0)); then
  for t in "${COLD_TARGETS[@]}"; do put_set "mem-${TAG[$t]}/" "$MEM_KEYS" 1024; done
  # edgegate's warm-up sets (see the memory phase): direct reads, edge misses.
  if has edgegate; then put_set mem-ow/ "$MEM_KEYS" 1024; put_set mem-ew/ "$MEM_KEYS" 1024; fi
fi
if ((COALESCE > 0)); then
  for s in nginx varnish; do has "$s" && put_set "coal-${TAG[$s]}/" 1 "$COALESCE_SIZE"; done
fi
[[ -s $OUT/logs/put.log ]] && log "cold-miss, memory and coalescing objects put (last: $(tail -n 1 "$OUT/logs/put.log"))"

# A second edgegate, with --log-requests, only for counting origin fetches in
# the coalescing test: the measured one logs nothing per request.
if ((COALESCE > 0)) && has edgegate; then
  EGC_PORT=$("$EB" freeport)
  start_edgegate edgegate-count "$EGC_PORT" true
  DOMAIN_C=$(setup_origin "$EGC_PORT") || die "setting up edgegate-count failed"
  "$EB" put -endpoint "http://127.0.0.1:$EGC_PORT" -bucket "$BUCKET" -prefix coal-e/ -n 1 -size "$COALESCE_SIZE" \
    >>"$OUT/logs/put.log" 2>&1 || die "putting the coalescing object on edgegate-count failed"
fi

# ---------------------------------------------------------------- nginx and Varnish

if has nginx; then
  NGX_PORT=$("$EB" freeport)
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
# bench/edge/compare.sh: nginx proxy_cache in front of edgegate's S3 endpoint.
user root;                # the cache dir and the run's files are root's
worker_processes $NGINX_WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $OUT/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # sendfile from the tmpfs cache is slower here than read+write: measured on
  # the 2-core VMs, sendfile off gave nginx +10% req/s at 1-10 KiB, +35% at 1 MiB.
  sendfile off;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy_temp;
  fastcgi_temp_path $WORK/nginx/fastcgi_temp;
  uwsgi_temp_path $WORK/nginx/uwsgi_temp;
  scgi_temp_path $WORK/nginx/scgi_temp;
  # Memory-backed (tmpfs under /dev/shm).
  proxy_cache_path $NGX_CACHE levels=1:2 keys_zone=edge:64m max_size=4g inactive=1d use_temp_path=off;
  upstream origin {
    server 127.0.0.1:$EG_PORT;
    keepalive 64;
  }
  # Origin fetches of the coalescing test's keys are logged, nothing else.
  map \$uri \$coalesce_log { ~^/coal- 1; default 0; }
  log_format fetch '\$uri \$status \$upstream_cache_status \$upstream_addr';
  server {
    listen 127.0.0.1:$NGX_PORT reuseport;
    location / {
      proxy_pass http://origin/$BUCKET\$uri;   # path-style anonymous GET /BUCKET/KEY
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host 127.0.0.1:$EG_PORT;
      proxy_cache edge;
      proxy_cache_key \$uri;
      proxy_cache_valid 200 1d;
      proxy_cache_lock on;             # coalesce concurrent misses of one key
      proxy_cache_lock_timeout 30s;
      add_header X-Cache-Status \$upstream_cache_status;
      access_log $OUT/logs/nginx-fetch.log fetch if=\$coalesce_log;
      ${NGINX_LOCATION_EXTRA:-}
    }
  }
}
EOF
  nginx -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -e "$OUT/logs/nginx-error.log" ||
    die "nginx rejects its configuration ($WORK/nginx/nginx.conf)"
  "${PIN_SRV[@]}" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -e "$OUT/logs/nginx-error.log" -g 'daemon off;' \
    >"$OUT/logs/nginx.log" 2>&1 &
  PID[nginx]=$!
  wait_port nginx "$NGX_PORT"
  log "nginx listening on 127.0.0.1:$NGX_PORT (pid ${PID[nginx]}, $NGINX_WORKERS workers, cache in $NGX_CACHE)"
fi

if has varnish; then
  VAR_PORT=$("$EB" freeport)
  VAR_N=$WORK/varnish
  cat >"$WORK/edge.vcl" <<EOF
vcl 4.1;
# bench/edge/compare.sh: Varnish in front of edgegate's S3 endpoint.
backend origin {
  .host = "127.0.0.1";
  .port = "$EG_PORT";
}
sub vcl_backend_fetch {
  # path-style anonymous GET /BUCKET/KEY
  set bereq.url = "/$BUCKET" + bereq.url;
  set bereq.http.Host = "127.0.0.1:$EG_PORT";
}
sub vcl_backend_response {
  set beresp.ttl = 1d;
}
EOF
  "${PIN_SRV[@]}" varnishd -F -n "$VAR_N" -a "127.0.0.1:$VAR_PORT" -T 127.0.0.1:0 -f "$WORK/edge.vcl" -s malloc,256m \
    -p default_ttl=86400 >"$OUT/logs/varnish.log" 2>&1 &
  PID[varnish]=$!
  wait_port varnish "$VAR_PORT"
  log "varnish listening on 127.0.0.1:$VAR_PORT (pid ${PID[varnish]}, -s malloc,256m)"
fi

varnish_stat() { # COUNTER
  varnishstat -n "$VAR_N" -1 -f "$1" 2>/dev/null | awk -v c="$1" '$1 == c {print $2; exit}'
}

# base URL and Host header of each server's viewer side
declare -A URL HOSTHDR
URL[edgegate]=$ORIGIN HOSTHDR[edgegate]=${DOMAIN:-}
URL[origin]=$ORIGIN/$BUCKET HOSTHDR[origin]=''
if has nginx; then URL[nginx]=http://127.0.0.1:$NGX_PORT HOSTHDR[nginx]=''; fi
if has varnish; then URL[varnish]=http://127.0.0.1:$VAR_PORT HOSTHDR[varnish]=''; fi

# ---------------------------------------------------------------- header

{
  echo "# edge cache comparison $(date -Is) on $(uname -n): $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "# load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# rounds=$ROUNDS duration=$DURATION connections=$CONNECTIONS threads=$THREADS sizes=$SIZES servers=${SRV[*]}"
  echo "# cold_keys=$COLD_KEYS x $COLD_SIZE bytes in $COLD_ROUNDS chunks, coalesce=$COALESCE x $COALESCE_SIZE bytes, mem_keys=$MEM_KEYS"
  echo "# $(wrk -v 2>&1 | head -n 1)"
  if has nginx; then echo "# $(nginx -v 2>&1 | head -n 1)"; fi
  if has varnish; then echo "# $(varnishd -V 2>&1 | head -n 1)"; fi
  echo "# edgegate: $EG_DESC, distribution $DOMAIN"
} | tee "$OUT/header.txt" | sed 's/^# //'

# ---------------------------------------------------------------- warm the caches

# Two GETs of each object through each server; the second's answer says
# whether the server serves it from its cache (edgegate: X-Cache; nginx:
# X-Cache-Status; Varnish: two ids in X-Varnish).
for sz in $SIZES; do
  for s in "${SRV[@]}"; do
    hargs=()
    [[ -n ${HOSTHDR[$s]} ]] && hargs=(-host "${HOSTHDR[$s]}")
    "$EB" get -url "${URL[$s]}/obj-$sz" "${hargs[@]}" -size "${SIZE_BYTES[$sz]}" >/dev/null ||
      die "GET obj-$sz through $s failed"
    probe=$("$EB" get -url "${URL[$s]}/obj-$sz" "${hargs[@]}" -size "${SIZE_BYTES[$sz]}") ||
      die "second GET obj-$sz through $s failed: $probe"
    cache=$(sed -n 's/.* cache=\([a-z]*\).*/\1/p' <<<"$probe")
    echo "phase=probe size=$sz server=$s cache=$cache" >>"$RESULTS"
    log "warm $s obj-$sz: $probe"
  done
done

# ---------------------------------------------------------------- hits

CLK_TCK=$(getconf CLK_TCK)
# srv_ticks SERVER -> CPU time (utime+stime, all threads) of the server's
# processes: edgegate's one, nginx's master and workers, Varnish's manager
# and its child (the cache).
srv_ticks() {
  local p pids=("${PID[$1]}") t=0 stat
  mapfile -t -O 1 pids < <(pgrep -P "${PID[$1]}" 2>/dev/null || true)
  for p in "${pids[@]}"; do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    t=$((t + $(awk '{print $12 + $13}' <<<"$stat")))
  done
  echo "$t"
}
# srv_csw SERVER -> "VOLUNTARY NONVOLUNTARY" context switches of the server's
# threads and its children's (nginx's and Varnish's workers) so far.
srv_csw() {
  local p pids=("${PID[$1]}")
  mapfile -t -O 1 pids < <(pgrep -P "${PID[$1]}" 2>/dev/null || true)
  for p in "${pids[@]}"; do cat /proc/"$p"/task/*/status 2>/dev/null || true; done |
    awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v + 0, n + 0}'
}
# rq_wait PID... -> nanoseconds the threads of these processes have spent
# runnable but waiting for a CPU (second field of /proc/PID/task/TID/schedstat).
rq_wait() {
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null || true; done |
    awk '{w += $2} END {printf "%.0f\n", w + 0}'
}
srv_pids() { echo "${PID[$1]}"; pgrep -P "${PID[$1]}" 2>/dev/null || true; }
# child_ticks -> cutime+cstime of this script: its waited-for children (wrk).
child_ticks() {
  local stat
  stat=$(cat /proc/$$/stat)
  stat=${stat##*) }
  awk '{print $14 + $15}' <<<"$stat"
}
# busy_ticks -> CPU time the whole machine spent busy, all cores (softirq too:
# this kernel charges loopback packet processing to the running process as
# well, so it is in the servers' and wrk's own ticks).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# dur_s DURATION -> whole seconds of a wrk duration (10s, 2m, 1h, 30).
dur_s() {
  local d=$1 n=${1%[smh]}
  case $d in *m) echo $((n * 60)) ;; *h) echo $((n * 3600)) ;; *) echo "$n" ;; esac
}

# run_wrk SERVER SIZE LABEL RECORD(0/1) DURATION
run_wrk() {
  local s=$1 sz=$2 label=$3 record=$4 dur=$5
  local out=$OUT/wrk/$label-$sz-$s.txt hargs=() result
  [[ -n ${HOSTHDR[$s]} ]] && hargs=(-H "Host: ${HOSTHDR[$s]}")
  local meta="phase=hit round=${label#r} size=$sz server=$s conns=$CONNECTIONS duration=$dur"
  local t0 t1 w0 w1 m0 m1 e0 e1 c0 c1 wc e0m e1m
  c0=$(srv_csw "$s") t0=$(srv_ticks "$s") w0=$(child_ticks) m0=$(busy_ticks) e0=${EPOCHREALTIME/[.,]/}
  # In the background so that a signal to this script is handled at once.
  # /usr/bin/time: wrk's own context switches (all threads), voluntary and not.
  "${PIN_WRK[@]}" /usr/bin/time -f '%w %c' -o "$out.csw" wrk -t "$THREADS" -c "$CONNECTIONS" -d "$dur" --timeout "$WRK_TIMEOUT" --latency -s "$HERE/result.lua" \
    "${hargs[@]}" "${URL[$s]}/obj-$sz" >"$out" 2>&1 </dev/null &
  WRK_PID=$!
  # Run-queue wait of wrk's and the server's threads over 2 s in the middle of the run.
  local rq="" q0 q1 wp sp
  if [[ $record == 1 ]] && (( $(dur_s "$dur") >= 4 )); then
    sleep 1
    wp=$(pgrep -P "$WRK_PID" -x wrk || true) sp=$(srv_pids "$s")
    if [[ -n $wp ]]; then
      # shellcheck disable=SC2086
      q0="$(rq_wait $wp) $(rq_wait $sp)" e0m=${EPOCHREALTIME/[.,]/}
      sleep 2
      # shellcheck disable=SC2086
      q1="$(rq_wait $wp) $(rq_wait $sp)" e1m=${EPOCHREALTIME/[.,]/}
      read -r -a q0 <<<"$q0"
      read -r -a q1 <<<"$q1"
      rq=" wrk_rqwait_ns=$((q1[0] - q0[0])) srv_rqwait_ns=$((q1[1] - q0[1])) rq_window_us=$((e1m - e0m))"
    fi
  fi
  wait "$WRK_PID" || true
  WRK_PID=
  e1=${EPOCHREALTIME/[.,]/} t1=$(srv_ticks "$s") w1=$(child_ticks) m1=$(busy_ticks) c1=$(srv_csw "$s")
  if ! kill -0 "${PID[$s]}" 2>/dev/null; then
    [[ $record == 1 ]] && echo "$meta failed=server-exited" >>"$RESULTS"
    die "$s died during $label $sz (log: $OUT/logs/$s.log)"
  fi
  result=$(sed -n 's/^BENCHRESULT //p' "$out" | tail -n 1)
  if [[ -z $result ]]; then
    log "$label $sz $s: wrk gave no result (see $out)"
    [[ $record == 1 ]] && echo "$meta failed=wrk" >>"$RESULTS"
    return 0
  fi
  [[ $record == 1 ]] || return 0
  result+=" srv_ticks=$((t1 - t0)) wrk_ticks=$((w1 - w0)) busy_ticks=$((m1 - m0)) wall_us=$((e1 - e0)) clk_tck=$CLK_TCK"
  read -r -a c0 <<<"$c0"
  read -r -a c1 <<<"$c1"
  read -r -a wc < <(tail -n 1 "$out.csw" 2>/dev/null || echo "0 0")
  result+=" srv_vcsw=$((c1[0] - c0[0])) srv_nvcsw=$((c1[1] - c0[1])) wrk_vcsw=${wc[0]:-0} wrk_nvcsw=${wc[1]:-0}$rq"
  echo "$meta $result" >>"$RESULTS"
  awk -v now="$(date +%T)" -v label="$label" -v sz="$sz" -v s="$s" -v size="${SIZE_BYTES[$sz]}" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      errs = f["err_connect"] + f["err_read"] + f["err_write"] + f["err_timeout"] + f["err_status"]
      short = f["requests"] > 0 && f["bytes"] / f["requests"] < size
      wall = f["wall_us"] / 1e6; tck = f["clk_tck"]
      other = (f["busy_ticks"] - f["srv_ticks"] - f["wrk_ticks"]) / tck / wall
      printf "%s %-3s %-3s %-8s %9.0f req/s  p50 %6.2fms  p99 %6.2fms  srv %.2f cores  other %.2f cores  csw/1k req srv %.0f+%.0f wrk %.0f+%.0f  rq-wait wrk %.2f srv %.2f cores  errors %d%s\n",
        now, label, sz, s, f["requests"] / (f["duration_us"] / 1e6), f["p50_us"] / 1000, f["p99_us"] / 1000,
        f["srv_ticks"] / tck / wall, other < 0 ? 0 : other,
        1000 * f["srv_vcsw"] / f["requests"], 1000 * f["srv_nvcsw"] / f["requests"],
        1000 * f["wrk_vcsw"] / f["requests"], 1000 * f["wrk_nvcsw"] / f["requests"],
        f["rq_window_us"] ? f["wrk_rqwait_ns"] / f["rq_window_us"] / 1000 : 0,
        f["rq_window_us"] ? f["srv_rqwait_ns"] / f["rq_window_us"] / 1000 : 0, errs, (errs || short) ? "  FLAGGED" : ""
    }' <<<"$result"
}

if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
  log "wrk warm-up: $WARMUP per server and size (not recorded)"
  for sz in $SIZES; do
    for s in "${SRV[@]}"; do run_wrk "$s" "$sz" warmup 0 "$WARMUP"; done
  done
fi

n=${#SRV[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  log "hit round $r of $ROUNDS"
  for sz in $SIZES; do
    for ((k = 0; k < n; k++)); do
      run_wrk "${SRV[$(((k + r - 1) % n))]}" "$sz" "r$r" 1 "$DURATION"
    done
  done
done

# ---------------------------------------------------------------- cold misses

coldmiss() { # TARGET FROM TO ROUND OUTFILE(empty: warm-up)
  local t=$1 hargs=() prefix=/cold-${TAG[$1]}/
  [[ -n ${HOSTHDR[$t]} ]] && hargs=(-host "${HOSTHDR[$t]}")
  local out=()
  [[ -n $5 ]] && out=(-out "$5")
  "$EB" coldmiss -url "${URL[$t]%/"$BUCKET"}" "${hargs[@]}" \
    -prefix "$([[ $t == origin ]] && echo "/$BUCKET")$prefix" -from "$2" -to "$3" -size "$COLD_SIZE" \
    -target "$t" -round "$4" "${out[@]}"
}

if ((COLD_KEYS > 0)); then
  log "cold misses: $COLD_KEYS sequential GETs of new keys per target (${COLD_TARGETS[*]}), in $COLD_ROUNDS interleaved chunks"
  for t in "${COLD_TARGETS[@]}"; do # a new connection's first misses, not recorded
    coldmiss "$t" "$COLD_KEYS" $((COLD_KEYS + COLD_WARM)) 0 "" >/dev/null
  done
  nt=${#COLD_TARGETS[@]}
  for ((r = 0; r < COLD_ROUNDS; r++)); do
    from=$((COLD_KEYS * r / COLD_ROUNDS)) to=$((COLD_KEYS * (r + 1) / COLD_ROUNDS))
    for ((k = 0; k < nt; k++)); do
      t=${COLD_TARGETS[$(((k + r) % nt))]}
      line=$(coldmiss "$t" "$from" "$to" $((r + 1)) "$COLD")
      log "cold $((r + 1)) $t: $line"
    done
  done
fi

# ---------------------------------------------------------------- coalescing

if ((COALESCE > 0)); then
  log "coalescing: $COALESCE concurrent GETs of one uncached $COALESCE_SIZE-byte key per server"
  for s in "${SRV[@]}"; do
    case $s in
      edgegate)
        m0=$("$EB" metric -url "http://127.0.0.1:$EGC_PORT" -name edgegate_origin_request_duration_seconds_count -zero 2>/dev/null || true)
        res=$("$EB" burst -url "http://127.0.0.1:$EGC_PORT/coal-e/00000" -host "$DOMAIN_C" -n "$COALESCE" \
          -size "$COALESCE_SIZE" 2>>"$OUT/logs/burst.log")
        sleep 0.5 # the last log lines
        fetches=$("$EB" edgefetches -log "$OUT/logs/edgegate-count.log" -path /coal-e/00000 |
          sed -n 's/.*origin_fetches=\([0-9]*\).*/\1/p')
        how=distinct_origin_request_id_in_the_request_log_of_a_second_edgegate_run_with_--log-requests
        # edgegate with metrics: the count of origin requests, as a cross-check.
        m1=$("$EB" metric -url "http://127.0.0.1:$EGC_PORT" -name edgegate_origin_request_duration_seconds_count -zero 2>/dev/null || true)
        [[ -n $m0 && -n $m1 ]] && res+=" origin_fetches_metric=$((m1 - m0))"
        ;;
      nginx)
        res=$("$EB" burst -url "${URL[nginx]}/coal-n/00000" -n "$COALESCE" -size "$COALESCE_SIZE" 2>>"$OUT/logs/burst.log")
        sleep 0.5
        fetches=$(awk '$1 == "/coal-n/00000" && $4 != "-" {n++} END {print n + 0}' "$OUT/logs/nginx-fetch.log" 2>/dev/null || echo "")
        how=access_log_lines_with_an_upstream_address_\(proxy_cache_lock_on\)
        ;;
      varnish)
        b0=$(varnish_stat MAIN.backend_req)
        res=$("$EB" burst -url "${URL[varnish]}/coal-v/00000" -n "$COALESCE" -size "$COALESCE_SIZE" 2>>"$OUT/logs/burst.log")
        sleep 1.5 # varnishstat's counters are published about once a second
        b1=$(varnish_stat MAIN.backend_req)
        fetches=$((b1 - b0))
        how=varnishstat_MAIN.backend_req_difference
        ;;
    esac
    echo "phase=coalesce server=$s $res origin_fetches=$fetches counted_by=$how" >>"$RESULTS"
    log "coalesce $s: $res origin_fetches=$fetches"
  done
fi

# ---------------------------------------------------------------- memory per cached object

prime() { # TARGET PREFIX: GET every mem key once
  local t=$1 hargs=()
  [[ -n ${HOSTHDR[$t]} ]] && hargs=(-host "${HOSTHDR[$t]}")
  "$EB" coldmiss -url "${URL[$t]%/"$BUCKET"}" "${hargs[@]}" -prefix "$2" -from 0 -to "$MEM_KEYS" -size 1024 \
    -target "$t" >/dev/null
}
cached() { # TARGET PREFIX -> hit/miss: is the first mem key served from the cache now?
  local t=$1 hargs=()
  [[ -n ${HOSTHDR[$t]} ]] && hargs=(-host "${HOSTHDR[$t]}")
  "$EB" get -url "${URL[$t]}${2}00000" "${hargs[@]}" -size 1024 | sed -n 's/.* cache=\([a-z]*\).*/\1/p'
}
if ((MEM_KEYS > 0)); then
  log "memory: $MEM_KEYS new 1 KiB objects through each server"
  for s in "${SRV[@]}"; do
    case $s in
      edgegate)
        # The origin (edgegate's S3) keeps small objects in memory too: its
        # growth for the same number of new keys read directly is taken off.
        # Each measured phase follows an untimed one of the same kind, so that
        # the bounded rings of recent requests (explain's traces and edge
        # links, 4096 each) already hold requests of that kind: what is
        # measured is the marginal cost of one more cached object, not the
        # one-off filling of those rings by the first edge requests (also
        # reported, as first_n_bytes: the older measurement).
        prime origin "/$BUCKET/mem-ow/"
        h0=$("$EB" heap -url "http://127.0.0.1:$EG_PPROF")
        prime origin "/$BUCKET/mem-o/"
        h1=$("$EB" heap -url "http://127.0.0.1:$EG_PPROF")
        prime edgegate /mem-ew/
        h2=$("$EB" heap -url "http://127.0.0.1:$EG_PPROF")
        c2=$("$EB" metric -url "$ORIGIN" -name edgegate_edge_cache_bytes -label tier=memory 2>/dev/null || true)
        prime edgegate /mem-e/
        h3=$("$EB" heap -url "http://127.0.0.1:$EG_PPROF")
        c3=$("$EB" metric -url "$ORIGIN" -name edgegate_edge_cache_bytes -label tier=memory 2>/dev/null || true)
        bytes=$(((h3 - h2) - (h1 - h0)))
        cb=''
        [[ -n $c2 && -n $c3 ]] && cb=" cache_bytes_metric=$((c3 - c2))"
        echo "phase=mem server=edgegate objects=$MEM_KEYS bytes=$bytes$cb cached=$(cached edgegate /mem-e/) origin_heap_growth=$((h1 - h0)) first_n_bytes=$(((h2 - h1) - (h1 - h0))) counted_by=Go_heap_in_use_after_GC_growth_less_the_origin_growth_for_as_many_direct_reads,_each_after_as_many_untimed_requests_of_the_same_kind" >>"$RESULTS"
        log "memory edgegate: heap +$((h1 - h0)) bytes for $MEM_KEYS direct origin reads, +$((h2 - h1)) for the first $MEM_KEYS through the edge, +$((h3 - h2)) for the next $MEM_KEYS"
        ;;
      nginx)
        d0=$(du -s --block-size=1 "$NGX_CACHE" | cut -f1)
        prime nginx /mem-n/
        d1=$(du -s --block-size=1 "$NGX_CACHE" | cut -f1)
        echo "phase=mem server=nginx objects=$MEM_KEYS bytes=$((d1 - d0)) cached=$(cached nginx /mem-n/) counted_by=tmpfs_blocks_of_the_cache_files_(keys_zone_entries_not_counted)" >>"$RESULTS"
        log "memory nginx: cache dir +$((d1 - d0)) bytes"
        ;;
      varnish)
        g0=$(varnish_stat SMA.s0.g_bytes)
        prime varnish /mem-v/
        sleep 1.5
        g1=$(varnish_stat SMA.s0.g_bytes)
        echo "phase=mem server=varnish objects=$MEM_KEYS bytes=$((g1 - g0)) cached=$(cached varnish /mem-v/) counted_by=malloc_storage_SMA.s0.g_bytes_(objcore/objhead_not_counted)" >>"$RESULTS"
        log "memory varnish: SMA.s0.g_bytes +$((g1 - g0))"
        ;;
    esac
  done
fi

# ---------------------------------------------------------------- report

echo
status=0
{
  sed 's/^# //' "$OUT/header.txt"
  echo
  "$EB" report -results "$RESULTS" -cold "$COLD" || status=$?
} >"$OUT/report.txt"
cat "$OUT/report.txt"
cp "$OUT/report.txt" "$CACHE/edge-results.txt"
echo
log "results, wrk output and server logs: $OUT; report also in $CACHE/edge-results.txt"
exit "$status"
