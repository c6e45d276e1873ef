#!/usr/bin/env bash
# Submits the pipeline's application jar with spark-submit, with the project's defaults:
#   scripts/spark-submit.sh [SPARK-SUBMIT OPTIONS --] <command> [options]
# e.g.
#   scripts/spark-submit.sh --master 'local[2]' -- process --date 2024-06-01
#   scripts/spark-submit.sh --master yarn --deploy-mode client --executor-memory 4g -- run --env aws
# Options before `--` go to spark-submit (the master is the caller's: --master, else spark-submit's
# own default); the rest is the pipeline command line, as for scripts/pipeline. Added here:
#   --class org.climatehealth.pipeline.Main, the application jar (built when missing or stale),
#   --jars with what a stock Spark 4.1 / Hadoop 3.4 lacks for s3a:// (target/s3a-jars/),
#   the driver's Java options: the configuration directory by path (-Dpipeline.conf.dir) and the
#   Log4j 2 configuration.
# Environment:
#   SPARK_HOME             the Spark installation whose bin/spark-submit is used (else spark-submit on PATH)
#   PIPELINE_CONF_DIR      where <env>.conf profiles are read (default: this checkout's conf/)
#   PIPELINE_LOG_CONFIG    the driver's Log4j 2 configuration (default: conf/log4j2.properties)
#   PIPELINE_DRIVER_JAVA_OPTS  more driver Java options (e.g. -Xmx8g in client mode)
#   PIPELINE_S3A_JARS      a directory of jars to pass with --jars (default: target/s3a-jars), or
#                          "none" where the runtime provides hadoop-aws and the AWS SDK (EMR, Glue)
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

spark_args=()
pipeline_args=("$@")
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--" ]]; then
    spark_args=("${@:1:i-1}")
    pipeline_args=("${@:i+1}")
    break
  fi
done
if [[ ${#pipeline_args[@]} -eq 0 || "${pipeline_args[0]}" == "-h" || "${pipeline_args[0]}" == "--help" ]] \
    && [[ ${#spark_args[@]} -eq 0 ]]; then
  usage
  [[ ${#pipeline_args[@]} -eq 0 ]] && exit 2 || exit 0
fi

if [[ -n "${SPARK_HOME:-}" ]]; then
  submit="$SPARK_HOME/bin/spark-submit"
  if [[ ! -x "$submit" ]]; then
    echo "error: SPARK_HOME=$SPARK_HOME has no bin/spark-submit; set SPARK_HOME to a Spark 4.1 installation" >&2
    exit 2
  fi
elif command -v spark-submit >/dev/null 2>&1; then
  submit="$(command -v spark-submit)"
else
  echo "error: spark-submit not found: set SPARK_HOME to a Spark 4.1 installation or put its bin/ on PATH" \
    "(without a cluster, scripts/pipeline runs the same commands locally)" >&2
  exit 2
fi

ensure_built

s3a_jars="${PIPELINE_S3A_JARS:-$build_dir/s3a-jars}"
jars_option=()
if [[ "$s3a_jars" != "none" ]]; then
  if ! compgen -G "$s3a_jars/*.jar" >/dev/null; then
    echo "error: no jars in $s3a_jars (PIPELINE_S3A_JARS); rebuild with mvn -DskipTests package, or set it to none" >&2
    exit 2
  fi
  jars_option=(--jars "$(printf '%s,' "$s3a_jars"/*.jar | sed 's/,$//')")
fi

driver_options="-Dpipeline.conf.dir=${PIPELINE_CONF_DIR:-$root/conf}"
driver_options+=" -Dlog4j2.configurationFile=${PIPELINE_LOG_CONFIG:-$root/conf/log4j2.properties}"
driver_options+="${PIPELINE_DRIVER_JAVA_OPTS:+ $PIPELINE_DRIVER_JAVA_OPTS}"

exec "$submit" --class org.climatehealth.pipeline.Main "${jars_option[@]}" \
  --driver-java-options "$driver_options" \
  "${spark_args[@]}" "$jar" "${pipeline_args[@]}"
