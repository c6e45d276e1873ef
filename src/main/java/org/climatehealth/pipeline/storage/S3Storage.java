package org.climatehealth.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.climatehealth.pipeline.config.S3Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.transfer.s3.model.DownloadFileRequest;
import software.amazon.awssdk.transfer.s3.model.UploadFileRequest;
import software.amazon.awssdk.transfer.s3.progress.LoggingTransferListener;

/**
 * {@link Storage} over one S3 bucket and key prefix ({@code s3://bucket/prefix}), through the AWS
 * SDK v2 clients of an {@link S3Clients} (shared, not closed here).
 *
 * <p>Keys are relative to the store prefix. Folder markers (keys ending in {@code /}) are never
 * listed or counted. Writes spool to a local temporary file and upload on close, in one request
 * below the multipart threshold and in parts through the transfer manager above it. Every upload
 * carries the content MD5 as user metadata {@value #MD5_METADATA}, so {@link #checksum} can
 * answer for multipart objects, whose ETag is not an MD5, without reading them.
 */
public final class S3Storage implements Storage {
  /** User metadata holding the lower-case hex MD5 of the content. */
  public static final String MD5_METADATA = "content-md5-hex";

  private static final Logger LOG = LoggerFactory.getLogger(S3Storage.class);
  private static final int DELETE_BATCH = 1000;
  /** Attempts of a conditional write that keeps meeting 409 ConditionalRequestConflict. */
  private static final int CONDITIONAL_ATTEMPTS = 5;

  private final StoreUri uri;
  private final S3Clients clients;
  private final String bucket;
  /** The store's key prefix with a trailing '/', or "" for a whole bucket. */
  private final String root;

  /** A store at {@code uri} (an {@code s3://} URI) reached through {@code clients}. */
  public S3Storage(StoreUri uri, S3Clients clients) {
    if (!uri.isS3()) {
      throw new IllegalArgumentException(uri + " is not an S3 store");
    }
    this.uri = uri;
    this.clients = Objects.requireNonNull(clients, "clients");
    this.bucket = uri.bucket();
    this.root = Keys.folder(uri.prefix());
  }

  @Override
  public StoreUri uri() {
    return uri;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Keys.key(key);
    return head(key).map(head -> new ObjectInfo(key, sizeOf(head), orEpoch(head.lastModified()),
        unquote(head.eTag())));
  }

  @Override
  public boolean exists(String key) {
    Keys.key(key);
    if (head(key).isPresent()) {
      return true;
    }
    String folder = uri.objectKey(key) + "/";
    try {
      return !s3().listObjectsV2(b -> b.bucket(bucket).prefix(folder).maxKeys(1)).contents().isEmpty();
    } catch (SdkException e) {
      throw failure("check", key, e);
    }
  }

  @Override
  public InputStream open(String key) {
    Keys.key(key);
    try {
      return s3().getObject(b -> b.bucket(bucket).key(uri.objectKey(key)));
    } catch (SdkException e) {
      throw isNotFound(e) ? notFound(key) : failure("open", key, e);
    }
  }

  /**
   * The object's bytes. An answer cut short or garbled while its body streams (after the SDK has
   * returned the response, so beyond its retries) is read again from the start, up to
   * {@code pipeline.s3.max-attempts} reads with the configured back-off between them.
   */
  @Override
  public byte[] readBytes(String key) {
    Keys.key(key);
    S3Settings s3 = clients.settings();
    for (int attempt = 1; ; attempt++) {
      try (InputStream in = open(key)) {
        return in.readAllBytes();
      } catch (IOException | SdkException e) {
        if (attempt >= s3.maxAttempts()) {
          throw new StorageException("cannot read " + uri.resolve(key) + " (" + attempt + " attempts): "
              + e.getMessage(), e);
        }
        LOG.warn("reading {} broke off ({}): reading it again (attempt {} of {})", uri.resolve(key), e.toString(),
            attempt + 1, s3.maxAttempts());
        backOff(s3.retry(), attempt);
      }
    }
  }

  private static void backOff(S3Settings.Retry retry, int attempt) {
    long millis = Math.min(retry.maxBackoff().toMillis(), retry.interval().toMillis() << Math.min(attempt - 1, 20));
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while reading again", e);
    }
  }

  @Override
  public AbortableOutputStream create(String key) {
    Keys.key(key);
    try {
      // spooled to a local temporary file, hashed as it goes, uploaded whole on close
      return new StagedFileOutputStream(Files.createTempFile("s3-upload-", ".spool")) {
        @Override
        protected void publish(Path staging, long size, String md5Hex) {
          upload(staging, size, md5Hex, key);
        }

        @Override
        protected String target() {
          return uri.resolve(key).toString();
        }
      };
    } catch (IOException e) {
      throw new StorageException("cannot write " + uri.resolve(key) + ": cannot create a local spool file: " + e, e);
    }
  }

  /**
   * One PutObject with {@code If-None-Match: *}, which S3 (conditional writes, since August 2024)
   * refuses with 412 Precondition Failed when an object exists at the key: the store itself
   * decides, atomically, so exactly one of several concurrent callers succeeds. S3Proxy 4.1.0,
   * the integration tests' server, honours it too (its filesystem backend hard-links the new
   * file into place and answers 412 when the link exists; checked with concurrent callers).
   *
   * <p>A 409 ConditionalRequestConflict (S3's answer while another write or delete of the key is
   * in flight) is retried after a short pause, up to {@value #CONDITIONAL_ATTEMPTS} attempts; the
   * retry then sees 412 or succeeds. A store without conditional writes answers 501 Not
   * Implemented: the call fails rather than risk overwriting. (A store that silently ignored the
   * header would overwrite: keep such stores away from the registry.)
   *
   * <p>When the answer to a successful PUT is lost and the SDK retries it, the retry finds the
   * object there and this returns false; a caller that must tell that case apart compares the
   * object with what it wrote (the model registry does).
   */
  @Override
  public boolean createIfAbsent(String key, byte[] content) {
    Keys.key(key);
    MessageDigest digest = Checksums.newMd5();
    digest.update(content);
    String md5Hex = Checksums.hex(digest);
    PutObjectRequest request = singlePartPut(key, md5Hex).toBuilder().ifNoneMatch("*").build();
    for (int attempt = 1; ; attempt++) {
      try {
        s3().putObject(request, RequestBody.fromBytes(content));
        return true;
      } catch (S3Exception e) {
        if (e.statusCode() == 412) {
          return false;
        }
        if (e.statusCode() == 409 && attempt < CONDITIONAL_ATTEMPTS) {
          LOG.debug("conditional write of {} conflicted with another request (attempt {}): retrying",
              uri.resolve(key), attempt);
          pause(attempt);
          continue;
        }
        if (isNotImplemented(e)) {
          throw new StorageException("cannot create " + uri.resolve(key) + " only if absent: s3://" + bucket
              + " does not support conditional writes (If-None-Match), which the registry needs to be safe", e);
        }
        throw failure("create", key, e);
      } catch (SdkException e) {
        throw failure("create", key, e);
      }
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.prefix(prefix);
    List<ObjectInfo> result = new ArrayList<>();
    try {
      for (S3Object object : listRaw(prefix)) {
        if (!object.key().endsWith("/")) {
          result.add(new ObjectInfo(object.key().substring(root.length()), sizeOf(object),
              orEpoch(object.lastModified()), unquote(object.eTag())));
        }
      }
    } catch (SdkException e) {
      throw failure("list", prefix, e);
    }
    result.sort(Comparator.comparing(ObjectInfo::key));
    return result;
  }

  @Override
  public boolean delete(String key) {
    Keys.key(key);
    if (head(key).isEmpty()) {
      return false;
    }
    try {
      s3().deleteObject(b -> b.bucket(bucket).key(uri.objectKey(key)));
      return true;
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public long deletePrefix(String prefix) {
    Keys.prefix(prefix);
    long objects = 0;
    try {
      // page by page: a listing page holds at most 1000 keys, the most one DeleteObjects takes
      for (ListObjectsV2Response page : s3().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(root + prefix)
          .maxKeys(DELETE_BATCH))) {
        List<String> keys = page.contents().stream().map(S3Object::key).toList();
        if (!keys.isEmpty()) {
          deleteBatch(keys);
          objects += keys.stream().filter(k -> !k.endsWith("/")).count();
        }
      }
      abortUploads(prefix);
    } catch (SdkException e) {
      throw failure("delete", prefix, e);
    }
    LOG.debug("deleted {} objects under {}", objects, uri.resolve(prefix));
    return objects;
  }

  /**
   * Aborts the multipart uploads under {@code prefix} that were started and never completed or
   * aborted (a writer that died: the S3A magic committer's uploads complete only at job commit), so
   * their parts stop costing storage and nothing of them can appear later.
   */
  private void abortUploads(String prefix) {
    try {
      for (ListMultipartUploadsResponse page : s3().listMultipartUploadsPaginator(b -> b.bucket(bucket)
          .prefix(root + prefix))) {
        for (MultipartUpload upload : page.uploads()) {
          s3().abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
          LOG.debug("aborted the pending upload of {}", upload.key());
        }
      }
    } catch (S3Exception e) {
      if (!isNotImplemented(e)) {
        throw e;
      }
      LOG.debug("{} cannot list multipart uploads: none aborted under {}", uri, prefix);
    }
  }

  @Override
  public void move(String source, String target) {
    Keys.key(source);
    Keys.key(target);
    try {
      // server-side copy: the target appears whole; then the source goes
      s3().copyObject(encrypted(CopyObjectRequest.builder().sourceBucket(bucket).sourceKey(uri.objectKey(source))
          .destinationBucket(bucket).destinationKey(uri.objectKey(target))).build());
    } catch (SdkException e) {
      throw isNotFound(e) ? notFound(source) : failure("move " + source + " to", target, e);
    }
    try {
      s3().deleteObject(b -> b.bucket(bucket).key(uri.objectKey(source)));
    } catch (SdkException e) {
      throw failure("delete", source, e);
    }
  }

  @Override
  public void createFolder(String key) {
    Keys.key(key);
    try {
      s3().putObject(encrypted(PutObjectRequest.builder().bucket(bucket).key(uri.objectKey(key) + "/")).build(),
          RequestBody.empty());
    } catch (SdkException e) {
      throw failure("create folder", key, e);
    }
  }

  @Override
  public String checksum(String key) {
    Keys.key(key);
    HeadObjectResponse head = head(key).orElseThrow(() -> notFound(key));
    // Metadata first: written by this layer with the content, it is right even where the ETag
    // only looks like an MD5 (SSE-KMS and SSE-C objects).
    String stored = head.metadata().get(MD5_METADATA);
    if (Checksums.isMd5Hex(stored)) {
      return stored;
    }
    String etag = unquote(head.eTag());
    if (Checksums.isMd5Hex(etag)) {
      return etag;
    }
    LOG.debug("no stored MD5 for {}: reading it to compute one", uri.resolve(key));
    try {
      return Checksums.md5(open(key));
    } catch (IOException e) {
      throw new StorageException("cannot read " + uri.resolve(key) + " to compute its checksum: " + e, e);
    }
  }

  @Override
  public void uploadFile(Path source, String key) {
    Keys.key(key);
    String md5;
    long size;
    try {
      size = Files.size(source);
      md5 = Checksums.md5(source);
    } catch (NoSuchFileException e) {
      throw new StorageException("cannot upload " + source + " to " + uri.resolve(key) + ": no such file", e);
    } catch (IOException e) {
      throw new StorageException("cannot upload " + source + " to " + uri.resolve(key) + ": " + e, e);
    }
    upload(source, size, md5, key);
  }

  @Override
  public void downloadFile(String key, Path target) {
    Keys.key(key);
    HeadObjectResponse head = head(key).orElseThrow(() -> notFound(key));
    String etag = head.eTag();
    GetObjectRequest request = GetObjectRequest.builder()
        .bucket(bucket)
        .key(uri.objectKey(key))
        .ifMatch(etag) // the object we looked at, or a clear failure if it changed meanwhile
        .build();
    boolean inParts = sizeOf(head) >= clients.settings().multipartThreshold() && clients.supportsPartDownload();
    try {
      LocalFiles.replace(target, staging -> {
        if (inParts) {
          downloadInParts(key, request, sizeOf(head), staging);
        } else {
          downloadWhole(request, staging);
        }
      });
    } catch (SdkException e) {
      throw isNotFound(e) ? notFound(key) : failure("download", key, e);
    } catch (IOException e) {
      throw new StorageException("cannot download " + uri.resolve(key) + " to " + target + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "S3Storage[" + uri + "]";
  }

  // ----- internals -----

  private void downloadInParts(String key, GetObjectRequest request, long size, Path partial) throws IOException {
    LOG.info("downloading {} ({} bytes) in parts", uri.resolve(key), size);
    try {
      join(clients.transferManager().downloadFile(DownloadFileRequest.builder()
          .getObjectRequest(request)
          .destination(partial)
          .addTransferListener(LoggingTransferListener.create())
          .build()).completionFuture());
    } catch (S3Exception e) {
      if (!isNotImplemented(e)) {
        throw e;
      }
      // some S3-compatible stores (S3Proxy) cannot GET one part of a multipart object
      clients.partDownloadUnsupported();
      LOG.info("s3://{} does not support part downloads: downloading whole objects", bucket);
      downloadWhole(request, partial);
    }
  }

  private void downloadWhole(GetObjectRequest request, Path partial) throws IOException {
    try (InputStream in = s3().getObject(request)) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private S3Client s3() {
    return clients.sync();
  }

  private Optional<HeadObjectResponse> head(String key) {
    try {
      return Optional.of(s3().headObject(b -> b.bucket(bucket).key(uri.objectKey(key))));
    } catch (SdkException e) {
      if (isNotFound(e)) {
        return Optional.empty();
      }
      throw failure("stat", key, e);
    }
  }

  /** Every object (folder markers included) whose store-relative key starts with {@code prefix}. */
  private Iterable<S3Object> listRaw(String prefix) {
    return s3().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(root + prefix)).contents();
  }

  private void deleteBatch(List<String> keys) {
    if (clients.supportsMultiDelete()) {
      try {
        List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
        DeleteObjectsResponse response = s3().deleteObjects(b -> b.bucket(bucket)
            .delete(Delete.builder().objects(ids).quiet(true).build()));
        if (response.hasErrors() && !response.errors().isEmpty()) {
          S3Error first = response.errors().get(0);
          throw new StorageException("cannot delete " + response.errors().size() + " objects in s3://" + bucket
              + ", first s3://" + bucket + "/" + first.key() + ": " + first.code() + " " + first.message());
        }
        return;
      } catch (S3Exception e) {
        if (!isNotImplemented(e)) {
          throw e;
        }
        clients.multiDeleteUnsupported();
        LOG.info("s3://{} does not support multi-object delete: deleting one object at a time", bucket);
      }
    }
    for (String key : keys) {
      s3().deleteObject(b -> b.bucket(bucket).key(key));
    }
  }

  /** A PutObject carrying the content's MD5 as metadata. */
  private PutObjectRequest putRequest(String key, String md5Hex) {
    return encrypted(PutObjectRequest.builder()
        .bucket(bucket)
        .key(uri.objectKey(key))
        .metadata(Map.of(MD5_METADATA, md5Hex)))
        .build();
  }

  /**
   * The configured server-side encryption ({@code pipeline.s3.encryption}) on a PutObject, which
   * the transfer manager also copies into the CreateMultipartUpload of an upload in parts.
   */
  private PutObjectRequest.Builder encrypted(PutObjectRequest.Builder request) {
    encrypt(request::serverSideEncryption, request::ssekmsKeyId);
    return request;
  }

  /** The same for the target of a server-side copy (a copy is a new write: it is not inherited). */
  private CopyObjectRequest.Builder encrypted(CopyObjectRequest.Builder request) {
    encrypt(request::serverSideEncryption, request::ssekmsKeyId);
    return request;
  }

  /** Sets the configured algorithm, and the KMS key id with SSE-KMS, through a request builder's setters. */
  private void encrypt(Consumer<ServerSideEncryption> algorithm, Consumer<String> kmsKeyId) {
    S3Settings.Encryption encryption = clients.settings().encryption();
    switch (encryption.algorithm()) {
      case SSE_S3 -> algorithm.accept(ServerSideEncryption.AES256);
      case SSE_KMS -> {
        algorithm.accept(ServerSideEncryption.AWS_KMS);
        encryption.kmsKeyId().ifPresent(kmsKeyId);
      }
      case NONE -> { }
    }
  }

  /** The same for content sent in one piece, which the store also checks against the MD5. */
  private PutObjectRequest singlePartPut(String key, String md5Hex) {
    return putRequest(key, md5Hex).toBuilder()
        .contentMD5(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5Hex)))
        .build();
  }

  private void upload(Path file, long size, String md5Hex, String key) {
    try {
      if (size < clients.settings().multipartThreshold()) {
        s3().putObject(singlePartPut(key, md5Hex), RequestBody.fromFile(file));
      } else {
        LOG.info("uploading {} bytes in parts to {}", size, uri.resolve(key));
        join(clients.transferManager().uploadFile(UploadFileRequest.builder()
            .putObjectRequest(putRequest(key, md5Hex))
            .source(file)
            .addTransferListener(LoggingTransferListener.create())
            .build()).completionFuture());
      }
    } catch (SdkException e) {
      throw failure("upload", key, e);
    }
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(50L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while retrying a conditional write", e);
    }
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof SdkException sdk) {
        throw sdk;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  private static boolean isNotFound(SdkException e) {
    return e instanceof NoSuchKeyException
        || (e instanceof S3Exception s3 && s3.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(s3)));
  }

  private static boolean isNotImplemented(S3Exception e) {
    return e.statusCode() == 501 || "NotImplemented".equals(errorCode(e));
  }

  private static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  private ObjectNotFoundException notFound(String key) {
    return new ObjectNotFoundException(uri.resolve(key).toString());
  }

  /** A failure naming the operation and the s3:// location; SDK messages carry no credentials. */
  private StorageException failure(String operation, String key, SdkException e) {
    String reason;
    if (e instanceof AwsServiceException service) {
      String code = errorCode(service);
      reason = "NoSuchBucket".equals(code)
          ? "bucket '" + bucket + "' does not exist"
          : (code == null ? "" : code + " ") + "(HTTP " + service.statusCode() + ")"
              + (service.awsErrorDetails() != null && service.awsErrorDetails().errorMessage() != null
                  ? ": " + service.awsErrorDetails().errorMessage() : "");
    } else {
      reason = e.getMessage();
    }
    return new StorageException("cannot " + operation + " " + uri.resolve(key) + ": " + reason, e);
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return "";
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1)
        : etag;
  }

  private static Instant orEpoch(Instant instant) {
    return instant == null ? Instant.EPOCH : instant;
  }

  private static long sizeOf(S3Object object) {
    return object.size() == null ? 0 : object.size();
  }

  private static long sizeOf(HeadObjectResponse head) {
    return head.contentLength() == null ? 0 : head.contentLength();
  }

}
