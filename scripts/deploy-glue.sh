#!/usr/bin/env bash
# Deploys the pipeline's AWS Glue 6.0 jobs: builds the application jar, uploads it with the
# configuration profiles (conf/*.conf) and Glue's entry-point script to an artifacts location on
# S3, and creates or updates one Glue job per job definition in jobs/. Run with --help for options.
set -euo pipefail

# no dirname: the checks below must work with nothing but bash on PATH
script_dir="${BASH_SOURCE[0]%/*}"
[[ "$script_dir" == "${BASH_SOURCE[0]}" ]] && script_dir=.
# shellcheck source=lib/common.sh
source "$script_dir/lib/common.sh"
main_class_renderer=org.climatehealth.pipeline.deploy.GlueJobs

usage() {
  cat <<'EOF'
Usage: scripts/deploy-glue.sh [options]

Builds the application jar, uploads it, conf/*.conf and jobs/script/entry-point.scala to the
artifacts location, and creates (or, when it exists, updates) one AWS Glue job per jobs/*.json.
Each job has its own IAM policy (jobs/iam/JOB-policy.json: only what that job needs), rendered for
these stores next to the rendered jobs; the deploy ends by saying, per role, which jobs run as it
and which rendered policies to attach to it (a role that runs several jobs needs each of theirs).

Options (the variable in brackets is used when the option is not given):
  --artifacts S3URI    where the jar and configuration go: s3://BUCKET[/PREFIX]      [GLUE_ARTIFACTS]
  --role-arn ARN       the IAM role every job runs as                                 [GLUE_ROLE_ARN]
  --role-arn JOB=ARN   the role one job runs as instead (JOB: process, train, predict, run or
                       scan); repeatable. --role-arn ARN may be left out when all five are given
  --raw S3URI          the raw store, s3://BUCKET[/PREFIX]                  [s3://$RAW_BUCKET]
  --processed S3URI    the processed store                                  [s3://$PROCESSED_BUCKET]
  --models S3URI       the models store                                     [s3://$MODELS_BUCKET]
  --region REGION      the region of the jobs and the buckets     [AWS_REGION, AWS_DEFAULT_REGION]
  --job-prefix PREFIX  job names are PREFIX + process|train|predict|run|scan
                       (default: climate-health-)                                   [GLUE_JOB_PREFIX]
  --dry-run            print the exact aws calls (both create-job and update-job for each job, as
                       the script cannot ask which applies) and call nothing; needs no AWS CLI and
                       no credentials
  --no-build           use the jar already in the build directory instead of building it
  --build-dir DIR      the Maven build directory                   [PIPELINE_BUILD_DIR, or target/]
  --out DIR            where the rendered job and policy documents go    [BUILD_DIR/glue-deploy]
  -h, --help           this help

Exit codes: 0 deployed (or printed); 1 the build or an aws call failed; 2 bad usage, a bad
value, no AWS CLI or no usable AWS credentials.
EOF
}

fail_usage() {
  echo "error: $1" >&2
  echo "Run 'scripts/deploy-glue.sh --help' for the options." >&2
  exit 2
}

# s3://BUCKET[/PREFIX] from a BUCKET[/PREFIX] variable as conf/aws.conf reads it
from_bucket_variable() {
  local value="${1:-}"
  if [[ -z "$value" || "$value" == s3://* ]]; then
    printf '%s' "$value"
  else
    printf 's3://%s' "$value"
  fi
}

artifacts="${GLUE_ARTIFACTS:-}"
role_arn="${GLUE_ROLE_ARN:-}"
glue_jobs=(process train predict run scan)
# one job's own role: role_for_process ... role_for_scan (plain variables: bash 3 has no maps)
role_for_process="" role_for_train="" role_for_predict="" role_for_run="" role_for_scan=""
raw="$(from_bucket_variable "${RAW_BUCKET:-}")"
processed="$(from_bucket_variable "${PROCESSED_BUCKET:-}")"
models="$(from_bucket_variable "${MODELS_BUCKET:-}")"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
job_prefix="${GLUE_JOB_PREFIX:-climate-health-}"
out_dir=""
dry_run=false
build=true

while (($# > 0)); do
  option="$1"
  case "$option" in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=true; shift; continue ;;
    --no-build) build=false; shift; continue ;;
    --artifacts | --role-arn | --raw | --processed | --models | --region | --job-prefix | --build-dir | --out)
      (($# >= 2)) || fail_usage "$option needs a value"
      value="$2"
      shift 2
      ;;
    --*=*) fail_usage "write '${option%%=*} ${option#*=}' (a space, not '=')" ;;
    *) fail_usage "unknown argument '$option'" ;;
  esac
  case "$option" in
    --artifacts) artifacts="$value" ;;
    --role-arn)
      if [[ "$value" == arn:* || "$value" != *=* ]]; then
        role_arn="$value"
      else
        job="${value%%=*}"
        [[ " ${glue_jobs[*]} " == *" $job "* ]] \
          || fail_usage "--role-arn $value: '$job' is no job; use --role-arn ARN, or JOB=ARN with JOB one of ${glue_jobs[*]}"
        [[ -n "${value#*=}" ]] || fail_usage "--role-arn $value: give the role ARN after '$job='"
        printf -v "role_for_$job" '%s' "${value#*=}"
      fi
      ;;
    --raw) raw="$value" ;;
    --processed) processed="$value" ;;
    --models) models="$value" ;;
    --region) region="$value" ;;
    --job-prefix) job_prefix="$value" ;;
    --build-dir) build_dir="$value" ;;
    --out) out_dir="$value" ;;
  esac
done

missing=()
[[ -n "$artifacts" ]] || missing+=("--artifacts (or GLUE_ARTIFACTS)")
if [[ -z "$role_arn" ]]; then
  for job in "${glue_jobs[@]}"; do
    own="role_for_$job"
    if [[ -z "${!own}" ]]; then
      missing+=("--role-arn (or GLUE_ROLE_ARN)")
      break
    fi
  done
fi
[[ -n "$raw" ]] || missing+=("--raw (or RAW_BUCKET)")
[[ -n "$processed" ]] || missing+=("--processed (or PROCESSED_BUCKET)")
[[ -n "$models" ]] || missing+=("--models (or MODELS_BUCKET)")
[[ -n "$region" ]] || missing+=("--region (or AWS_REGION)")
if ((${#missing[@]} > 0)); then
  list="${missing[*]}"
  fail_usage "missing ${list// --/, --}"
fi
artifacts="${artifacts%/}"
use_build_dir "$build_dir"
out_dir="${out_dir:-$build_dir/glue-deploy}"
[[ "$out_dir" == /* ]] || out_dir="$PWD/$out_dir"

# The AWS CLI and credentials are checked first: a deploy that cannot call AWS stops before building.
if [[ "$dry_run" == false ]]; then
  if ! command -v aws >/dev/null 2>&1; then
    echo "error: the AWS CLI ('aws') is not on PATH: install it (https://aws.amazon.com/cli/), or use --dry-run to see the calls" >&2
    exit 2
  fi
  if ! identity_error="$(aws sts get-caller-identity --region "$region" --output text --query Account 2>&1 >/dev/null)"; then
    echo "error: no usable AWS credentials ('aws sts get-caller-identity' failed): configure a profile or the AWS_* variables, then run again" >&2
    [[ -z "$identity_error" ]] || echo "  aws said: $identity_error" >&2
    exit 2
  fi
fi

if [[ "$build" == true ]]; then
  build_jar deploy-glue
elif [[ ! -f "$jar" || ! -f "$classpath_file" ]]; then
  fail_usage "--no-build, but there is no built jar in $build_dir (climate-health-pipeline.jar and runtime-classpath.txt): build it or leave out --no-build"
fi

# Render the job definitions and policies for these values: the values are checked there, and a
# bad one stops the deploy with exit 2 before anything is uploaded.
if ! command -v java >/dev/null 2>&1; then
  echo "error: java is not on PATH: Java 17 renders the job definitions (and builds the jar)" >&2
  exit 2
fi
job_files=("$root"/jobs/*.json)
policy_files=("$root"/jobs/iam/*.json)
role_values=()
[[ -z "$role_arn" ]] || role_values+=(--set "ROLE_ARN=$role_arn")
for job in "${glue_jobs[@]}"; do
  own="role_for_$job"
  case "$job" in
    process) key=PROCESS_ROLE_ARN ;; train) key=TRAIN_ROLE_ARN ;; predict) key=PREDICT_ROLE_ARN ;;
    run) key=RUN_ROLE_ARN ;; scan) key=SCAN_ROLE_ARN ;;
  esac
  [[ -z "${!own}" ]] || role_values+=(--set "$key=${!own}")
done
if ! rendered="$(java -cp "$jar:$(cat "$classpath_file")" "$main_class_renderer" render --out "$out_dir" \
    --set "ARTIFACTS=$artifacts" "${role_values[@]}" --set "RAW_STORE=$raw" \
    --set "PROCESSED_STORE=$processed" --set "MODELS_STORE=$models" --set "REGION=$region" \
    --set "JOB_PREFIX=$job_prefix" "${job_files[@]}" "${policy_files[@]}")"; then
  exit 2
fi

# Prints a command as it would be typed (each word shell-quoted).
show() {
  local quoted
  printf -v quoted '%q ' "$@"
  printf '%s\n' "${quoted% }"
}

# Runs an aws call, or in a dry run prints it.
call() {
  if [[ "$dry_run" == true ]]; then
    show "$@"
    return 0
  fi
  printf '+ %s\n' "$(show "$@")"
  # the calls' own output (the created job's name, an upload's progress) adds nothing here
  if ! "$@" >/dev/null; then
    echo "error: this call failed: $(show "$@")" >&2
    exit 1
  fi
}

[[ "$dry_run" == true ]] && echo "# dry run: the aws calls a deploy makes, in order; nothing is called"
echo "# upload the application jar, the configuration profiles and Glue's entry-point script"
call aws s3 cp --only-show-errors "$jar" "$artifacts/climate-health-pipeline.jar" --region "$region"
for conf in "$root"/conf/*.conf; do
  call aws s3 cp --only-show-errors "$conf" "$artifacts/conf/${conf##*/}" --region "$region"
done
call aws s3 cp --only-show-errors "$root/jobs/script/entry-point.scala" "$artifacts/glue/entry-point.scala" \
  --region "$region"

created=0
updated=0
trust_policy=""
roles=()
while IFS=$'\t' read -r kind name create_file update_file; do
  [[ -n "$kind" ]] || continue
  if [[ "$kind" == policy ]]; then
    [[ "$name" != trust-policy.json ]] || trust_policy="$create_file"
    continue
  fi
  if [[ "$kind" == role ]]; then
    roles+=("$name"$'\t'"$create_file"$'\t'"$update_file")
    continue
  fi
  create=(aws glue create-job --region "$region" --cli-input-json "file://$create_file")
  update=(aws glue update-job --region "$region" --cli-input-json "file://$update_file")
  if [[ "$dry_run" == true ]]; then
    echo "# job $name: create it when 'aws glue get-job --job-name $name' says EntityNotFoundException"
    show "${create[@]}"
    echo "# job $name: update it when it exists"
    show "${update[@]}"
    continue
  fi
  if get_error="$(aws glue get-job --job-name "$name" --region "$region" 2>&1 >/dev/null)"; then
    call "${update[@]}"
    updated=$((updated + 1))
    echo "updated $name"
  elif [[ "$get_error" == *EntityNotFoundException* ]]; then
    call "${create[@]}"
    created=$((created + 1))
    echo "created $name"
  else
    echo "error: cannot tell whether job $name exists ('aws glue get-job' failed): $get_error" >&2
    exit 1
  fi
done <<<"$rendered"

if [[ "$dry_run" == true ]]; then
  echo "# rendered documents: $out_dir"
else
  echo "deploy-glue: $created created, $updated updated, jar and configuration in $artifacts"
  echo "start a run with: aws glue start-job-run --region $region --job-name ${job_prefix}run"
fi
# Which role runs which jobs, and the rendered policies to attach to it (see jobs/README.md): a
# role that runs several jobs needs the policy of each.
for role in "${roles[@]}"; do
  IFS=$'\t' read -r arn role_jobs role_policies <<<"$role"
  policy_list="${role_policies//$'\t'/, }"
  if [[ "$role_jobs" == *,* ]]; then
    echo "# IAM: role $arn runs ${role_jobs//,/, }: attach each of their policies: $policy_list"
  else
    echo "# IAM: role $arn runs $role_jobs: attach its policy: $policy_list"
  fi
done
[[ -z "$trust_policy" ]] || echo "# IAM: each job role's trust policy (glue.amazonaws.com may assume it): $trust_policy"
