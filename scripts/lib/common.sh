# Shared by the scripts in scripts/: where the build lives, building it, and the JVM options
# Spark needs on Java 17. Source it; it sets $root, $build_dir, $jar and $classpath_file, using
# nothing but bash (no dirname), so callers can check their own prerequisites first.
#   PIPELINE_BUILD_DIR   the Maven build directory to use (default: this checkout's target/)
#   PIPELINE_SKIP_BUILD  true: use the jar as it is (the tests, which run on the jar just built)

# shellcheck disable=SC2034  # the variables are the sourcing script's
root="$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)"

# Sets $build_dir (made absolute), $jar and $classpath_file.
use_build_dir() {
  build_dir="$1"
  [[ "$build_dir" == /* ]] || build_dir="$PWD/$build_dir"
  jar="$build_dir/climate-health-pipeline.jar"
  classpath_file="$build_dir/runtime-classpath.txt"
}
use_build_dir "${PIPELINE_BUILD_DIR:-$root/target}"

# Builds the application jar into $build_dir (mvn -DskipTests package); on failure prints the
# build's output and exits 1. $1 names the caller in the progress line.
build_jar() {
  echo "${1:-pipeline}: building (mvn -DskipTests package)..." >&2
  local build_log
  build_log="$(mktemp "${TMPDIR:-/tmp}/pipeline-build.XXXXXX")"
  if ! mvn -B -Dstyle.color=never -f "$root/pom.xml" "-Dbuild.dir=$build_dir" -DskipTests package \
      >"$build_log" 2>&1; then
    echo "error: the build failed (mvn -DskipTests package); its output follows" >&2
    cat "$build_log" >&2
    rm -f "$build_log"
    exit 1
  fi
  rm -f "$build_log"
}

# Builds the application jar when it is missing or older than the sources.
ensure_built() {
  if [[ -f "$jar" && -f "$classpath_file" && "${PIPELINE_SKIP_BUILD:-}" == "true" ]]; then
    return 0
  fi
  if [[ -f "$jar" && -f "$classpath_file" && -z "$(find "$root/pom.xml" "$root/src/main" "$root/conf" \
      -newer "$jar" -print -quit 2>/dev/null)" ]]; then
    return 0
  fi
  build_jar pipeline
}

# Spark's Java 17 module options (launcher/JavaModuleOptions.java); spark-submit adds these itself.
# shellcheck disable=SC2034  # used by the scripts that source this file
java_module_options=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true
)
