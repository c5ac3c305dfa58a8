#!/usr/bin/env bash
# ops/lib/prometheus.sh -- make Debian's Prometheus server and promtool available on a (fresh) Debian machine,
# for the test that runs ops/prometheus/ and ops/grafana/ against a live executor (PrometheusRulesAndDashboardIT).
#
# Source it and call the function:
#     . ops/lib/prometheus.sh && execq_ensure_prometheus
# or run it directly:
#     bash ops/lib/prometheus.sh ensure      # same as above; exit status 0 when prometheus and promtool exist
#     bash ops/lib/prometheus.sh status      # exit status 0 when both exist, nothing is installed
#
# What execq_ensure_prometheus does:
#   1. `prometheus` and `promtool` are on the PATH  -> return 0 (nothing else is touched);
#   2. not root                                     -> explain and return 1;
#   3. root: apt-get install --no-install-recommends prometheus (2.42 on Debian 12), WITHOUT starting the packaged
#      service: while it installs, a policy-rc.d that refuses every service start is in place (unless the machine
#      already has one). The test starts its own `prometheus` on 127.0.0.1 with its own storage directory.
# It is idempotent; concurrent apt runs are waited for (dpkg lock timeout). Progress goes to stderr. The library
# never changes the caller's shell options.
#
# Tunables (environment):
#   EXECQ_APT_LOCK_WAIT_SECS  how long to wait for another apt/dpkg run (default 300)

_execq_prometheus_log() { printf '[execq prometheus] %s\n' "$*" >&2; }

# 0 when both binaries are on the PATH.
execq_prometheus_ready() {
  command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1
}

execq_ensure_prometheus() (
  # Runs in a subshell: options and traps stay local.
  set -u
  local lock_wait=${EXECQ_APT_LOCK_WAIT_SECS:-300}
  local policy=/usr/sbin/policy-rc.d

  if execq_prometheus_ready; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    _execq_prometheus_log "ERROR: prometheus/promtool not found and this user ($(id -un)) is not root, so they cannot be installed here."
    _execq_prometheus_log "       As root run: bash ops/lib/prometheus.sh ensure   (apt-get install prometheus, service not started)."
    return 1
  fi

  if [[ ! -e $policy ]]; then
    # Debian's maintainer scripts ask invoke-rc.d before starting a service; exit 101 means "not allowed".
    printf '#!/bin/sh\n# execq: no service starts while ops/lib/prometheus.sh installs packages\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    # Expanded now: the trap runs as the subshell exits.
    trap "rm -f '$policy'" EXIT
  fi

  _execq_prometheus_log "prometheus/promtool not found: installing Debian's prometheus package (service not started) ..."
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$lock_wait" update -qq >&2; then
    _execq_prometheus_log "ERROR: apt-get update failed"
    return 1
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$lock_wait" install -y -qq \
       --no-install-recommends prometheus >&2; then
    _execq_prometheus_log "ERROR: apt-get install prometheus failed"
    return 1
  fi
  if ! execq_prometheus_ready; then
    _execq_prometheus_log "ERROR: the prometheus package is installed but prometheus/promtool are not on the PATH"
    return 1
  fi
  _execq_prometheus_log "installed: $(prometheus --version 2>&1 | head -n 1)"
)

# Executed (not sourced): bash ops/lib/prometheus.sh [ensure|status]
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-ensure} in
    ensure) execq_ensure_prometheus ;;
    status)
      if execq_prometheus_ready; then
        echo "prometheus: $(prometheus --version 2>&1 | head -n 1)"
      else
        echo "prometheus: not installed"
        exit 1
      fi
      ;;
    *)
      echo "usage: bash $0 [ensure|status]" >&2
      exit 2
      ;;
  esac
fi
