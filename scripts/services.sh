#!/usr/bin/env bash
# Local database servers for Trestle, run in user space under <repo>/.data/.
#
#   scripts/services.sh [start]   start MariaDB (53306) + PostgreSQL (55432), wait until ready
#   scripts/services.sh stop      stop both
#   scripts/services.sh status    show state; exit 0 if both running, else 3
#   scripts/services.sh reset     stop, delete all local data, start fresh
#   scripts/services.sh env       print DATABASE_URL=... / QUEUE_DATABASE_URL=... for these servers
#   scripts/services.sh start|stop|status mariadb|postgres   one server only
#   scripts/services.sh kill mariadb|postgres                SIGKILL one server (a crash), for
#                                 fault tests; refused unless TRESTLE_DATA_DIR is set
#
# Env:  TRESTLE_MYSQL_PORT (default 53306), TRESTLE_PG_PORT (default 55432).
#       TRESTLE_DATA_DIR (default <repo>/.data): another directory gives a second,
#       independent pair (use other ports too), e.g. for tests that kill their servers.
#       If DATABASE_URL is set, MariaDB is not started; if QUEUE_DATABASE_URL is
#       set, PostgreSQL is not started (you are pointing at other servers); naming
#       the server (start mariadb) starts it regardless.
#
# Both servers listen on 127.0.0.1 only. The system instances on 3306/5432 (if
# any) are never used or touched.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
DATA="${TRESTLE_DATA_DIR:-$ROOT/.data}"
mkdir -p "$DATA"; DATA="$(cd -- "$DATA" && pwd -P)"

MY_PORT="${TRESTLE_MYSQL_PORT:-53306}"
PG_PORT="${TRESTLE_PG_PORT:-55432}"
WAIT_SECS=60

log() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

IS_ROOT=0; [[ $(id -u) -eq 0 ]] && IS_ROOT=1
ME="$(id -un)"
# Accounts the daemons run as. As root we must drop privileges (PostgreSQL
# refuses to run as root); as a normal user everything runs as that user.
if (( IS_ROOT )); then MY_USER=mysql; PG_USER=postgres; else MY_USER="$ME"; PG_USER="$ME"; fi

# Short, stable id for this checkout (used for fallback dirs outside the repo); another
# data directory gets its own id, so two pairs never share a run or fallback directory.
if [[ $DATA == "$ROOT/.data" ]]; then HASH_OF="$ROOT"; else HASH_OF="$DATA"; fi
REPO_HASH="$(printf '%s' "$HASH_OF" | sha1sum | cut -c1-10)"

# Run a command as a daemon account, from "/" (cwd may be unreadable for it,
# e.g. /root). fd 9 (our lock) is closed so daemons don't keep holding it.
as_user() {
  local u="$1"; shift
  if (( IS_ROOT )) && [[ $u != root ]]; then
    (cd / && runuser -u "$u" -- "$@" 9>&-)
  else
    (cd / && "$@" 9>&-)
  fi
}

# ---------------------------------------------------------------- binaries ---
find_mariadbd() {
  local p
  for p in "$(command -v mariadbd 2>/dev/null || true)" /usr/sbin/mariadbd /usr/bin/mariadbd; do
    [[ -n $p && -x $p ]] && { echo "$p"; return 0; }
  done
  return 1
}

# Pick the PostgreSQL bin dir: the major version of an existing cluster if
# there is one, else 15 (what Debian 12 ships), else the newest installed.
find_pgbin() {
  local want="" d
  [[ -n ${PG_DATADIR:-} && -f $PG_DATADIR/PG_VERSION ]] && want="$(cat "$PG_DATADIR/PG_VERSION")"
  if [[ -n $want ]]; then
    d="/usr/lib/postgresql/$want/bin"
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
    echo "[services] ERROR: postgres: cluster is version $want but /usr/lib/postgresql/$want/bin is missing (install it, or 'reset' to recreate)" >&2
    return 1
  fi
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr); do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
  done
  echo "[services] ERROR: postgres: initdb/pg_ctl not found under /usr/lib/postgresql/*/bin" >&2
  return 1
}

ensure_installed() {
  local pkgs=()
  if (( NEED_MY )); then
    if ! find_mariadbd >/dev/null || ! command -v mariadb-install-db >/dev/null \
       || ! command -v mariadb >/dev/null || ! command -v mariadb-admin >/dev/null; then
      pkgs+=(mariadb-server)
    fi
  fi
  if (( NEED_PG )); then
    # Only look for binaries here; version/cluster checks come later.
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then pkgs+=(postgresql); fi
  fi
  (( ${#pkgs[@]} )) || return 0
  log "installing ${pkgs[*]} (apt-get; may also start system services on 3306/5432, which we don't use)"
  local sudo=()
  (( IS_ROOT )) || sudo=(sudo)
  local alog="$DATA/apt-install.log"
  if ! { "${sudo[@]}" apt-get update && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y "${pkgs[@]}"; } >"$alog" 2>&1; then
    tail_log "$alog"; die "apt-get install ${pkgs[*]} failed (full log: $alog)"
  fi
}

# -------------------------------------------------------------- data dirs ---
# Where a server's state lives. Normally <repo>/.data/<name>. The daemon
# account must be able to traverse the whole path; when the repo sits in a
# directory it cannot enter (e.g. /root, mode 700) -- or the path contains
# whitespace, which mariadb-install-db mishandles -- we do NOT loosen
# permissions on the user's home: instead the state goes to
# /var/tmp/trestle-<name>-<hash of repo path> (persistent across reboots,
# unlike /tmp) and <repo>/.data/<name> becomes a symlink to it, which also
# records the choice for later runs (stop/status/reset follow the symlink).
resolve_base() {
  local name="$1"; local link="$DATA/$name"
  if [[ -L $link ]]; then readlink -f -- "$link"; return 0; fi
  if [[ -d $link ]]; then echo "$link"; return 0; fi
  echo "$link"   # not created yet
}

create_base() {
  local name="$1" user="$2"; local link="$DATA/$name" ext
  [[ -e $link || -L $link ]] && return 0
  local why=""
  if [[ $DATA =~ [[:space:]] ]]; then
    why="path contains whitespace"
  elif ! as_user "$user" test -x "$DATA"; then
    why="not reachable by user '$user'"
  fi
  if [[ -z $why ]]; then
    mkdir -p "$link"
  else
    ext="/var/tmp/trestle-$name-$REPO_HASH"
    mkdir -p "$ext"; chmod 755 "$ext"
    ln -s "$ext" "$link"
    log "$name: $DATA $why; data is in $ext (symlinked from .data/$name)"
  fi
}

# Unix socket paths are limited to ~107 bytes, and PostgreSQL's -k option
# can't take whitespace; for deep checkouts or paths with spaces put the run
# dir (sockets + pid) under /tmp instead.
run_dir_for() {
  local base="$1" name="$2"
  if (( ${#base} + 24 > 100 )) || [[ $base =~ [[:space:]] ]]; then
    echo "/tmp/trestle-$name-$REPO_HASH"
  else
    echo "$base/run"
  fi
}

init_paths() {
  MY_BASE="$(resolve_base mariadb)"
  MY_DATADIR="$MY_BASE/data"; MY_LOGDIR="$MY_BASE/log"
  MY_RUNDIR="$(run_dir_for "$MY_BASE" mariadb)"
  MY_SOCK="$MY_RUNDIR/mysqld.sock"; MY_PID="$MY_RUNDIR/mysqld.pid"; MY_LOG="$MY_LOGDIR/mariadb.err"

  PG_BASE="$(resolve_base postgres)"
  PG_DATADIR="$PG_BASE/data"; PG_LOGDIR="$PG_BASE/log"
  PG_RUNDIR="$(run_dir_for "$PG_BASE" postgres)"
  PG_LOG="$PG_LOGDIR/postgres.log"
}

take_lock() {
  mkdir -p "$DATA"; chmod 755 "$DATA"
  exec 9>"$DATA/.services.lock"
  flock -w 180 9 || die "another services.sh is running (lock $DATA/.services.lock)"
}

# kill -0 also succeeds for zombies; on some hosts (e.g. containers/microVMs
# with a minimal init) a killed daemon stays <defunct> for a while.
alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n $st && $st != Z ]]
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

tail_log() {
  local f="$1"
  [[ -f $f ]] || return 0
  printf '[services] ---- last lines of %s ----\n' "$f" >&2
  tail -n 30 "$f" >&2 || true
  printf '[services] ----\n' >&2
}

# ---------------------------------------------------------------- MariaDB ---
my_pid() {  # prints pid if our mariadbd is running
  local pid
  [[ -f $MY_PID ]] || return 1
  pid="$(cat "$MY_PID" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  grep -q mariadbd "/proc/$pid/comm" 2>/dev/null || grep -q mysqld "/proc/$pid/comm" 2>/dev/null || return 1
  echo "$pid"
}
my_running() { my_pid >/dev/null; }
# Port a running server actually uses (may differ from the requested one if it
# was started with other TRESTLE_*_PORT settings).
my_actual_port() {
  { tr '\0' '\n' <"/proc/$1/cmdline" | sed -n 's/^--port=//p' | head -n1; } 2>/dev/null || true
}
port_note() {  # port_note ACTUAL REQUESTED
  if [[ -n $1 && $1 != "$2" ]]; then echo " (NOTE: requested port $2; 'stop' first to change)"; fi
}

my_root_sql() {  # SQL as the socket-authenticated admin account
  mariadb --no-defaults -S "$MY_SOCK" -u"$ME" --batch "$@"
}

my_start() {
  local pid
  if pid="$(my_pid)"; then
    local port; port="$(my_actual_port "$pid")"
    log "mariadb: already running on 127.0.0.1:${port:-$MY_PORT} (pid $pid)$(port_note "$port" "$MY_PORT")"
    return 0
  fi
  if port_open "$MY_PORT"; then
    die "mariadb: port $MY_PORT is in use by another process (set TRESTLE_MYSQL_PORT to use another)"
  fi
  create_base mariadb "$MY_USER"; init_paths
  mkdir -p "$MY_DATADIR" "$MY_RUNDIR" "$MY_LOGDIR"
  rm -f "$MY_PID"
  (( IS_ROOT )) && chown -R "$MY_USER:$MY_USER" "$MY_BASE/" "$MY_RUNDIR"
  local userarg=() mariadbd
  (( IS_ROOT )) && userarg=(--user="$MY_USER")
  mariadbd="$(find_mariadbd)" || die "mariadb: mariadbd not found (is mariadb-server installed?)"

  if [[ ! -d $MY_DATADIR/mysql ]]; then
    log "mariadb: initialising data dir $MY_DATADIR"
    local sockuser=()
    (( IS_ROOT )) || sockuser=(--auth-root-socket-user="$ME")
    if ! (cd / && mariadb-install-db --no-defaults "${userarg[@]}" --datadir="$MY_DATADIR" \
          --skip-test-db --auth-root-authentication-method=socket "${sockuser[@]}" \
          >"$MY_LOGDIR/install-db.log" 2>&1 9>&-); then
      tail_log "$MY_LOGDIR/install-db.log"; die "mariadb: mariadb-install-db failed"
    fi
  fi

  log "mariadb: starting on 127.0.0.1:$MY_PORT"
  # nohup + setsid (new session, no controlling tty): survives this script and
  # the terminal. `exec` keeps $! == the mariadbd pid so we can detect an
  # early crash instead of waiting for the full timeout.
  (cd / && exec nohup setsid "$mariadbd" --no-defaults "${userarg[@]}" --datadir="$MY_DATADIR" \
      --socket="$MY_SOCK" --pid-file="$MY_PID" --log-error="$MY_LOG" \
      --port="$MY_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      </dev/null >>"$MY_LOGDIR/mariadbd.out" 2>&1 9>&-) &
  local mpid=$! i
  for (( i = 0; i < WAIT_SECS * 4; i++ )); do
    if ! alive "$mpid"; then
      tail_log "$MY_LOG"; tail_log "$MY_LOGDIR/mariadbd.out"
      die "mariadb: mariadbd exited during startup"
    fi
    if mariadb-admin --no-defaults -S "$MY_SOCK" -u"$ME" --connect-timeout=2 ping >/dev/null 2>&1 \
       && port_open "$MY_PORT"; then
      break
    fi
    sleep 0.25
  done
  if (( i >= WAIT_SECS * 4 )); then
    tail_log "$MY_LOG"; tail_log "$MY_LOGDIR/mariadbd.out"
    die "mariadb: did not accept connections within ${WAIT_SECS}s"
  fi

  # Idempotent on every start. ALL ON *.* WITH GRANT OPTION because tests
  # create and drop per-test databases.
  my_root_sql <<'SQL' || die "mariadb: bootstrapping user/database failed"
CREATE USER IF NOT EXISTS 'trestle'@'127.0.0.1' IDENTIFIED BY 'trestle';
CREATE USER IF NOT EXISTS 'trestle'@'localhost' IDENTIFIED BY 'trestle';
ALTER USER 'trestle'@'127.0.0.1' IDENTIFIED BY 'trestle';
ALTER USER 'trestle'@'localhost' IDENTIFIED BY 'trestle';
GRANT ALL PRIVILEGES ON *.* TO 'trestle'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'trestle'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS trestle CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL
  log "mariadb: ready (pid $(my_pid || echo ?))"
}

my_stop() {
  local pid i
  if ! pid="$(my_pid)"; then log "mariadb: not running"; return 0; fi
  log "mariadb: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < WAIT_SECS * 4; i++ )); do
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    tail_log "$MY_LOG"; die "mariadb: pid $pid did not exit within ${WAIT_SECS}s"
  fi
  rm -f "$MY_PID"
  log "mariadb: stopped"
}

# ------------------------------------------------------------- PostgreSQL ---
pg_actual_port() { sed -n 4p "$PG_DATADIR/postmaster.pid" 2>/dev/null || true; }

pg_running() {
  local pid
  pid="$(head -n1 "$PG_DATADIR/postmaster.pid" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  local pgbin; pgbin="$(find_pgbin 2>/dev/null)" || return 1
  as_user "$PG_USER" "$pgbin/pg_ctl" status -D "$PG_DATADIR" >/dev/null 2>&1
}

pg_start() {
  if pg_running; then
    local port; port="$(pg_actual_port)"
    log "postgres: already running on 127.0.0.1:${port:-$PG_PORT}$(port_note "$port" "$PG_PORT")"
    return 0
  fi
  if port_open "$PG_PORT"; then
    die "postgres: port $PG_PORT is in use by another process (set TRESTLE_PG_PORT to use another)"
  fi
  create_base postgres "$PG_USER"; init_paths
  mkdir -p "$PG_RUNDIR" "$PG_LOGDIR"
  (( IS_ROOT )) && chown -R "$PG_USER:$PG_USER" "$PG_BASE/" "$PG_RUNDIR"
  local pgbin; pgbin="$(find_pgbin)" || exit 1

  if [[ ! -f $PG_DATADIR/PG_VERSION ]]; then
    log "postgres: initialising data dir $PG_DATADIR ($(basename "$(dirname "$pgbin")"))"
    rm -rf "$PG_DATADIR"
    if ! as_user "$PG_USER" "$pgbin/initdb" -D "$PG_DATADIR" -A trust -U postgres \
          --encoding=UTF8 --locale=C.UTF-8 >"$PG_LOGDIR/initdb.log" 2>&1; then
      tail_log "$PG_LOGDIR/initdb.log"; die "postgres: initdb failed"
    fi
  fi

  # A postmaster killed with -9 may linger as a zombie until init reaps it;
  # the new postmaster would refuse to start while that pid still "exists".
  local oldpid i=0
  oldpid="$(head -n1 "$PG_DATADIR/postmaster.pid" 2>/dev/null || true)"
  if [[ $oldpid =~ ^[0-9]+$ ]]; then
    while kill -0 "$oldpid" 2>/dev/null && ! alive "$oldpid" && (( i++ < 40 )); do sleep 0.25; done
  fi

  log "postgres: starting on 127.0.0.1:$PG_PORT"
  if ! as_user "$PG_USER" "$pgbin/pg_ctl" start -D "$PG_DATADIR" -w -t "$WAIT_SECS" -l "$PG_LOG" \
        -o "-p $PG_PORT -k $PG_RUNDIR -c listen_addresses=127.0.0.1" >/dev/null 2>&1; then
    tail_log "$PG_LOG"; die "postgres: pg_ctl start failed or server not ready within ${WAIT_SECS}s"
  fi

  local psql=("$pgbin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
  if [[ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'trestle'")" != 1 ]]; then
    "${psql[@]}" -c "CREATE DATABASE trestle ENCODING 'UTF8'" || die "postgres: CREATE DATABASE failed"
  fi
  log "postgres: ready"
}

pg_stop() {
  if ! pg_running; then log "postgres: not running"; return 0; fi
  local pgbin; pgbin="$(find_pgbin)" || exit 1
  log "postgres: stopping"
  if ! as_user "$PG_USER" "$pgbin/pg_ctl" stop -D "$PG_DATADIR" -m fast -w -t "$WAIT_SECS" >/dev/null 2>&1; then
    tail_log "$PG_LOG"; die "postgres: pg_ctl stop failed"
  fi
  log "postgres: stopped"
}

# A crash, as fault tests want it: SIGKILL, no shutdown. PostgreSQL's backends are killed
# with their postmaster so the next start is not refused for shared memory still in use.
my_kill() {
  local pid
  if ! pid="$(my_pid)"; then log "mariadb: not running"; return 0; fi
  log "mariadb: killing (pid $pid)"
  kill -KILL "$pid" 2>/dev/null || true
  local i; for (( i = 0; i < 80; i++ )); do alive "$pid" || break; sleep 0.25; done
  rm -f "$MY_PID"
  log "mariadb: killed"
}

pg_kill() {
  local pid
  pid="$(head -n1 "$PG_DATADIR/postmaster.pid" 2>/dev/null || true)"
  if ! [[ $pid =~ ^[0-9]+$ ]] || ! alive "$pid"; then log "postgres: not running"; return 0; fi
  log "postgres: killing (pid $pid and its backends)"
  local children; children="$(pgrep -P "$pid" || true)"
  kill -KILL "$pid" $children 2>/dev/null || true
  local i c; for (( i = 0; i < 80; i++ )); do
    alive "$pid" && { sleep 0.25; continue; }
    for c in $children; do alive "$c" && { sleep 0.25; continue 2; }; done
    break
  done
  log "postgres: killed"
}

# --------------------------------------------------------------- commands ---
# ONLY names one server (mariadb|postgres) or is empty for both.
cmd_start() {
  NEED_MY=1; NEED_PG=1
  case "$ONLY" in
    mariadb) NEED_PG=0 ;;
    postgres) NEED_MY=0 ;;
    *)
      if [[ -n ${DATABASE_URL:-} ]]; then NEED_MY=0; log "mariadb: skipped (DATABASE_URL is set)"; fi
      if [[ -n ${QUEUE_DATABASE_URL:-} ]]; then NEED_PG=0; log "postgres: skipped (QUEUE_DATABASE_URL is set)"; fi
      ;;
  esac
  ensure_installed
  (( NEED_MY )) && my_start
  (( NEED_PG )) && pg_start
  return 0
}

cmd_stop() {
  [[ $ONLY == postgres ]] || my_stop
  [[ $ONLY == mariadb ]] || pg_stop
}

cmd_kill() {
  [[ -n ${TRESTLE_DATA_DIR:-} && $DATA != "$ROOT/.data" ]] \
    || die "kill is for a pair of servers of their own: set TRESTLE_DATA_DIR (and other ports)"
  case "$ONLY" in
    mariadb) my_kill ;;
    postgres) pg_kill ;;
    *) die "kill needs a server: kill mariadb|postgres" ;;
  esac
}

cmd_status() {
  local rc=0 pid port
  if [[ $ONLY != postgres ]]; then
    if pid="$(my_pid)"; then
      port="$(my_actual_port "$pid")"
      log "mariadb:  running  127.0.0.1:${port:-$MY_PORT} (pid $pid, data $MY_DATADIR)$(port_note "$port" "$MY_PORT")"
    else log "mariadb:  stopped  (port $MY_PORT)"; rc=3; fi
  fi
  if [[ $ONLY != mariadb ]]; then
    if pg_running; then
      port="$(pg_actual_port)"
      log "postgres: running  127.0.0.1:${port:-$PG_PORT} (data $PG_DATADIR)$(port_note "$port" "$PG_PORT")"
    else log "postgres: stopped  (port $PG_PORT)"; rc=3; fi
  fi
  return "$rc"
}

cmd_reset() {
  cmd_stop
  local d
  for d in "$MY_BASE" "$PG_BASE" "/tmp/trestle-mariadb-$REPO_HASH" "/tmp/trestle-postgres-$REPO_HASH"; do
    [[ -e $d ]] && rm -rf -- "$d"
  done
  rm -rf -- "$DATA/mariadb" "$DATA/postgres"   # symlinks, if the data lived in /var/tmp
  log "data deleted"
  init_paths
  cmd_start
}

cmd_env() {
  echo "DATABASE_URL=mysql://trestle:trestle@127.0.0.1:$MY_PORT/trestle"
  echo "QUEUE_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/trestle"
}

main() {
  local cmd="${1:-start}"
  ONLY="${2:-}"
  case "$ONLY" in
    ''|mariadb|postgres) ;;
    *) die "unknown server '$ONLY' (use mariadb|postgres)" ;;
  esac
  case "$cmd" in
    env) cmd_env; return 0 ;;
    -h|--help|help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
    start|stop|status|kill) ;;
    reset) [[ -z $ONLY ]] || die "reset works on both servers" ;;
    *) die "unknown command '$cmd' (use start|stop|kill|status|reset|env)" ;;
  esac
  init_paths
  if [[ $cmd == status ]]; then cmd_status; return; fi
  command -v flock >/dev/null || die "flock (util-linux) is required"
  take_lock
  "cmd_$cmd"
}

main "$@"
