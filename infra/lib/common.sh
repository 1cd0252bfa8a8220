# infra/lib/common.sh: logging, process and waiting helpers shared by the launcher and every component.
# Components may use every qf_* function defined here.

qf_ts() { date -u +%Y-%m-%dT%H:%M:%SZ; }
qf_info() { printf '%s [qaflow] %s\n' "$(qf_ts)" "$*" >&2; }
qf_warn() { printf '%s [qaflow] WARN %s\n' "$(qf_ts)" "$*" >&2; }
qf_die() { printf '%s [qaflow] ERROR %s\n' "$(qf_ts)" "$*" >&2; exit 1; }

# qf_dirs: create the var layout ($QAFLOW_VAR/{log,run,data}).
qf_dirs() { mkdir -p "$QAFLOW_VAR/log" "$QAFLOW_VAR/run" "$QAFLOW_VAR/data"; }

qf_pidfile() { printf '%s/run/%s.pid' "$QAFLOW_VAR" "$1"; }
qf_logfile() { printf '%s/log/%s.log' "$QAFLOW_VAR" "$1"; }

# qf_starttime PID: the process's start time (clock ticks since boot), which with the pid
# identifies one process even after the pid number is reused. NAME.pid holds the pid alone
# (other tools read it); NAME.pid.start holds the start time.
# Empty (status 0) when the process is already gone: callers under `set -e -o pipefail` go on and say why.
qf_starttime() { { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null || true; } | awk '{ print $20 }'; }

# qf_alive PID: the process exists and is not a zombie (an exited daemon stays a zombie until
# whoever adopted it reaps it; it is gone for our purposes).
qf_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)"
  [[ "$state" != Z ]]
}

# qf_pid NAME: print the pid recorded for NAME when that very process is alive; return 1 otherwise.
qf_pid() {
  local f pid start=""
  f="$(qf_pidfile "$1")"
  [[ -s "$f" ]] || return 1
  read -r pid <"$f" || true
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -s "$f.start" ]] && read -r start <"$f.start"
  qf_alive "$pid" || return 1
  if [[ -n "${start:-}" && -r "/proc/$pid/stat" && "$(qf_starttime "$pid")" != "$start" ]]; then
    return 1 # the pid now belongs to another process: ours is gone
  fi
  printf '%s\n' "$pid"
}

# qf_spawn NAME CMD...: start CMD in its own session, stdout+stderr appended to
# $QAFLOW_VAR/log/NAME.log, pid written to $QAFLOW_VAR/run/NAME.pid.
qf_spawn() {
  local name="$1"; shift
  local log; log="$(qf_logfile "$name")"
  qf_dirs
  local pidf; pidf="$(qf_pidfile "$name")"
  rm -f "$pidf" "$pidf.start"
  printf '%s [qaflow] starting %s: %s\n' "$(qf_ts)" "$name" "$*" >>"$log"
  # The inner shell closes every inherited descriptor above 2 (a caller's pipes must not be
  # held open by a daemon), records its own pid and then becomes CMD, so the pid file names
  # CMD whether or not setsid had to fork.
  # (The 2>/dev/null is on each close, not on the loop: on the loop, bash would keep its saved copy
  # of stderr in a descriptor above 2, the loop would close it, and stderr would stay /dev/null.)
  # shellcheck disable=SC2016
  setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && { eval "exec $fd>&-"; } 2>/dev/null; done
    echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidf" "$@" >>"$log" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s "$pidf" ]]; then
      local pid start
      pid="$(head -n1 "$pidf")"
      start="$(qf_starttime "$pid")"
      [[ -z "$start" ]] || printf '%s\n' "$start" >"$pidf.start"
      return 0
    fi
    sleep 0.05
  done
  qf_die "could not start $name (see $log)"
}

# qf_stop_pid NAME PID [TIMEOUT_S]: SIGTERM, wait up to TIMEOUT_S (default 30), then SIGKILL.
qf_stop_pid() {
  local name="$1" pid="$2" timeout="${3:-30}" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    qf_alive "$pid" || return 0
    sleep 0.1
  done
  qf_warn "$name (pid $pid) still running after ${timeout}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# qf_stop NAME [TIMEOUT_S]: stop the process recorded in NAME's pid file, then remove the file.
qf_stop() {
  local name="$1" timeout="${2:-30}" pid
  if pid="$(qf_pid "$name")"; then
    qf_info "stopping $name (pid $pid)"
    qf_stop_pid "$name" "$pid" "$timeout"
  fi
  rm -f "$(qf_pidfile "$name")" "$(qf_pidfile "$name").start"
}

# qf_wait_for DESC TIMEOUT_S CMD...: run CMD every 0.5 s until it succeeds; fail with a clear error.
qf_wait_for() {
  local desc="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      qf_warn "timed out after ${timeout}s waiting for $desc"
      return 1
    fi
    sleep 0.5
  done
}

# qf_wait_service NAME DESC TIMEOUT_S CMD...: like qf_wait_for, but gives up at once (with the
# end of NAME's log) when NAME's process has exited.
qf_wait_service() {
  local name="$1" desc="$2" timeout="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if ! qf_pid "$name" >/dev/null; then
      qf_warn "$name exited while starting"
      qf_tail_log "$name" 30
      return 1
    fi
    if ((SECONDS >= deadline)); then
      qf_warn "timed out after ${timeout}s waiting for $desc"
      qf_tail_log "$name" 30
      return 1
    fi
    sleep 0.5
  done
}

# qf_port_open PORT: true when something listens on 127.0.0.1:PORT.
qf_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# qf_http_ok URL: true when URL answers 2xx.
qf_http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# qf_status_line NAME PORT: the agreed `up|down port pid` line for a pid-file managed process.
qf_status_line() {
  local pid
  if pid="$(qf_pid "$1")"; then printf 'up %s %s\n' "$2" "$pid"; else printf 'down %s -\n' "$2"; fi
}

# qf_tail_log NAME [LINES]: show the end of a component's log (used in error messages).
qf_tail_log() {
  local log; log="$(qf_logfile "$1")"
  [[ -f "$log" ]] && { echo "--- last lines of $log ---" >&2; tail -n "${2:-20}" "$log" >&2; }
  return 0
}

# qf_need CMD...: fail with a hint when a required command is missing.
qf_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || qf_die "'$c' not found: run ./qaflow setup"
  done
}

# Replicas of a component: replica 1 is NAME (its pid and log files as with one process), replica i > 1 is NAME-i.
qf_replica_name() { if (($2 == 1)); then printf '%s' "$1"; else printf '%s-%s' "$1" "$2"; fi; }

# qf_replicas NAME N: 1..N, then every higher replica that still has a pid file (started by an earlier,
# larger setting: status shows it and down stops it).
qf_replicas() {
  local name="$1" n="$2" i f
  for ((i = 1; i <= n; i++)); do echo "$i"; done
  for f in "$QAFLOW_VAR/run/$name"-*.pid; do
    [[ -f "$f" ]] || continue
    f="${f##*/$name-}"; f="${f%.pid}"
    [[ "$f" =~ ^[0-9]+$ ]] && ((f > n)) && echo "$f"
  done | sort -n -u
}

# qf_replica_port PORT1 PORT2 I: replica I's port: PORT1 for replica 1, PORT2 + I - 2 for the others.
qf_replica_port() { if (($3 == 1)); then printf '%s' "$1"; else printf '%s' $(($2 + $3 - 2)); fi; }

# qf_replica_status NAME N WORD PORT_FN: one status line per replica of NAME (PORT_FN I prints replica I's
# port), with the detail "WORD I" unless NAME runs alone.
qf_replica_status() {
  local name="$1" n="$2" word="$3" portfn="$4" i
  for i in $(qf_replicas "$name" "$n"); do
    printf '%s%s\n' "$(qf_status_line "$(qf_replica_name "$name" "$i")" "$("$portfn" "$i")")" \
      "$( ((n == 1 && i == 1)) || echo " $word $i")"
  done
}

# qf_replica_stop NAME N [TIMEOUT_S]: stop every replica of NAME, the highest first.
qf_replica_stop() {
  local i
  for i in $(qf_replicas "$1" "$2" | sort -rn); do qf_stop "$(qf_replica_name "$1" "$i")" "${3:-30}"; done
}

# qf_replica_spawn NAME I PORT DESC CMD...: start replica I of NAME (CMD, serving on PORT) unless it runs. A
# port taken by something else is an error naming its setting (QAFLOW_<NAME>_PORT, for I > 1 _REPLICA_PORT).
qf_replica_spawn() {
  local name="$1" i="$2" port="$3" desc="$4" pname var
  shift 4
  pname="$(qf_replica_name "$name" "$i")"
  qf_pid "$pname" >/dev/null && return 0
  var="QAFLOW_${name^^}_PORT"; ((i == 1)) || var="QAFLOW_${name^^}_REPLICA_PORT"
  qf_port_open "$port" && qf_die "port $port is already taken (set $var)"
  qf_info "starting $desc$( ((i == 1)) || echo " #$i") on 127.0.0.1:$port"
  qf_spawn "$pname" "$@"
}

# qf_replica_wait NAME N DESC HEALTH_FN: wait until each replica I of 1..N passes HEALTH_FN I.
qf_replica_wait() {
  local i pname
  for ((i = 1; i <= $2; i++)); do
    pname="$(qf_replica_name "$1" "$i")"
    qf_wait_service "$pname" "$3 #$i /health" "$QAFLOW_START_TIMEOUT" "$4" "$i" \
      || qf_die "$3 #$i did not become healthy (see $(qf_logfile "$pname"))"
  done
}
