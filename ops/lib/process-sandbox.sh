# shellcheck shell=bash
# What the process fallback (ProcessSandbox) needs on the host beyond util-linux: bubblewrap, for private /tmp,
# /var/tmp and /dev/shm, IPC/UTS namespaces, a read-only root and the seccomp filter. Without it the sandbox falls
# back to util-linux unshare and claims fewer protections, so installing it is best effort.
#
# Usage: . ops/lib/process-sandbox.sh; execq_ensure_bwrap
# Idempotent; installs only as root (Debian's bubblewrap package, 0.8 on bookworm).

execq_ensure_bwrap() {
  if command -v bwrap >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "ops/lib/process-sandbox.sh: bwrap not found and not root: the process fallback will use unshare" >&2
    return 1
  fi
  echo "ops/lib/process-sandbox.sh: installing bubblewrap" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >&2 || {
      echo "ops/lib/process-sandbox.sh: could not install bubblewrap: the process fallback will use unshare" >&2
      return 1
    }
  fi
}
