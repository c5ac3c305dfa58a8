#!/usr/bin/env bash
# The whole execq test suite, from a fresh machine:
#   0. Debian packages some tests use (python3-confluent-kafka, python3-avro, docker-compose),
#   1. a Docker engine (installs docker.io and starts dockerd when running as root and none answers), and gVisor's
#      runsc registered with it as runtime "runsc" (ops/lib/runsc.sh: installs Debian's runsc, edits daemon.json),
#   2. the local images the tests run (ops/images/build.sh; offline, idempotent; the executor image builds the jar
#      first when the sources changed),
#   3. bubblewrap for the process fallback (ops/lib/process-sandbox.sh; as root, idempotent),
#   4. Debian's prometheus and promtool (ops/lib/prometheus.sh; the packaged service is not started),
#   5. ./mvnw -B verify: unit tests (Surefire) and integration tests (Failsafe) against real Kafka and real Docker.
# Extra arguments go to Maven, e.g. ops/test.sh -pl schemas or ops/test.sh -Dit.test=EmbeddedKafkaIT.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "ops/test.sh: installing a JDK (openjdk-17-jdk-headless)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jdk-headless >/dev/null
  else
    echo "ops/test.sh: Java 17 is required (java not found)" >&2
    exit 1
  fi
fi

# shellcheck source=lib/packages.sh
. "$root/ops/lib/packages.sh"
# A real non-Java client for PythonProducerIT (docs/contracts.md).
execq_ensure_debian_packages python3-confluent-kafka python3-avro ||
  echo "ops/test.sh: WARNING: the Python producer test will fail without python3-confluent-kafka and python3-avro" >&2
# openssl for DockerTlsIT: it makes a throwaway CA and the daemon/client certificates as Docker's TLS guide does.
execq_ensure_debian_packages openssl ||
  echo "ops/test.sh: WARNING: the Docker TLS test will fail without openssl" >&2
# Compose v1 (1.29, Debian's) for ComposeStackIT, which runs ops/compose.yaml.
execq_ensure_debian_packages docker-compose ||
  echo "ops/test.sh: WARNING: the compose stack test will fail without docker-compose" >&2

# shellcheck source=lib/docker.sh
. "$root/ops/lib/docker.sh"
if execq_ensure_docker; then
  bash "$root/ops/images/build.sh"
  # With Docker provisioned, a Docker test that cannot reach the engine fails instead of skipping.
  export EXECQ_REQUIRE_DOCKER=true
  # gVisor (Debian's runsc) registered with dockerd as runtime "runsc"; where this script could provision it
  # (as root), the runsc tests fail instead of skipping when it is missing.
  # shellcheck source=lib/runsc.sh
  . "$root/ops/lib/runsc.sh"
  if execq_ensure_runsc || [ "$(id -u)" = 0 ]; then
    export EXECQ_REQUIRE_RUNSC=true
  else
    echo "ops/test.sh: WARNING: dockerd has no runtime runsc; the gVisor tests will be skipped." >&2
  fi
else
  echo "ops/test.sh: WARNING: no Docker engine; Docker tests will be skipped and Kafka will be embedded." >&2
fi

# shellcheck source=lib/process-sandbox.sh
. "$root/ops/lib/process-sandbox.sh"
execq_ensure_bwrap || true
# shellcheck source=lib/prometheus.sh
. "$root/ops/lib/prometheus.sh"
if ! execq_ensure_prometheus; then
  echo "ops/test.sh: WARNING: no prometheus/promtool; the Prometheus test fails when EXECQ_REQUIRE_DOCKER=true." >&2
fi

# Testcontainers offline: Ryuk's image cannot be pulled; reach containers through loopback only.
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost

exec ./mvnw -B -ntp verify "$@"
