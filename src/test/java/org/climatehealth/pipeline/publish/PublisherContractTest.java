package org.climatehealth.pipeline.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link Publisher} promises, on every store: a run's staged tables replace exactly the
 * partitions it owns; a publish stopped at any step leaves every partition whole (old or new) and
 * is finished by {@link Publisher#recover}; nothing of staging is left. Subclasses supply the store.
 *
 * <p>The scene: table {@code t} has partitions m=01, m=02, m=03 and m=05, published by an earlier
 * run; run R stages m=01 and m=04 (with job ids in their names, as Spark writes them), and owns
 * m=01..m=03 (so m=02 and m=03, which it found empty, go); table {@code w} is unpartitioned.
 */
abstract class PublisherContractTest {
  private static final String OLD_T1 = "t/m=01/part-00000.c000.snappy.parquet";

  protected Storage store;

  protected abstract Storage newStorage();

  @BeforeEach
  void setUp() {
    store = newStorage();
    store.writeText(OLD_T1, "old-1");
    store.writeText("t/m=02/part-00000.c000.snappy.parquet", "old-2");
    store.writeText("t/m=03/part-00000.c000.snappy.parquet", "old-3");
    store.writeText("t/m=05/part-00000.c000.snappy.parquet", "old-5");
    store.writeText("w/part-00000.c000.snappy.parquet", "old-w");
  }

  @AfterEach
  void disarm() {
    System.clearProperty(FaultInjection.PROPERTY);
  }

  /** Stages run R's output, as Spark and its committer leave it. */
  private Publisher stageRun() {
    Publisher publisher = new Publisher(store, "R");
    String t = publisher.stagingKey("t");
    store.writeText(t + "m=01/part-00003-1d2e3f40-aaaa-4bbb-8ccc-00000000000a.c000.snappy.parquet", "new-1");
    store.writeText(t + "m=04/part-00001-1d2e3f40-aaaa-4bbb-8ccc-00000000000a.c000.snappy.parquet", "new-4");
    store.writeText(t + "m=04/.part-00001-1d2e3f40-aaaa-4bbb-8ccc-00000000000a.c000.snappy.parquet.crc", "crc");
    store.writeText(t + "_SUCCESS", "{\"committer\":\"magic\"}");
    String w = publisher.stagingKey("w");
    store.writeText(w + "part-00000-1d2e3f40-aaaa-4bbb-8ccc-00000000000b.c000.snappy.parquet", "new-w");
    return publisher;
  }

  private Publisher plan(Publisher publisher) {
    Publisher.Published t = publisher.publishPartitioned("t", "m", m -> m.compareTo("03") <= 0);
    assertThat(t.partitions()).containsExactly("01", "04");
    assertThat(t.filesWritten()).isEqualTo(2);
    // m=01's new file overwrites the old one; m=02 and m=03 are owned and empty now
    assertThat(t.filesReplaced()).isEqualTo(2);
    Publisher.Published w = publisher.publishWhole("w");
    assertThat(w.filesWritten()).isEqualTo(1);
    assertThat(w.filesReplaced()).isZero();
    return publisher;
  }

  /** What a complete publish of run R leaves: every object and its content. */
  private static final Map<String, String> PUBLISHED = Map.of(
      "t/m=01/part-00000.c000.snappy.parquet", "new-1",
      "t/m=04/part-00000.c000.snappy.parquet", "new-4",
      "t/m=05/part-00000.c000.snappy.parquet", "old-5",
      "t/_SUCCESS", "{\"committer\":\"magic\"}",
      "w/part-00000.c000.snappy.parquet", "new-w");

  private Map<String, String> contents() {
    Map<String, String> contents = new TreeMap<>();
    for (ObjectInfo object : store.list("")) {
      contents.put(object.key(), store.readText(object.key()));
    }
    return contents;
  }

  @Test
  void aCommittedPublishReplacesTheOwnedPartitionsUnderFixedNamesAndLeavesNoStaging() {
    Publisher publisher = plan(stageRun());
    publisher.commit();
    publisher.cleanUp();

    assertThat(contents()).isEqualTo(PUBLISHED);
    assertThat(Publisher.recover(store).isEmpty()).isTrue();
  }

  @Test
  void theNextRunOverwritesTheSameNamesSoNothingIsDeleted() {
    Publisher first = plan(stageRun());
    first.commit();
    Publisher second = new Publisher(store, "S");
    store.writeText(second.stagingKey("t") + "m=01/part-00009-99999999-aaaa-4bbb-8ccc-00000000000c.c000.snappy.parquet",
        "newer-1");
    Publisher.Published published = second.publishPartitioned("t", "m", "01"::equals);

    assertThat(published.filesWritten()).isEqualTo(1);
    assertThat(published.filesReplaced()).isZero();
    second.commit();
    assertThat(store.readText("t/m=01/part-00000.c000.snappy.parquet")).isEqualTo("newer-1");
    assertThat(store.readText("t/m=04/part-00000.c000.snappy.parquet")).isEqualTo("new-4");
  }

  /** Steps: 1-3 moves (t m=01, t m=04, w), 4-5 deletes (t m=02, m=03), 6 the marker. */
  @ParameterizedTest
  @ValueSource(strings = {"publish.journal", "publish.move.1", "publish.move.2", "publish.move.3",
      "publish.delete.4", "publish.delete.5", "publish.marker.6"})
  void aPublishStoppedAtAnyStepLeavesWholePartitionsAndTheNextRunFinishesIt(String point) {
    Publisher publisher = plan(stageRun());
    System.setProperty(FaultInjection.PROPERTY, "fail@" + point);
    assertThatThrownBy(publisher::commit).isInstanceOf(StorageException.class).hasMessageContaining(point);
    publisher.cleanUp();
    System.clearProperty(FaultInjection.PROPERTY);

    // every partition holds either its old file or its new one, never both and never neither
    Map<String, String> between = contents();
    assertThat(between).containsKey("_publish/R.json");
    assertThat(partition(between, "t/m=01/")).isIn(List.of("old-1"), List.of("new-1"));
    assertThat(partition(between, "t/m=02/")).isIn(List.of("old-2"), List.of());
    assertThat(partition(between, "t/m=03/")).isIn(List.of("old-3"), List.of());
    assertThat(partition(between, "t/m=04/")).isIn(List.of(), List.of("new-4"));
    assertThat(partition(between, "t/m=05/")).containsExactly("old-5");
    assertThat(partition(between, "w/")).isIn(List.of("old-w"), List.of("new-w"));

    Publisher.Recovery recovery = Publisher.recover(store);
    assertThat(recovery.publishesCompleted()).containsExactly("R");
    assertThat(contents()).isEqualTo(PUBLISHED);
  }

  @Test
  void aJournalThatCouldNotBeWrittenLeavesTheOldTablesAndNoStaging() {
    Map<String, String> before = contents();
    Publisher publisher = plan(stageRun());
    System.setProperty(FaultInjection.PROPERTY, "fail@publish.write-journal");
    assertThatThrownBy(publisher::commit).isInstanceOf(StorageException.class);
    System.clearProperty(FaultInjection.PROPERTY);
    publisher.cleanUp();

    assertThat(contents()).isEqualTo(before);
    assertThat(Publisher.recover(store).isEmpty()).isTrue();
  }

  @Test
  void theFirstPublishOverFilesNamedByAnotherLayoutRemovesThem() {
    store.writeText("w/part-00003-0b7c3f0e-aaaa-4bbb-8ccc-000000000002.c000.snappy.parquet", "older-w");
    Publisher publisher = stageRun();
    assertThat(publisher.publishWhole("w").filesReplaced()).isEqualTo(1);
    publisher.commit();

    assertThat(store.list("w/")).extracting(ObjectInfo::key).containsExactly("w/part-00000.c000.snappy.parquet");
  }

  @Test
  void recoveryRemovesTheStagingOfARunThatDiedBeforeItsJournal() {
    stageRun();
    Publisher.Recovery recovery = Publisher.recover(store);

    assertThat(recovery.publishesCompleted()).isEmpty();
    // t's two files, its checksum file and _SUCCESS, and w's file
    assertThat(recovery.stagedObjectsRemoved()).isEqualTo(5);
    assertThat(store.list("_staging/")).isEmpty();
    assertThat(contents()).containsEntry(OLD_T1, "old-1").containsEntry("t/m=02/part-00000.c000.snappy.parquet", "old-2")
        .hasSize(5);
  }

  @Test
  void aRunCommitsOnce() {
    Publisher publisher = plan(stageRun());
    publisher.commit();
    assertThatThrownBy(() -> publisher.publishWhole("w")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void publishedNamesKeepTheSuffixAndDropTheJobId() {
    assertThat(Publisher.publishedName(0, "part-00003-1d2e3f40-aaaa-4bbb-8ccc-00000000000a.c000.snappy.parquet"))
        .isEqualTo("part-00000.c000.snappy.parquet");
    assertThat(Publisher.publishedName(12, "part-00000-1d2e3f40-aaaa-4bbb-8ccc-00000000000a.c000.json"))
        .isEqualTo("part-00012.c000.json");
    assertThat(Publisher.publishedName(1, "data")).isEqualTo("part-00001");
  }

  /** The contents of the data files directly in a folder (markers and checksums aside). */
  private static List<String> partition(Map<String, String> contents, String folder) {
    return contents.entrySet().stream()
        .filter(e -> e.getKey().startsWith(folder) && !e.getKey().substring(folder.length()).contains("/"))
        .filter(e -> !e.getKey().substring(folder.length()).startsWith("_"))
        .map(Map.Entry::getValue).toList();
  }
}
