package org.climatehealth.pipeline.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.config.Settings.SparkSettings;
import org.climatehealth.pipeline.config.Settings.Stores;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A session from {@link SparkSessions} writes partitioned Parquet to {@code s3a://} on S3Proxy
 * through the S3A magic committer, and reads it back.
 */
@ExtendWith(S3ProxyExtension.class)
class SparkS3IT {
  private static final StructType CASES = new StructType()
      .add("location_id", DataTypes.StringType, false)
      .add("date", DataTypes.DateType, false)
      .add("cases", DataTypes.IntegerType, false);

  private static Settings settings;
  private static SparkSession spark;
  private static S3Clients clients;
  private static Storage processed;

  @BeforeAll
  static void startSpark(S3ProxyServer server) {
    String bucket = server.newBucket();
    settings = TestSettings.of("it",
        new Stores(StoreUri.parse("s3://" + bucket + "/raw"), StoreUri.parse("s3://" + bucket + "/processed"),
            StoreUri.parse("s3://" + bucket + "/models")),
        server.s3Settings(),
        new SparkSettings("local[2]", "magic", Map.of(
            "spark.ui.enabled", "false",
            "spark.sql.shuffle.partitions", "2",
            "spark.driver.host", "127.0.0.1")),
        List.of("dengue"));
    spark = SparkSessions.create(settings, "SparkS3IT");
    clients = new S3Clients(server.s3Settings());
    processed = new S3Storage(settings.stores().processed(), clients);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
    if (clients != null) {
      clients.close();
    }
  }

  @Test
  void partitionedParquetIsCommittedByTheMagicCommitterAndReadsBack() {
    Dataset<Row> rows = spark.createDataFrame(List.of(
        RowFactory.create("KA-BLR", LocalDate.parse("2024-01-01"), 3),
        RowFactory.create("KA-MYS", LocalDate.parse("2024-01-01"), 5),
        RowFactory.create("KA-BLR", LocalDate.parse("2024-01-02"), 7),
        RowFactory.create("KA-MYS", LocalDate.parse("2024-01-02"), 11),
        RowFactory.create("MH-PUN", LocalDate.parse("2024-01-02"), 13)), CASES);
    String path = settings.stores().processed().sparkPath("t/");
    assertThat(path).startsWith("s3a://");

    rows.write().mode(SaveMode.Overwrite).partitionBy("date").parquet(path);

    // an S3A committer writes a JSON _SUCCESS naming itself; the classic committer an empty one
    JsonNode success = processed.readJson("t/_SUCCESS", JsonNode.class);
    assertThat(success.path("committer").asText()).isEqualTo("magic");
    assertThat(success.path("filenames")).isNotEmpty();
    List<String> keys = processed.list("t/").stream().map(ObjectInfo::key).toList();
    assertThat(keys).noneMatch(key -> key.contains("__magic"));
    assertThat(keys).anyMatch(key -> key.startsWith("t/date=2024-01-01/") && key.endsWith(".parquet"))
        .anyMatch(key -> key.startsWith("t/date=2024-01-02/") && key.endsWith(".parquet"));

    Dataset<Row> back = spark.read().parquet(path);
    assertThat(back.count()).isEqualTo(5);
    assertThat(back.agg(functions.sum("cases")).first().getLong(0)).isEqualTo(3 + 5 + 7 + 11 + 13);
    assertThat(back.where("date = DATE'2024-01-02'").agg(functions.sum("cases")).first().getLong(0))
        .isEqualTo(7 + 11 + 13);
    assertThat(back.where("location_id = 'KA-MYS'").count()).isEqualTo(2);
  }
}
