# shellcheck shell=bash
# execq_ensure_debian_packages PACKAGE... -- installs the Debian packages the test suite needs that are missing.
# As root only (apt-get); otherwise it says what is missing and returns 1. Idempotent: installed packages are skipped.
execq_ensure_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    printf '[execq packages] missing (install as root): %s\n' "${missing[*]}" >&2
    return 1
  fi
  printf '[execq packages] installing %s\n' "${missing[*]}" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}
