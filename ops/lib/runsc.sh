#!/usr/bin/env bash
# ops/lib/runsc.sh -- make gVisor's runsc available to dockerd as the OCI runtime "runsc".
#
# Source it and call the function (after execq_ensure_docker):
#     . ops/lib/runsc.sh && execq_ensure_runsc
# or run it directly:
#     bash ops/lib/runsc.sh ensure     # same as above; exit status 0 when dockerd lists the runtime "runsc"
#     bash ops/lib/runsc.sh status     # exit status 0 when dockerd lists "runsc", nothing is changed
#
# What execq_ensure_runsc does:
#   1. dockerd already lists the runtime "runsc" with execq's arguments -> return 0 (nothing is touched);
#   2. not root                                        -> explain and return 1;
#   3. root: install Debian's runsc (and jq, to edit JSON) with apt when missing; add
#        "runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none", "--oci-seccomp"]}}
#      to /etc/docker/daemon.json (replacing an older "runsc" entry), keeping every other setting in it (the file is created when absent);
#      send SIGHUP to dockerd, which reloads its runtimes without restarting (running containers are untouched),
#      and wait until `docker info` lists the runtime.
# Why --network=none: gVisor's own network stack refuses to start a sandbox in the host's root network
# namespace ("cannot run with network enabled in root network namespace"); execq runs every container with
# --network none, so gVisor needs no network at all. Why --oci-seccomp: without it runsc ignores the container's
# seccomp profile (measured: a profile denying mkdir is not applied), so execq's profile would not hold.
# Idempotent; a flock serialises concurrent callers. Progress goes to stderr.
#
# Tunables (environment):
#   EXECQ_DOCKER_DAEMON_JSON  daemon config file   (default /etc/docker/daemon.json)
#   EXECQ_DOCKER_LOCK         lock file            (default /run/lock/execq-docker.lock, shared with docker.sh)

_execq_runsc_log() { printf '[execq runsc] %s\n' "$*" >&2; }

# The runtime arguments execq registers runsc with (a JSON array).
EXECQ_RUNSC_ARGS='["--network=none","--oci-seccomp"]'

# 0 when dockerd lists a runtime named runsc with exactly those arguments.
execq_runsc_registered() {
  command -v docker >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 || return 1
  timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null \
    | jq -e --argjson args "$EXECQ_RUNSC_ARGS" '.runsc.runtimeArgs == $args' >/dev/null 2>&1
}

execq_ensure_runsc() (
  set -u
  local config=${EXECQ_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
  local lock=${EXECQ_DOCKER_LOCK:-/run/lock/execq-docker.lock}
  local runsc=/usr/bin/runsc pid tmp i

  if execq_runsc_registered; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    _execq_runsc_log "ERROR: dockerd has no runtime 'runsc' and this user ($(id -un)) is not root, so it cannot be added here."
    _execq_runsc_log "       As root run: bash ops/lib/runsc.sh ensure"
    return 1
  fi
  mkdir -p "$(dirname "$lock")" 2>/dev/null || true
  if command -v flock >/dev/null 2>&1 && exec 9>"$lock"; then
    flock -w 300 9 || { _execq_runsc_log "ERROR: timed out waiting for the lock $lock"; return 1; }
    execq_runsc_registered && return 0
  fi

  if [[ ! -x $runsc ]] || ! command -v jq >/dev/null 2>&1; then
    _execq_runsc_log "installing runsc (gVisor) and jq with apt-get ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || { _execq_runsc_log "ERROR: apt-get update failed"; return 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends runsc jq >&2 || {
      _execq_runsc_log "ERROR: apt-get install runsc jq failed"
      return 1
    }
  fi

  mkdir -p "$(dirname "$config")"
  [[ -s $config ]] || echo '{}' >"$config"
  tmp=$(mktemp "$config.XXXXXX") || return 1
  if ! jq --arg path "$runsc" --argjson args "$EXECQ_RUNSC_ARGS" '.runtimes.runsc = {"path": $path, "runtimeArgs": $args}' \
       "$config" >"$tmp"; then
    rm -f "$tmp"
    _execq_runsc_log "ERROR: $config is not valid JSON; fix it, then run again"
    return 1
  fi
  chmod 0644 "$tmp" && mv "$tmp" "$config"
  _execq_runsc_log "registered runsc in $config"

  pid=$(tr -dc '0-9' </var/run/docker.pid 2>/dev/null || true)
  if [[ -z $pid ]] || [[ $(cat "/proc/$pid/comm" 2>/dev/null) != dockerd ]]; then
    _execq_runsc_log "ERROR: no running dockerd found through /var/run/docker.pid to reload"
    return 1
  fi
  kill -HUP "$pid"
  for i in $(seq 1 30); do
    if execq_runsc_registered; then
      _execq_runsc_log "dockerd lists runtime runsc ($("$runsc" --version 2>/dev/null | head -n 1))"
      return 0
    fi
    sleep 1
  done
  _execq_runsc_log "ERROR: dockerd did not list runsc 30 s after SIGHUP (see its log)"
  return 1
)

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-ensure} in
    ensure) execq_ensure_runsc ;;
    status)
      if execq_runsc_registered; then echo "runsc: registered with dockerd"; else echo "runsc: not registered"; exit 1; fi
      ;;
    *)
      echo "usage: bash $0 [ensure|status]" >&2
      exit 2
      ;;
  esac
fi
