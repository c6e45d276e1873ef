# Shared by the scripts in scripts/: where the build lives, building it when stale, and the JVM
# options Spark needs on Java 17. Source it; it sets $root, $build_dir, $jar and $classpath_file.
#   PIPELINE_BUILD_DIR   the Maven build directory to use (default: this checkout's target/)
#   PIPELINE_SKIP_BUILD  true: use the jar as it is (the tests, which run on the jar just built)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${PIPELINE_BUILD_DIR:-$root/target}"
jar="$build_dir/climate-health-pipeline.jar"
classpath_file="$build_dir/runtime-classpath.txt"

# Builds the application jar (mvn -DskipTests package) when it is missing or older than the sources.
ensure_built() {
  if [[ -f "$jar" && -f "$classpath_file" && "${PIPELINE_SKIP_BUILD:-}" == "true" ]]; then
    return 0
  fi
  if [[ -f "$jar" && -f "$classpath_file" && -z "$(find "$root/pom.xml" "$root/src/main" "$root/conf" \
      -newer "$jar" -print -quit 2>/dev/null)" ]]; then
    return 0
  fi
  echo "pipeline: building (mvn -DskipTests package)..." >&2
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
