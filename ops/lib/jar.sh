# shellcheck shell=bash
# The executor's runnable (shaded) jar, executor-service/target/execq.jar, shared by ops/bin/execq and
# ops/images/build.sh (the executor image). Source it; nothing here changes the caller's shell options.
#
#   execq_jar ROOT           prints the jar's path in the checkout ROOT
#   execq_jar_stale ROOT     0 when the jar is missing or a source or build file is newer than it
#   execq_ensure_jar ROOT    builds it (./mvnw package -pl executor-service -am, tests skipped) when stale

execq_jar() { printf '%s/executor-service/target/execq.jar\n' "$1"; }

execq_jar_stale() {
  local root=$1 jar
  jar=$(execq_jar "$root")
  [ -f "$jar" ] || return 0
  # Any source or build file newer than the jar means the jar no longer matches the checkout. Tests are not in the
  # jar: a test edited while Maven runs the integration tests must not make a nested build replace the jar their JVM
  # has on its class path (ComposeStackIT runs ops/images/build.sh).
  [ -n "$(find "$root/pom.xml" "$root"/schemas "$root"/producer-sdk "$root"/executor-service \
      \( -path '*/target' -o -path '*/src/test' \) -prune -o \( -type f \( -name '*.java' -o -name '*.avsc' \
      -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$jar" -print \) 2>/dev/null | head -n 1)" ]
}

execq_ensure_jar() {
  local root=$1
  execq_jar_stale "$root" || return 0
  echo "execq: building $(execq_jar "$root") (first run or sources changed)..." >&2
  (cd "$root" && ./mvnw -q -B -DskipTests package -pl executor-service -am) >&2
}
