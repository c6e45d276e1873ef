#!/usr/bin/env bash
# The benchmark harness: generates raw data at a scale factor, then runs on the same files the
# pipeline's Spark `process`, the same work in DuckDB SQL and in pandas, and the engines' floors
# (read and count; typed CSV to Parquet), each in its own child process; checks that the three
# implementations agree on daily_location and the quarantine; reports wall time, setup time, rows/s,
# MB/s, MB/s per core and peak RSS as Markdown and JSON under BUILD_DIR/bench/.
#   scripts/bench.sh [--scale S] [--only NAME,...] [--no-install] [...]   (--help for all options)
# S=1 is about 1 GB of CSV (5000 locations x 730 days); --scale 0.002 is a smoke test.
# pandas is Debian's python3-pandas: when no python3 imports pandas, this script installs it with
# apt-get if it runs as root, unless --no-install (then pandas is reported as skipped).
# Environment: PIPELINE_BUILD_DIR (default target/), PIPELINE_SKIP_BUILD=true (use the build as
# it is), BENCH_JAVA_OPTS (the harness's own JVM, default -Xmx1g).
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

install=true
help=false
args=()
for arg in "$@"; do
  case "$arg" in
    --no-install) install=false ;;
    -h|--help) help=true; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done

# The harness compiles with the tests (src/bench/java); the build writes its classpath. Build when
# that is missing or older than the sources.
bench_classpath="$build_dir/bench-classpath.txt"
stamp="$build_dir/bench.stamp"
if [[ -f "$bench_classpath" && -d "$build_dir/test-classes" && "${PIPELINE_SKIP_BUILD:-}" == "true" ]]; then
  :
elif [[ ! -f "$bench_classpath" || ! -f "$stamp" \
    || -n "$(find "$root/pom.xml" "$root/src" "$root/conf" -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
  build_jar bench
  touch "$stamp"
fi

python=none
if [[ "$help" == false ]]; then
  for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import pandas' >/dev/null 2>&1; then
      python="$(command -v "$candidate")"
      break
    fi
  done
  if [[ "$python" == none && "$install" == true ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "bench: no python3 with pandas; installing Debian's python3-pandas (apt-get)..." >&2
      if { apt-get install -y python3-pandas || { apt-get update && apt-get install -y python3-pandas; }; } >&2 \
          && /usr/bin/python3 -c 'import pandas' >/dev/null 2>&1; then
        python=/usr/bin/python3
      else
        echo "bench: could not install python3-pandas: pandas is skipped" >&2
      fi
    else
      echo "bench: no python3 with pandas, and not root with apt-get: pandas is skipped" \
        "(install python3-pandas to include it)" >&2
    fi
  fi
fi

spark_options=()
for option in "${java_module_options[@]}"; do
  spark_options+=("--spark-jvm-option=$option")
done

# shellcheck disable=SC2206
harness_options=(${BENCH_JAVA_OPTS:--Xmx1g})
exec java "${harness_options[@]}" \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$build_dir/test-classes:$build_dir/classes:$(cat "$bench_classpath")" \
  org.climatehealth.bench.BenchRunner --home "$root" --build-dir "$build_dir" --python "$python" \
  "${spark_options[@]}" "${args[@]}"
