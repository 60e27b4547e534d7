#!/usr/bin/env bash
# Many keep-alive connections at once against one or more server commands,
# interleaved, on one core each (server on CPU 1, wrk on CPU 0, like
# ../shared/bench/run.sh): wrk's socket errors (a "read" error is a
# connection the server reset or closed without answering) and the
# kernel's listen-queue and SYN-cookie counters (nstat) for every run.
#
#   bench/many_connections.sh [--conns N] [--duration S] [--rounds R] \
#       NAME='CMD {addr}' [NAME='CMD {addr}' ...]
#
# Default: 2,000 connections, 20 s, wrk --timeout 5s, 3 rounds.
# Example (the figures in BENCHMARKS.md, "2,000 connections"):
#   cargo build --release --example hello
#   bench/many_connections.sh rgi="$PWD/target/release/examples/hello {addr}"
# Needs wrk and nstat (Debian: wrk, iproute2) and `ulimit -n` above the
# connection count.
set -euo pipefail
conns=2000 duration=20 rounds=3
servers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) conns=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *=*) servers+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ ${#servers[@]} -gt 0 ] || { echo "give at least one NAME='CMD {addr}'" >&2; exit 2; }
for tool in wrk nstat taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
ulimit -n $((conns + 1000)) 2>/dev/null || true

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

printf '%-10s %5s %9s %8s %6s %8s %10s %10s %10s\n' \
  server round req/s read timeout connect overflows cookiefail outrsts
for round in $(seq 1 "$rounds"); do
  for entry in "${servers[@]}"; do
    name=${entry%%=*} cmd=${entry#*=}
    port=$(free_port)
    cmd=${cmd//\{addr\}/127.0.0.1:$port}
    setsid taskset -c 1 bash -c "exec $cmd" >/dev/null 2>&1 &
    pid=$!
    if ! wait_port "$port"; then echo "$name did not listen" >&2; kill "$pid"; exit 1; fi
    nstat -n >/dev/null
    out=$(taskset -c 0 wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s "http://127.0.0.1:$port/" 2>&1)
    counters=$(nstat 2>/dev/null)
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    field() { local v; v=$(sed -n "s/.*Socket errors:.* $1 \([0-9][0-9]*\).*/\1/p" <<<"$out"); echo "${v:-0}"; }
    counter() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' <<<"$counters"; }
    printf '%-10s %5s %9s %8s %6s %8s %10s %10s %10s\n' "$name" "$round" \
      "$(sed -n 's/^Requests\/sec: *//p' <<<"$out")" \
      "$(field read)" "$(field timeout)" "$(field connect)" \
      "$(counter TcpExtListenOverflows)" "$(counter TcpExtSyncookiesFailed)" \
      "$(counter TcpOutRsts)"
    sleep 2
  done
done
