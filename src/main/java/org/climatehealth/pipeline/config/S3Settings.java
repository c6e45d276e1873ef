package org.climatehealth.pipeline.config;

import java.net.URI;
import java.util.Optional;

/**
 * How to reach S3 ({@code pipeline.s3.*}). Credentials are not settings: they come from the AWS
 * default provider chain (environment, system properties, profile, instance or Glue role).
 *
 * @param endpoint custom endpoint (S3Proxy, MinIO...); empty means AWS itself
 * @param pathStyleAccess address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}
 * @param region signing region
 * @param multipartThreshold files at least this large are uploaded and downloaded in parts
 * @param multipartPartSize size of each part
 * @param maxAttempts attempts per request, first try included (SDK and S3A retries)
 */
public record S3Settings(
    Optional<URI> endpoint,
    boolean pathStyleAccess,
    String region,
    long multipartThreshold,
    long multipartPartSize,
    int maxAttempts) {}
