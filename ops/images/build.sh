#!/usr/bin/env bash
# ops/images/build.sh -- build execq's local container images WITHOUT any container registry.
#
#   bash ops/images/build.sh                 build what is missing or out of date
#   bash ops/images/build.sh --force         rebuild all (reuses the cached Debian base and package caches)
#   bash ops/images/build.sh --clean         like --force, and also drop every cache under ops/images/.build/
#   bash ops/images/build.sh busybox kafka   only these (busybox python kafka node gcc java executor prometheus);
#                                            alpine:3.17 follows busybox, execq/executor:latest follows executor
#
# Images (all assembled as root file systems and loaded with `docker import`):
#   execq/busybox:latest  Debian's busybox-static + applet links, /etc/passwd with root and nobody(65534), /tmp, /work
#   alpine:3.17           tag of execq/busybox:latest (Testcontainers needs an image of that name for its checks)
#   execq/python:3.11     debootstrap --variant=minbase bookworm + python3 (no JRE)
#   execq/node:18         minbase bookworm + nodejs (also tagged with its version, e.g. execq/node:18.19.0)
#   execq/gcc:12          minbase bookworm + gcc g++ make libc6-dev (also e.g. execq/gcc:12.2.0)
#   execq/java:17         minbase bookworm + openjdk-17-jdk-headless without jmods (also e.g. execq/java:17.0.13_11)
#   apache/kafka:4.3.1    minbase bookworm + openjdk-17-jre-headless + the Kafka 4.3.1 jars from Maven Central
#                         (ops/images/kafka/pom.xml) + /etc/kafka/docker/run (ops/images/kafka/run); works with
#                         Testcontainers' org.testcontainers.kafka.KafkaContainer
#   execq/executor:<version>  the executor (<version> = the root pom's, e.g. 0.1.0-SNAPSHOT; also tagged :latest):
#                         minbase bookworm + openjdk-17-jre-headless + busybox-static + user execq (10001) + the
#                         files and image settings of ops/docker/Dockerfile (its COPY, ENV, USER, EXPOSE,
#                         HEALTHCHECK, ENTRYPOINT, CMD, WORKDIR, LABEL lines), the jar built with ./mvnw when stale
#   execq/prometheus:2.42 minbase bookworm + Debian's prometheus, run as nobody, storage in /prometheus (for
#                         ops/compose.yaml)
#
# Network: only the Debian mirror (deb.debian.org; override EXECQ_DEBIAN_MIRROR / EXECQ_DEBIAN_SECURITY_MIRROR)
# and Maven Central (through ./mvnw) are contacted. Nothing is pulled from a container registry.
#
# Idempotence: every image carries the label io.execq.inputs-hash = sha256 of its recipe (the shell functions
# that build it) and of the files it copies; an image whose label matches is "up to date" and is not rebuilt.
# Needs root (debootstrap, chroot, mount) whenever something has to be built; the "up to date" check does not.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
build_dir=${EXECQ_IMAGES_BUILD_DIR:-$script_dir/.build}
# shellcheck source-path=SCRIPTDIR source=../lib/docker.sh
. "$script_dir/../lib/docker.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/jar.sh
. "$script_dir/../lib/jar.sh"

SUITE=bookworm
MIRROR=${EXECQ_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${EXECQ_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
HASH_LABEL=io.execq.inputs-hash
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

BUSYBOX_REF=execq/busybox:latest
ALPINE_REF=alpine:3.17
PYTHON_REF=execq/python:3.11
KAFKA_REF=apache/kafka:4.3.1
EXECUTOR_DOCKERFILE=$repo_root/ops/docker/Dockerfile
PROMETHEUS_REF=execq/prometheus:2.42

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

force=0
clean=0
selected=()
for arg in "$@"; do
  case $arg in
    --force | -f) force=1 ;;
    --clean) force=1 clean=1 ;;
    -h | --help) usage; exit 0 ;;
    busybox | alpine) selected+=(busybox) ;;
    python | kafka | node | gcc | java | executor | prometheus) selected+=("$arg") ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done
((${#selected[@]})) || selected=(busybox python kafka node gcc java executor prometheus)
want() { [[ " ${selected[*]} " == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------------------
# mounts: every mount made under $build_dir is recorded and undone on exit (also on failure / Ctrl-C)

MOUNTS=()
mounts_under() { # prints mount points below $1, deepest first
  awk -v p="$1/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
umount_under() {
  local m
  for m in $(mounts_under "$1"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "WARNING: could not unmount $m"
  done
}
on_exit() {
  local rc=$? i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "${MOUNTS[i]}" 2>/dev/null; then
      umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
    fi
  done
  [[ -d $build_dir ]] && umount_under "$build_dir"
  ((rc == 0)) || log "FAILED (exit $rc)"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

do_mount() { # do_mount TARGET mount-args...
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}
do_umount() {
  local target=$1 i
  umount "$target" 2>/dev/null || umount -l "$target"
  for i in "${!MOUNTS[@]}"; do
    [[ ${MOUNTS[i]} != "$target" ]] || unset 'MOUNTS[i]'
  done
  MOUNTS=("${MOUNTS[@]}")
}

safe_rm() { # remove a (root fs) directory, never crossing into a mount
  local d=$1
  [[ -e $d ]] || return 0
  umount_under "$d"
  [[ -z $(mounts_under "$d") ]] || die "refusing to delete $d: still has mounts below it"
  rm -rf --one-file-system "$d"
}

# ---------------------------------------------------------------------------------------------------
# helpers

elapsed() { # elapsed START_NANOS -> "12.3s"
  local now
  now=$(date +%s%N)
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1fs", (b - a) / 1e9 }'
}

image_label() { # image_label REF LABEL -> value, or nothing when the image or label is missing
  local v
  v=$(docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null) || return 0
  [[ $v == "<no value>" ]] || printf '%s\n' "$v"
}
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
remove_if_dangling() { # drops a replaced image once no tag refers to it (never one that is still tagged or in use)
  local id=$1 tags
  [[ -n $id ]] || return 0
  tags=$(docker image inspect -f '{{len .RepoTags}}' "$id" 2>/dev/null) || return 0
  if [[ $tags == 0 ]] && docker rmi "$id" >/dev/null 2>&1; then
    log "removed the replaced image ${id#sha256:}"
  fi
  return 0
}
image_size() {
  local v
  v=$(docker image inspect -f '{{.Size}}' "$1" 2>/dev/null) || return 0
  awk -v b="$v" 'BEGIN { printf "%.0f MB", b / 1e6 }'
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "building $1 needs root (debootstrap/chroot/mount); run as root: bash ops/images/build.sh"
}

apt_updated=0
host_install() { # host_install PACKAGE... (on the build host, via apt)
  if ((apt_updated == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  log "installing on the host: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
quietly() { # quietly LOGFILE CMD... -- output to LOGFILE; its tail on stderr when CMD fails
  local logfile=$1 rc=0
  shift
  mkdir -p "$(dirname "$logfile")"
  "$@" >>"$logfile" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 40 "$logfile" >&2
    log "command failed (exit $rc): $* -- full log: $logfile"
  fi
  return "$rc"
}
pkg_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# Tars a root fs and imports it as REF. Remaining args are `docker import --change` instructions.
import_rootfs() {
  local rootfs=$1 ref=$2 hash=$3
  shift 3
  local changes=() c
  for c in "$@" "LABEL $HASH_LABEL=$hash" "LABEL io.execq.built-by=ops/images/build.sh"; do
    changes+=(--change "$c")
  done
  tar --numeric-owner --sort=name -C "$rootfs" \
    --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
    docker import "${changes[@]}" --message "execq ops/images/build.sh ($hash)" - "$ref" >/dev/null
}

# ---------------------------------------------------------------------------------------------------
# Debian base: `debootstrap --variant=minbase`, cached as a tarball under $build_dir/base/ and shared by
# the python and kafka images (each unpacks it into its own root fs and apt-installs what it needs).

write_base_config() { # files written into the base root fs before it is tarred
  local r=$1
  cat >"$r/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cat >"$r/etc/apt/apt.conf.d/90execq" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  # Keep documentation out of the images (as Debian's "slim" images do); copyright files stay.
  mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
  cat >"$r/etc/dpkg/dpkg.cfg.d/90execq-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  echo localhost >"$r/etc/hostname"
}

base_hash() {
  { echo "$SUITE $MIRROR $SECURITY_MIRROR"; declare -f make_base write_base_config chroot_run chroot_prepare \
      chroot_release; } | sha256sum | cut -c1-16
}

BASE_TARBALL=''
make_base() { # sets BASE_TARBALL, (re)creating the tarball when it is missing or its recipe changed
  local dir=$build_dir/base
  local tarball=$dir/$SUITE-minbase.tar
  local hash
  hash=$(base_hash)
  BASE_TARBALL=$tarball
  if [[ -s $tarball && $(cat "$tarball.inputs-hash" 2>/dev/null) == "$hash" ]]; then
    return 0
  fi
  require_root "the Debian base"
  command -v debootstrap >/dev/null || host_install debootstrap
  local t0 rootfs=$dir/rootfs
  t0=$(date +%s%N)
  log "debootstrap --variant=minbase $SUITE from $MIRROR (cached afterwards as $tarball) ..."
  mkdir -p "$dir" "$build_dir/cache/debootstrap"
  : >"$dir/apt.log"
  safe_rm "$rootfs"
  debootstrap --variant=minbase --cache-dir="$build_dir/cache/debootstrap" "$SUITE" "$rootfs" "$MIRROR" \
    >"$dir/debootstrap.log" 2>&1 || { tail -n 30 "$dir/debootstrap.log" >&2; die "debootstrap failed (log: $dir/debootstrap.log)"; }
  write_base_config "$rootfs"
  # Security and point-release updates on top of the bootstrap.
  chroot_prepare "$rootfs"
  quietly "$dir/apt.log" chroot_run "$rootfs" apt-get update
  quietly "$dir/apt.log" chroot_run "$rootfs" apt-get -y -o Dpkg::Options::=--force-confold upgrade
  chroot_release "$rootfs"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log
  find "$rootfs/var/cache/apt/archives" -xdev -type f -name '*.deb' -delete # debootstrap leaves its .debs here
  tar --numeric-owner -C "$rootfs" --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
    -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  echo "$hash" >"$tarball.inputs-hash"
  safe_rm "$rootfs"
  log "Debian base ready in $(elapsed "$t0") ($(du -sh "$tarball" | cut -f1))"
}

chroot_run() { # chroot_run ROOTFS CMD... -- run in the chroot with a clean environment
  local r=$1
  shift
  local envs=(PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
  local v
  for v in http_proxy https_proxy no_proxy; do
    [[ -z ${!v:-} ]] || envs+=("$v=${!v}")
  done
  chroot "$r" /usr/bin/env -i "${envs[@]}" "$@"
}

chroot_prepare() { # mounts + policy for installing packages in ROOTFS
  local r=$1
  do_mount "$r/proc" -t proc proc # openjdk's post-install (and others) need /proc
  # A private /dev with the usual nodes (the tarballs carry no device nodes; Docker provides /dev at run time).
  do_mount "$r/dev" -t tmpfs -o mode=0755,nosuid devtmp
  mknod -m 666 "$r/dev/null" c 1 3
  mknod -m 666 "$r/dev/zero" c 1 5
  mknod -m 666 "$r/dev/full" c 1 7
  mknod -m 666 "$r/dev/random" c 1 8
  mknod -m 666 "$r/dev/urandom" c 1 9
  mknod -m 666 "$r/dev/tty" c 5 0
  mkdir -m 1777 "$r/dev/shm"
  mkdir -m 0755 "$r/dev/pts"
  do_mount "$r/dev/pts" -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts # dpkg logs through a pty
  ln -s pts/ptmx "$r/dev/ptmx"
  ln -s /proc/self/fd "$r/dev/fd"
  ln -s /proc/self/fd/0 "$r/dev/stdin"
  ln -s /proc/self/fd/1 "$r/dev/stdout"
  ln -s /proc/self/fd/2 "$r/dev/stderr"
  mkdir -p "$build_dir/cache/apt-archives/partial"
  do_mount "$r/var/cache/apt/archives" --bind "$build_dir/cache/apt-archives" # .debs survive --force
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" # never start services in the chroot
  chmod 755 "$r/usr/sbin/policy-rc.d"
}

chroot_release() {
  local r=$1
  rm -f "$r/usr/sbin/policy-rc.d"
  : >"$r/etc/resolv.conf" # Docker mounts its own; do not ship the build host's
  do_umount "$r/var/cache/apt/archives"
  do_umount "$r/dev/pts"
  do_umount "$r/dev"
  do_umount "$r/proc"
}

rootfs_from_base() { # rootfs_from_base DIR -> fresh root fs unpacked from the base tarball
  local r=$1
  make_base
  safe_rm "$r"
  mkdir -p "$r"
  tar --numeric-owner -C "$r" -xf "$BASE_TARBALL"
}

apt_install() { # apt_install ROOTFS PACKAGE... (output in ROOTFS/../apt.log)
  local r=$1 logfile
  shift
  logfile=$(dirname "$r")/apt.log
  log "apt-get install $* (log: $logfile)"
  quietly "$logfile" chroot_run "$r" apt-get update
  mkdir -p "$r/usr/share/man/man1" # some post-install scripts (update-alternatives) expect it
  quietly "$logfile" chroot_run "$r" apt-get install -y "$@"
}

slim_rootfs() { # remove caches, logs, docs that the images do not need (call after chroot_release)
  local r=$1
  [[ -z $(mounts_under "$r") ]] || die "slim_rootfs: $r still has mounts"
  find "$r/var/cache/apt/archives" -xdev -type f -name '*.deb' -delete
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/debconf/*-old \
    "$r"/var/log/apt/* "$r"/var/log/dpkg.log "$r"/var/log/alternatives.log "$r"/var/log/bootstrap.log \
    "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/usr/share/lintian \
    "$r"/tmp/* "$r"/var/tmp/* "$r"/root/.cache
  find "$r/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------
# execq/busybox:latest (+ alpine:3.17)

busybox_hash() {
  { declare -f build_busybox; sha256sum /bin/busybox 2>/dev/null; } | sha256sum | cut -c1-16
}

build_busybox() {
  local r=$build_dir/busybox/rootfs hash=$1
  safe_rm "$r"
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,var/tmp,work}
  install -d -m 1777 "$r/tmp"
  chmod 1777 "$r/var/tmp"
  cp /bin/busybox "$r/bin/busybox"
  local p
  while IFS= read -r p; do
    [[ $p == */* && $p != bin/busybox ]] || continue # skips "linuxrc"
    [[ -e $r/$p || -L $r/$p ]] || ln -s /bin/busybox "$r/$p"
  done < <("$r/bin/busybox" --list-full)
  cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$r/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
EOF
  echo localhost >"$r/etc/hostname"
  # Deterministic tar (sorted, fixed owner and mtime): identical inputs give an identical layer.
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -C "$r" -c . |
    docker import \
      --change 'CMD ["/bin/sh"]' \
      --change "ENV PATH=$CHROOT_PATH" \
      --change "LABEL $HASH_LABEL=$hash" \
      --change "LABEL io.execq.built-by=ops/images/build.sh" \
      --message "execq ops/images/build.sh ($hash)" - "$BUSYBOX_REF" >/dev/null
  safe_rm "$build_dir/busybox"
}

# Also the executor's run-deadline helper (--deadline-helper, bind-mounted into every sandbox container).
ensure_busybox_host() {
  if ! pkg_installed busybox-static || [[ ! -x /bin/busybox ]]; then
    require_root "$BUSYBOX_REF"
    host_install busybox-static
  fi
  local out
  out=$(LC_ALL=C ldd /bin/busybox 2>&1 || true) # ldd exits 1 on a static binary
  [[ $out == *"not a dynamic executable"* ]] ||
    die "/bin/busybox is not statically linked (is Debian's busybox-static installed?)"
}

# ---------------------------------------------------------------------------------------------------
# execq/python:3.11

python_hash() {
  { base_hash; declare -f build_python rootfs_from_base apt_install slim_rootfs import_rootfs; } |
    sha256sum | cut -c1-16
}

build_python() {
  local r=$build_dir/python/rootfs hash=$1
  rootfs_from_base "$r"
  chroot_prepare "$r"
  apt_install "$r" python3-minimal python3
  chroot_run "$r" python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' ||
    die "python3 in the root fs is not 3.11"
  chroot_release "$r"
  slim_rootfs "$r"
  install -d -m 0755 "$r/work"
  import_rootfs "$r" "$PYTHON_REF" "$hash" \
    'CMD ["python3"]' "ENV PATH=$CHROOT_PATH" 'ENV LANG=C.UTF-8'
  safe_rm "$build_dir/python"
}

# ---------------------------------------------------------------------------------------------------
# apache/kafka:4.3.1

kafka_hash() {
  { base_hash; declare -f build_kafka kafka_libs rootfs_from_base apt_install slim_rootfs import_rootfs
    sha256sum "$script_dir/kafka/pom.xml" "$script_dir/kafka/run" "$script_dir/kafka/log4j2.xml" | cut -c1-64
  } | sha256sum | cut -c1-16
}

kafka_libs() { # resolves the broker's runtime jars from Maven Central into DIR
  local dir=$1
  command -v java >/dev/null || die "java is needed on the host to run ./mvnw (install openjdk-17-jdk-headless)"
  rm -rf "$dir"
  mkdir -p "$dir"
  log "resolving Kafka jars with $repo_root/mvnw -f ops/images/kafka/pom.xml dependency:copy-dependencies ..."
  "$repo_root/mvnw" -q -B -f "$script_dir/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.libs.dir="$dir" >&2 || die "maven could not resolve the Kafka jars"
  ls "$dir"/kafka_2.13-4.3.1.jar "$dir"/log4j-slf4j2-impl-*.jar "$dir"/log4j-core-*.jar >/dev/null ||
    die "Kafka jars incomplete in $dir"
}

kafka_cds_archive() { # kafka_cds_archive ROOTFS -- trains /opt/kafka/kafka.jsa (AppCDS, ~2x faster broker start)
  # Starts the broker once inside the chroot, in a private network namespace (its own loopback: no port of the
  # host is used, nothing leaves it), stops it cleanly, and keeps the class archive the JVM dumps at exit.
  # Not fatal: without the archive the image works, it only starts slower.
  local r=$1 logfile pid i ipcmd=''
  logfile=$(dirname "$r")/cds-training.log
  if command -v ip >/dev/null; then ipcmd=ip; elif [[ -x /bin/busybox ]]; then ipcmd='/bin/busybox ip'; fi
  if [[ -z $ipcmd ]] || ! command -v unshare >/dev/null; then
    log "WARNING: no ip/unshare on the host: skipping the Kafka AppCDS archive (slower broker start)"
    return 0
  fi
  log "training the AppCDS archive (starting the broker once in the chroot; log: $logfile) ..."
  # The JVM looks its host name up: resolve it locally (no DNS query from the training run).
  printf '127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$(cat /proc/sys/kernel/hostname)" >"$r/etc/hosts"
  unshare --net -- sh -c "$ipcmd link set lo up && exec \"\$@\"" sh \
    chroot "$r" /usr/bin/env -i PATH="/opt/kafka/bin:$CHROOT_PATH" HOME=/root LANG=C.UTF-8 \
    KAFKA_OPTS=-XX:ArchiveClassesAtExit=/opt/kafka/kafka.jsa /etc/kafka/docker/run >"$logfile" 2>&1 &
  pid=$!
  for ((i = 0; i < 1800; i++)); do # up to 180 s
    grep -q 'Transitioning from RECOVERY to RUNNING' "$logfile" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q 'Transitioning from RECOVERY to RUNNING' "$logfile"; then
    sleep 2 # let the post-start activity (group/share coordinators, ...) load its classes too
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  rm -rf "$r/tmp/kraft-combined-logs" "$r/opt/kafka/config/server.properties" "$r"/tmp/hsperfdata_*
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts" # Docker mounts its own
  if [[ -s $r/opt/kafka/kafka.jsa ]]; then
    chmod 0444 "$r/opt/kafka/kafka.jsa"
    log "AppCDS archive ok ($(du -h "$r/opt/kafka/kafka.jsa" | cut -f1))"
  else
    rm -f "$r/opt/kafka/kafka.jsa"
    tail -n 20 "$logfile" >&2
    log "WARNING: no AppCDS archive was produced (the image works, it only starts slower)"
  fi
}

build_kafka() {
  local r=$build_dir/kafka/rootfs hash=$1 libs=$build_dir/kafka/libs
  kafka_libs "$libs"
  rootfs_from_base "$r"
  chroot_prepare "$r"
  apt_install "$r" openjdk-17-jre-headless bash
  install -d -m 0755 "$r/opt/kafka/libs" "$r/opt/kafka/bin" "$r/opt/kafka/config" "$r/etc/kafka/docker"
  cp "$libs"/*.jar "$r/opt/kafka/libs/"
  # An explicit, sorted class path (a 'libs/*' wildcard expands in directory order, which the AppCDS
  # archive's class-path check could see differently).
  (cd "$r/opt/kafka/libs" && printf '/opt/kafka/libs/%s\n' *.jar | LC_ALL=C sort | paste -sd:) >"$r/opt/kafka/classpath"
  install -m 0755 "$script_dir/kafka/run" "$r/etc/kafka/docker/run"
  install -m 0644 "$script_dir/kafka/log4j2.xml" "$r/etc/kafka/docker/log4j2.xml"
  # Small launchers in the spirit of the distribution's bin/ (only the broker tooling is on the class path).
  cat >"$r/opt/kafka/bin/kafka-run-class.sh" <<'EOF'
#!/bin/bash
cds=$([ -r /opt/kafka/kafka.jsa ] && echo -XX:SharedArchiveFile=/opt/kafka/kafka.jsa -Xlog:cds=off -Xlog:cds+dynamic=off)
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} $cds ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/etc/kafka/docker/log4j2.xml} ${KAFKA_OPTS:-} -cp "$(cat /opt/kafka/classpath)" "$@"
EOF
  cat >"$r/opt/kafka/bin/kafka-storage.sh" <<'EOF'
#!/bin/bash
exec /opt/kafka/bin/kafka-run-class.sh kafka.tools.StorageTool "$@"
EOF
  cat >"$r/opt/kafka/bin/kafka-server-start.sh" <<'EOF'
#!/bin/bash
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms256m}
exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
EOF
  chmod 0755 "$r"/opt/kafka/bin/*.sh
  # Smoke test: the JRE runs and the jars are on the class path.
  local uuid
  uuid=$(chroot_run "$r" java -cp '/opt/kafka/libs/*' kafka.tools.StorageTool random-uuid) ||
    die "java cannot run Kafka's StorageTool in the kafka root fs"
  log "smoke test ok: kafka.tools.StorageTool random-uuid -> $uuid"
  kafka_cds_archive "$r"
  chroot_release "$r"
  slim_rootfs "$r"
  import_rootfs "$r" "$KAFKA_REF" "$hash" \
    'CMD ["/etc/kafka/docker/run"]' \
    "ENV PATH=/opt/kafka/bin:$CHROOT_PATH" 'ENV LANG=C.UTF-8' \
    'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
    'WORKDIR /opt/kafka' 'EXPOSE 9092'
  safe_rm "$build_dir/kafka"
}

# ---------------------------------------------------------------------------------------------------
# execq/executor:<version> (+ :latest) -- the settings and files of ops/docker/Dockerfile on a Debian root fs

project_version() { # the root pom's own <version> (the only one indented by two spaces)
  local v
  v=$(sed -n 's:^  <version>\([^<]*\)</version>[[:space:]]*$:\1:p' "$repo_root/pom.xml" | head -n 1)
  [[ $v =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "the root pom's version '$v' is not a Docker tag"
  printf '%s\n' "$v"
}
executor_ref() { printf 'execq/executor:%s\n' "$(project_version)"; }

dockerfile_instructions() { # DOCKERFILE -> one instruction per line (continuations joined, comments dropped)
  local line joined=''
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ -z $joined ]]; then
      [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    else
      line=${line#"${line%%[![:space:]]*}"}
    fi
    if [[ $line == *\\ ]]; then
      joined+=${line%\\}
      continue
    fi
    printf '%s\n' "$joined$line"
    joined=''
  done <"$1"
  [[ -z $joined ]] || printf '%s\n' "$joined"
}
dockerfile_settings() { # DOCKERFILE -> its image settings, as `docker import --change` takes them
  dockerfile_instructions "$1" | grep -E '^(ENV|USER|EXPOSE|HEALTHCHECK|ENTRYPOINT|CMD|WORKDIR|LABEL)[[:space:]]'
}
dockerfile_copies() { # DOCKERFILE -> "SOURCE DESTINATION" of each COPY (plain form only: one source, no flags)
  dockerfile_instructions "$1" | awk '
    $1 == "COPY" && (NF != 3 || $2 ~ /^--/) { print "unsupported COPY line: " $0 > "/dev/stderr"; exit 1 }
    $1 == "COPY" { print $2, $3 }'
}

executor_sources_hash() { # what the jar is built from: the modules' files outside target/ and src/test/
  (cd "$repo_root" && find pom.xml schemas producer-sdk executor-service \
    \( -name target -o -path '*/src/test' -o -name '.*' \) -prune -o -type f -print |
    LC_ALL=C sort | xargs -d '\n' sha256sum) | sha256sum | cut -c1-64
}

executor_hash() {
  local src _
  { base_hash; project_version
    declare -f build_executor dockerfile_instructions dockerfile_settings dockerfile_copies rootfs_from_base \
      apt_install slim_rootfs import_rootfs
    sha256sum "$EXECUTOR_DOCKERFILE" | cut -c1-64
    while read -r src _; do
      if [[ $repo_root/$src == "$(execq_jar "$repo_root")" ]]; then
        executor_sources_hash
      else
        sha256sum "$repo_root/$src" | cut -c1-64
      fi
    done < <(dockerfile_copies "$EXECUTOR_DOCKERFILE")
  } | sha256sum | cut -c1-16
}

build_executor() {
  local r=$build_dir/executor/rootfs hash=$1 src dest setting settings=()
  execq_ensure_jar "$repo_root"
  rootfs_from_base "$r"
  chroot_prepare "$r"
  apt_install "$r" openjdk-17-jre-headless busybox-static
  # The user the Dockerfile's RUN line creates (its USER line names it by number).
  chroot_run "$r" groupadd --gid 10001 execq
  chroot_run "$r" useradd --no-log-init --uid 10001 --gid execq --home-dir /home/execq --create-home \
    --shell /usr/sbin/nologin execq
  while read -r src dest; do
    install -D -m "$(stat -c %a "$repo_root/$src")" "$repo_root/$src" "$r$dest"
  done < <(dockerfile_copies "$EXECUTOR_DOCKERFILE")
  chroot_run "$r" java -jar /opt/execq/execq.jar --help >/dev/null ||
    die "java cannot run /opt/execq/execq.jar in the executor root fs"
  log "smoke test ok: java -jar /opt/execq/execq.jar --help"
  chroot_release "$r"
  slim_rootfs "$r"
  while IFS= read -r setting; do settings+=("$setting"); done < <(dockerfile_settings "$EXECUTOR_DOCKERFILE")
  import_rootfs "$r" "$(executor_ref)" "$hash" "ENV PATH=$CHROOT_PATH" "${settings[@]}" \
    "LABEL org.opencontainers.image.version=$(project_version)"
  safe_rm "$build_dir/executor"
}

# ---------------------------------------------------------------------------------------------------
# execq/prometheus:2.42 -- Debian's Prometheus for ops/compose.yaml (its config and rules are mounted)

prometheus_hash() {
  { base_hash; declare -f build_prometheus rootfs_from_base apt_install slim_rootfs import_rootfs; } |
    sha256sum | cut -c1-16
}

build_prometheus() {
  local r=$build_dir/prometheus/rootfs hash=$1 version
  rootfs_from_base "$r"
  chroot_prepare "$r"
  apt_install "$r" prometheus
  version=$(chroot_run "$r" prometheus --version 2>&1 | head -n 1)
  [[ $version == *"version ${PROMETHEUS_REF##*:}."* ]] ||
    die "Debian's prometheus is not ${PROMETHEUS_REF##*:}: $version"
  log "smoke test ok: $version"
  chroot_release "$r"
  slim_rootfs "$r"
  # libjs-moment-timezone's per-zone files (212 MB); the classic UI loads moment-timezone-with-data.min.js only.
  rm -rf "$r/usr/share/javascript/moment-timezone/data"
  install -d -m 0755 -o 65534 -g 65534 "$r/prometheus"
  import_rootfs "$r" "$PROMETHEUS_REF" "$hash" "ENV PATH=$CHROOT_PATH" 'USER 65534:65534' 'WORKDIR /prometheus' \
    'EXPOSE 9090' 'ENTRYPOINT ["/usr/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=0.0.0.0:9090"]'
  safe_rm "$build_dir/prometheus"
}

# Runtime images (issue 12): execq/node:18, execq/gcc:12, execq/java:17 -- the shared Debian base plus Debian's
# packages of one toolchain. Each image has two tags: the stable one above (major version; what the executor's
# default aliases name, unchanged by Debian point/security updates) and one with the packaged upstream version
# (execq/node:18.19.0, execq/gcc:12.2.0, execq/java:17.0.13_11: '+' is not allowed in a tag), read with dpkg-query
# from the installed package; the full Debian version is the label io.execq.debian-version. The build fails when
# the installed major version is not the stable tag's, so the stable tag never names another release.

NODE_REF=execq/node:18
GCC_REF=execq/gcc:12
JAVA_REF=execq/java:17

# runtime_spec NAME -- sets RT_REF, RT_PACKAGES, RT_VERSION_OF (the package whose version tags the image),
# RT_SMOKE (a shell command run in the chroot that must print 42), RT_CMD (the image's CMD) and RT_EXCLUDES
# (extra dpkg path-excludes: files of the packages the image does not need).
runtime_spec() {
  RT_EXCLUDES=()
  case $1 in
    node)
      RT_REF=$NODE_REF RT_PACKAGES=(nodejs) RT_VERSION_OF=nodejs RT_CMD='["node"]'
      RT_SMOKE="node -e 'console.log(6*7)'"
      ;;
    gcc)
      RT_REF=$GCC_REF RT_PACKAGES=(gcc g++ make libc6-dev) RT_VERSION_OF=gcc RT_CMD='["/bin/bash"]'
      RT_SMOKE="cd /tmp && printf '#include <iostream>\nint main(){std::cout<<6*7<<std::endl;}\n' >m.cpp \
&& g++ -O2 -o m m.cpp && ./m && rm -f m m.cpp"
      ;;
    java)
      # jmods are only jlink's input (~70 MB); a headless JDK without them still compiles and runs (javac, java).
      RT_REF=$JAVA_REF RT_PACKAGES=(openjdk-17-jdk-headless) RT_VERSION_OF=openjdk-17-jdk-headless
      RT_CMD='["jshell"]' RT_EXCLUDES=('/usr/lib/jvm/*/jmods/*')
      RT_SMOKE="cd /tmp && printf 'class M{public static void main(String[] a){System.out.println(6*7);}}\n' \
>M.java && javac M.java && java -cp . M && rm -f M.java M.class"
      ;;
    *) die "runtime_spec: unknown runtime $1" ;;
  esac
}

runtime_version_tag() { # Debian version -> tag: no epoch, no Debian revision, no +dfsg/+ds/+repack, '+' -> '_'
  sed -E 's/^[0-9]+://; s/-[^-]*$//; s/\+(dfsg|ds|repack)[^+]*//; s/\+/_/g; s/~/-/g' <<<"$1"
}

runtime_hash() { # runtime_hash NAME
  { base_hash; runtime_spec "$1"; declare -p RT_REF RT_PACKAGES RT_VERSION_OF RT_CMD RT_SMOKE RT_EXCLUDES
    declare -f runtime_version_tag build_runtime tag_runtime_version rootfs_from_base apt_install \
      slim_rootfs import_rootfs
  } | sha256sum | cut -c1-16
}

build_runtime() { # build_runtime NAME HASH
  local name=$1 hash=$2 r=$build_dir/$1/rootfs version exclude
  runtime_spec "$name"
  rootfs_from_base "$r"
  if ((${#RT_EXCLUDES[@]})); then
    printf 'path-exclude %s\n' "${RT_EXCLUDES[@]}" >"$r/etc/dpkg/dpkg.cfg.d/91execq-$name"
  fi
  chroot_prepare "$r"
  apt_install "$r" "${RT_PACKAGES[@]}"
  version=$(chroot_run "$r" dpkg-query -W -f='${Version}' "$RT_VERSION_OF") || die "$RT_VERSION_OF is not installed"
  local out
  out=$(chroot_run "$r" /bin/sh -c "$RT_SMOKE" 2>&1) || { printf '%s\n' "$out" >&2; die "$name smoke test failed"; }
  [[ $out == 42 ]] || die "$name smoke test printed '$out', not 42"
  log "smoke test ok: $RT_SMOKE -> $out"
  chroot_release "$r"
  slim_rootfs "$r"
  install -d -m 0755 "$r/work"
  local tag
  tag=$(runtime_version_tag "$version")
  [[ $tag == "${RT_REF##*:}".* ]] || die "$RT_VERSION_OF $version is not release ${RT_REF##*:} of $RT_REF"
  import_rootfs "$r" "$RT_REF" "$hash" \
    "CMD $RT_CMD" "ENV PATH=$CHROOT_PATH" 'ENV LANG=C.UTF-8' \
    "LABEL io.execq.version=$tag" "LABEL io.execq.debian-version=$version"
  tag_runtime_version "$RT_REF"
  safe_rm "$build_dir/$name"
}

# tag_runtime_version REF -- gives REF's image its versioned tag (from its io.execq.version label) and drops the
# versioned tag of the same repository that an earlier build left on another image (that image is then removed
# by ensure_image once nothing else refers to it).
tag_runtime_version() {
  local ref=$1 repo=${1%:*} version id other
  version=$(image_label "$ref" io.execq.version)
  [[ -n $version ]] || return 0
  id=$(image_id "$ref")
  while read -r other; do
    [[ $other != "$ref" && $other != "$repo:$version" ]] || continue
    [[ -n $(image_label "$other" io.execq.version) && $(image_id "$other") != "$id" ]] || continue
    [[ $(image_label "$other" io.execq.built-by) == ops/images/build.sh ]] || continue
    docker rmi "$other" >/dev/null 2>&1 && log "untagged $other (replaced by $repo:$version)" || true
  done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo")
  [[ $(image_id "$repo:$version") == "$id" ]] && return 0
  docker tag "$ref" "$repo:$version"
  printf '%-22s tagged       (-> %s)\n' "$repo:$version" "$ref"
}

ensure_runtime() { # ensure_runtime NAME
  runtime_spec "$1"
  local ref=$RT_REF
  # ensure_image expands its function arguments unquoted: "runtime_hash node" calls runtime_hash with node.
  ensure_image "$ref" "runtime_hash $1" "build_runtime $1"
  tag_runtime_version "$ref"
}

# ---------------------------------------------------------------------------------------------------

ensure_image() { # ensure_image REF HASH_FN BUILD_FN
  local ref=$1 hash_fn=$2 build_fn=$3 hash current t0 old_id
  t0=$(date +%s%N)
  hash=$($hash_fn)
  current=$(image_label "$ref" "$HASH_LABEL")
  if ((force == 0)); then
    if [[ $current == "$hash" ]]; then
      printf '%-22s up to date   (%s, %s, inputs %s)\n' "$ref" "$(elapsed "$t0")" "$(image_size "$ref")" "$hash"
      return 0
    fi
    if [[ -n $(image_id "$ref") && -z $current ]]; then
      printf '%-22s present, not built by execq: kept (use --force to replace it)\n' "$ref"
      return 0
    fi
  fi
  require_root "$ref"
  log "building $ref (inputs $hash${current:+, was $current}) ..."
  old_id=$(image_id "$ref")
  $build_fn "$hash" >&2
  [[ $old_id == "$(image_id "$ref")" ]] || remove_if_dangling "$old_id"
  printf '%-22s built        (%s, %s, inputs %s)\n' "$ref" "$(elapsed "$t0")" "$(image_size "$ref")" "$hash"
}

ensure_tag() { # ensure_tag ALIAS TARGET -- ALIAS names the image TARGET names (unless ALIAS is someone else's)
  local alias=$1 target=$2 want_id have_id
  want_id=$(image_id "$target")
  have_id=$(image_id "$alias")
  if [[ $have_id == "$want_id" ]]; then
    printf '%-22s up to date   (tag of %s)\n' "$alias" "$target"
  elif [[ -n $have_id && -z $(image_label "$alias" "$HASH_LABEL") ]]; then
    printf '%-22s present, not built by execq: kept\n' "$alias"
  else
    docker tag "$target" "$alias"
    remove_if_dangling "$have_id"
    printf '%-22s tagged       (-> %s)\n' "$alias" "$target"
  fi
}

main() {
  execq_ensure_docker || die "no Docker engine"
  mkdir -p "$build_dir"
  exec 8>"$build_dir/.lock"
  flock -w 1800 8 || die "another build.sh holds $build_dir/.lock"
  umount_under "$build_dir" # leftovers of a run that was killed (-9) before its trap ran
  local d
  for d in busybox python kafka node gcc java executor prometheus; do safe_rm "$build_dir/$d"; done # work dirs of an interrupted run
  if ((clean)); then
    log "--clean: dropping $build_dir caches"
    safe_rm "$build_dir/base"
    safe_rm "$build_dir/cache"
    safe_rm "$build_dir/kafka"
  fi
  local t0
  t0=$(date +%s%N)
  if want busybox; then
    ensure_busybox_host
    ensure_image "$BUSYBOX_REF" busybox_hash build_busybox
    ensure_tag "$ALPINE_REF" "$BUSYBOX_REF"
  fi
  if want python; then ensure_image "$PYTHON_REF" python_hash build_python; fi
  if want kafka; then ensure_image "$KAFKA_REF" kafka_hash build_kafka; fi
  for d in node gcc java; do
    if want "$d"; then ensure_runtime "$d"; fi
  done
  if want executor; then
    ensure_image "$(executor_ref)" executor_hash build_executor
    ensure_tag execq/executor:latest "$(executor_ref)"
  fi
  if want prometheus; then ensure_image "$PROMETHEUS_REF" prometheus_hash build_prometheus; fi
  log "done in $(elapsed "$t0")"
}

main
