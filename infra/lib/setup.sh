# infra/lib/setup.sh: ./qaflow setup and build -- Debian packages, component setup (jars, models), CMake build.

# qf_missing_packages [LIST]: print the packages of LIST (default infra/packages.txt) that are not installed.
qf_missing_packages() {
  local p
  while read -r p; do
    [[ -z "$p" || "$p" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done <"${1:-$QAFLOW_ROOT/infra/packages.txt}"
}

# qf_install_packages [LIST]: install the missing packages of LIST (default infra/packages.txt).
qf_install_packages() {
  local -a missing
  mapfile -t missing < <(qf_missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    qf_info "Debian packages: all present"
    return 0
  fi
  qf_info "Debian packages missing: ${missing[*]}"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  command -v apt-get >/dev/null || qf_die "apt-get not found: install ${missing[*]} yourself"
  qf_info "apt-get update"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q || qf_die "apt-get update failed"
  qf_info "apt-get install ${#missing[@]} package(s) (this takes a few minutes the first time)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Progress-Fancy=0 "${missing[@]}" \
    | grep --line-buffered -E '^(Unpacking|Setting up)' >&2 || true
  mapfile -t missing < <(qf_missing_packages "$@")
  ((${#missing[@]} == 0)) || qf_die "still missing after apt-get install: ${missing[*]}"
  # The Debian postgresql package starts a cluster on 5432; qaflow runs its own clusters.
  if [[ -d /etc/postgresql/15/main ]] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  redis_distro_stop
  prometheus_distro_stop
}

# redis_distro_stop: the redis-server package may start a system instance on 6379; stop it
# so ./qaflow up can use that port (only when it is the distribution's own service).
redis_distro_stop() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
  fi
}

# prometheus_distro_stop: the prometheus package may start a system instance on 9090; stop and disable it
# so `./qaflow up --with-prometheus` runs qaflow's own (only when it is the distribution's service).
prometheus_distro_stop() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
    systemctl disable prometheus >/dev/null 2>&1 || true
  fi
}

# cmd_build: configure and build the C tree (binaries in $QAFLOW_BIN_DIR).
cmd_build() {
  qf_need cmake
  qf_info "building the C tree in $QAFLOW_BUILD_DIR (-j$QAFLOW_JOBS)"
  # shellcheck disable=SC2086 # QAFLOW_CMAKE_ARGS: extra -D options, word-split on purpose
  cmake -S "$QAFLOW_ROOT" -B "$QAFLOW_BUILD_DIR" -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$QAFLOW_BIN_DIR" ${QAFLOW_CMAKE_ARGS:-} >&2 \
    || qf_die "cmake configure failed"
  cmake --build "$QAFLOW_BUILD_DIR" -j"$QAFLOW_JOBS" >&2 || qf_die "build failed"
  qf_info "build done; binaries in $QAFLOW_BIN_DIR"
}

# cmd_setup [--no-build]: everything a fresh machine needs; idempotent.
#   QAFLOW_SETUP_SKIP="llm ..." skips those components' setup (./qaflow test skips the llama.cpp build).
cmd_setup() {
  local build=1
  [[ "${1:-}" == --no-build ]] && build=0
  qf_install_packages
  qf_dirs
  local n
  while read -r n; do
    if [[ " ${QAFLOW_SETUP_SKIP:-} " == *" $n "* ]]; then
      qf_info "setup $n: skipped"
      continue
    fi
    if qf_has_fn "${n}_setup"; then
      qf_info "setup $n"
      "${n}_setup"
    fi
  done < <(qf_component_names)
  ((build == 0)) || cmd_build
  qf_info "setup complete"
}
