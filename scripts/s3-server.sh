#!/usr/bin/env bash
# The S3-compatible server for local development and tests, in user space under <repo>/.data/s3.
#
#   scripts/s3-server.sh [start]   start s3rver on 127.0.0.1:54568 with bucket "trestle", wait until it answers
#   scripts/s3-server.sh stop      stop it
#   scripts/s3-server.sh status    exit 0 if it answers, else 3
#   scripts/s3-server.sh env       print the STORAGE_BACKEND / S3_* variables that point Trestle at it
#
# Env: TRESTLE_S3_PORT (default 54568), TRESTLE_S3_DIR (default <repo>/.data/s3).
# The server is the npm package @20minutes/s3rver (a devDependency, installed by `npm install`);
# it runs on the project's Node (node_modules/.bin/node, Node 24) and needs nothing from apt.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
PORT="${TRESTLE_S3_PORT:-54568}"
DIR="${TRESTLE_S3_DIR:-$ROOT/.data/s3}"
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"
BUCKET=trestle
WAIT_SECS=30

log() { printf '[s3-server] %s\n' "$*"; }
die() { printf '[s3-server] ERROR: %s\n' "$*" >&2; exit 1; }

node_bin() {
  if [[ -x $ROOT/node_modules/.bin/node ]]; then echo "$ROOT/node_modules/.bin/node"; else command -v node; fi
}

answers() {
  # Any HTTP answer counts (an anonymous GET / is refused with 403 by s3rver, which is fine).
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && head -c 12 <&3 | grep -q '^HTTP/') 2>/dev/null
}

running_pid() {
  [[ -f $PIDFILE ]] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

start() {
  mkdir -p "$DIR/data"
  # Test files start it in parallel: one starts it, the others wait and find it answering.
  exec 9>"$DIR/.lock"
  flock -w 60 9 || die "another start of the S3 server holds $DIR/.lock"
  if answers; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  [[ -d $ROOT/node_modules/@20minutes/s3rver ]] || die "@20minutes/s3rver is not installed: run npm install"
  log "starting s3rver on 127.0.0.1:$PORT (data in $DIR/data)"
  cd "$ROOT"
  # setsid: its own session, so it outlives the test run that started it; $! is the server itself.
  setsid "$(node_bin)" scripts/s3-server.mjs --port "$PORT" --directory "$DIR/data" --bucket "$BUCKET" \
    >"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  for ((i = 0; i < WAIT_SECS * 10; i++)); do
    answers && { log "ready"; return 0; }
    running_pid >/dev/null || { cat "$LOG" >&2; die "s3rver exited during start-up"; }
    sleep 0.1
  done
  cat "$LOG" >&2
  die "s3rver did not answer within ${WAIT_SECS}s"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "stopped"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if answers; then log "running on 127.0.0.1:$PORT"; else log "not running"; exit 3; fi ;;
  env)
    printf 'STORAGE_BACKEND=s3\nS3_ENDPOINT=http://127.0.0.1:%s\nS3_REGION=us-east-1\nS3_BUCKET=%s\nS3_ACCESS_KEY_ID=S3RVER\nS3_SECRET_ACCESS_KEY=S3RVER\nS3_FORCE_PATH_STYLE=true\n' "$PORT" "$BUCKET"
    ;;
  *) die "usage: $0 [start|stop|status|env]" ;;
esac
