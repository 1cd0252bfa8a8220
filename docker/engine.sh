#!/usr/bin/env bash
# docker/engine.sh: the Docker engine for qaflow's compose deployment -- its Debian packages, and a dockerd started only when none answers (host networking, no iptables, no bridge).
#
# Usage: docker/engine.sh setup|start|stop|status
#   setup   install the missing packages of infra/packages-compose.txt (docker.io, docker-compose, debootstrap)
#   start   when no Docker engine answers, start Debian's dockerd with --iptables=false --bridge=none
#           (pid $QAFLOW_VAR/run/dockerd.pid, log $QAFLOW_VAR/log/dockerd.log) and wait for it (bounded)
#   stop    stop the dockerd that `start` started (nothing else): SIGTERM, wait, SIGKILL after 60 s
#   status  `up|down - PID`: whether an engine answers, and the pid of ours
# Images and the build cache stay in dockerd's data root (/var/lib/docker), so later builds are warm.
set -euo pipefail

QAFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QAFLOW_ROOT
# shellcheck source=../infra/lib/common.sh
source "$QAFLOW_ROOT/infra/lib/common.sh"
# shellcheck source=../infra/lib/config.sh
source "$QAFLOW_ROOT/infra/lib/config.sh"
# shellcheck source=../infra/lib/setup.sh
source "$QAFLOW_ROOT/infra/lib/setup.sh"
qf_config_defaults

: "${QAFLOW_DOCKERD_TIMEOUT:=60}"

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

engine_start() {
  if engine_answers; then
    qf_info "a Docker engine answers already: using it"
    return 0
  fi
  qf_need dockerd docker
  [[ "$(id -u)" == 0 ]] || qf_die "starting dockerd needs root (or start a Docker engine yourself)"
  qf_pid dockerd >/dev/null && qf_die "our dockerd (pid $(qf_pid dockerd)) runs but does not answer: see $(qf_logfile dockerd)"
  qf_info "starting dockerd (--iptables=false --bridge=none; log $(qf_logfile dockerd))"
  qf_spawn dockerd dockerd --iptables=false --ip6tables=false --bridge=none --ip-masq=false \
    --pidfile "$QAFLOW_VAR/run/dockerd.daemon.pid"
  qf_wait_service dockerd "dockerd" "$QAFLOW_DOCKERD_TIMEOUT" engine_answers || qf_die "dockerd did not start"
  qf_info "dockerd up (pid $(qf_pid dockerd))"
}

engine_stop() {
  qf_pid dockerd >/dev/null || return 0
  qf_stop dockerd 60
}

engine_status() {
  local s=down
  engine_answers && s=up
  printf '%s - %s\n' "$s" "$(qf_pid dockerd || echo -)"
}

case "${1:-}" in
  setup) qf_install_packages "$QAFLOW_ROOT/infra/packages-compose.txt" ;;
  start) engine_start ;;
  stop) engine_stop ;;
  status) engine_status ;;
  *) echo "usage: docker/engine.sh setup|start|stop|status" >&2; exit 2 ;;
esac
