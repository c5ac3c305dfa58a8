#!/usr/bin/env bash
# ops/lib/docker.sh -- make a Docker engine available on a (fresh) Debian machine.
#
# Source it and call the function:
#     . ops/lib/docker.sh && execq_ensure_docker
# or run it directly:
#     bash ops/lib/docker.sh ensure      # same as above; exit status 0 when `docker info` answers
#     bash ops/lib/docker.sh status      # exit status 0 when `docker info` answers, nothing is started
#
# What execq_ensure_docker does:
#   1. `docker info` already answers                 -> return 0 (nothing else is touched);
#   2. not root                                      -> explain and return 1;
#   3. root: install docker.io with apt when dockerd is missing, remove a STALE /var/run/docker.pid
#      (a killed dockerd leaves it behind and the next dockerd refuses to start), start dockerd detached
#      (setsid + nohup, outlives the caller) logging to $EXECQ_DOCKERD_LOG, and wait up to
#      $EXECQ_DOCKER_WAIT_SECS seconds for `docker info` to answer.
# It is idempotent and safe to call twice, also concurrently (a flock serialises the start-up).
# Progress goes to stderr. The library never changes the caller's shell options.
#
# Tunables (environment):
#   EXECQ_DOCKERD_LOG       dockerd log file            (default /var/log/execq-dockerd.log)
#   EXECQ_DOCKER_WAIT_SECS  how long to wait for dockerd (default 60)
#   EXECQ_DOCKER_LOCK       lock file                    (default /run/lock/execq-docker.lock)

_execq_docker_log() { printf '[execq docker] %s\n' "$*" >&2; }

# 0 when the engine answers within a few seconds.
execq_docker_ready() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout "${1:-10}" docker info >/dev/null 2>&1
}

# Prints the pid recorded in the pid file when that process is alive AND is a dockerd; else nothing.
_execq_live_dockerd_pid() {
  local pidfile=$1 pid comm
  [[ -s $pidfile ]] || return 1
  pid=$(tr -dc '0-9' <"$pidfile" 2>/dev/null)
  [[ -n $pid ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [[ $comm == dockerd ]] || return 1
  printf '%s\n' "$pid"
}

# 0 when any process named dockerd exists (no procps needed).
_execq_any_dockerd() {
  grep -qsx dockerd /proc/[0-9]*/comm 2>/dev/null
}

execq_ensure_docker() (
  # Runs in a subshell: options, traps and the lock fd stay local.
  set -u
  local log=${EXECQ_DOCKERD_LOG:-/var/log/execq-dockerd.log}
  local wait_secs=${EXECQ_DOCKER_WAIT_SECS:-60}
  local lock=${EXECQ_DOCKER_LOCK:-/run/lock/execq-docker.lock}
  local pidfile=/var/run/docker.pid
  local pid='' started=$SECONDS

  if execq_docker_ready 10; then
    return 0
  fi

  if [[ $(id -u) -ne 0 ]]; then
    local why="the docker client is not installed"
    command -v docker >/dev/null 2>&1 && why="the Docker engine does not answer ('docker info' failed)"
    _execq_docker_log "ERROR: ${why} and this user ($(id -un)) is not root, so it cannot be started here."
    _execq_docker_log "       As root run: bash ops/lib/docker.sh ensure   (installs docker.io if needed and starts dockerd),"
    _execq_docker_log "       or make sure this user can reach the engine (DOCKER_HOST / membership of the 'docker' group)."
    return 1
  fi

  # Serialise concurrent callers (two scripts starting dockerd at once would fight over the pid file).
  mkdir -p "$(dirname "$lock")" 2>/dev/null || true
  if command -v flock >/dev/null 2>&1 && exec 9>"$lock"; then
    if ! flock -w $((wait_secs + 120)) 9; then
      _execq_docker_log "ERROR: timed out waiting for the lock $lock (another start-up in progress?)"
      return 1
    fi
    # Another caller may have finished the job while we waited for the lock.
    if execq_docker_ready 10; then
      return 0
    fi
  fi

  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    _execq_docker_log "dockerd/docker not found: installing docker.io with apt-get (this takes a minute) ..."
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; then
      _execq_docker_log "ERROR: apt-get update failed"
      return 1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
         docker.io iptables ca-certificates >&2; then
      _execq_docker_log "ERROR: apt-get install docker.io failed"
      return 1
    fi
    _execq_docker_log "installed: $(dockerd --version 2>/dev/null)"
  fi

  started=$SECONDS
  if pid=$(_execq_live_dockerd_pid "$pidfile"); then
    # A dockerd is alive but did not answer yet (e.g. it is still starting): wait for it, do not start a second one.
    _execq_docker_log "dockerd (pid $pid) is running but does not answer yet; waiting up to ${wait_secs}s ..."
  else
    if [[ -e $pidfile ]]; then
      _execq_docker_log "removing stale $pidfile (recorded pid '$(tr -dc '0-9' <"$pidfile" 2>/dev/null)' is not a live dockerd)"
      rm -f "$pidfile"
    fi
    mkdir -p "$(dirname "$log")"
    _execq_docker_log "starting dockerd in the background (log: $log) ..."
    printf '\n==== %s execq_ensure_docker: starting dockerd ====\n' "$(date -Is)" >>"$log"
    # setsid -f: own session, detached from this script's terminal/process group, so dockerd outlives it.
    # fd 9 (the lock) is closed for dockerd, or it would hold the lock forever.
    setsid -f nohup dockerd >>"$log" 2>&1 </dev/null 9>&- || {
      _execq_docker_log "ERROR: could not launch dockerd"
      return 1
    }
  fi

  while ((SECONDS - started < wait_secs)); do
    if execq_docker_ready 5; then
      _execq_docker_log "Docker engine is up after $((SECONDS - started))s ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
      return 0
    fi
    # Fail fast when dockerd died (bad config, pid file race, ...).
    if ((SECONDS - started > 3)) && ! _execq_live_dockerd_pid "$pidfile" >/dev/null && ! _execq_any_dockerd; then
      _execq_docker_log "ERROR: dockerd exited during start-up; last lines of $log:"
      tail -n 15 "$log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
  _execq_docker_log "ERROR: the Docker engine did not answer within ${wait_secs}s; last lines of $log:"
  tail -n 15 "$log" >&2 2>/dev/null || true
  return 1
)

# Executed (not sourced): bash ops/lib/docker.sh [ensure|status]
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-ensure} in
    ensure) execq_ensure_docker ;;
    status)
      if execq_docker_ready 10; then
        echo "docker: up ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
      else
        echo "docker: not answering"
        exit 1
      fi
      ;;
    *)
      echo "usage: bash $0 [ensure|status]" >&2
      exit 2
      ;;
  esac
fi
