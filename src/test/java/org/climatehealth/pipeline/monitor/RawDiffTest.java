package org.climatehealth.pipeline.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.climatehealth.pipeline.monitor.RawManifest.Entry;
import org.junit.jupiter.api.Test;

class RawDiffTest {
  private static final String JAN_1 = "2024-01-01T06:00:00Z";
  private static final String JAN_2 = "2024-01-02T06:00:00Z";

  private static Entry entry(String name, long size, String etag, String lastModified) {
    return new Entry("raw/" + name, size, etag, lastModified);
  }

  @Test
  void theFirstScanFindsEveryObjectNew() {
    List<Entry> now = List.of(entry("climate_data.csv", 10, "e1", JAN_1), entry("locations.csv", 5, "e2", JAN_1));

    RawDiff diff = RawDiff.of(now, null);

    assertThat(diff.added()).containsExactlyElementsOf(now);
    assertThat(diff.changed()).isEmpty();
    assertThat(diff.removed()).isEmpty();
    assertThat(diff.unchanged()).isZero();
  }

  @Test
  void anEmptyBaselineIsLikeNone() {
    List<Entry> now = List.of(entry("locations.csv", 5, "e2", JAN_1));
    assertThat(RawDiff.of(now, List.of())).isEqualTo(RawDiff.of(now, null));
  }

  @Test
  void sameListingIsUnchanged() {
    List<Entry> now = List.of(entry("climate_data.csv", 10, "e1", JAN_1), entry("locations.csv", 5, "e2", JAN_1));

    RawDiff diff = RawDiff.of(now, now);

    assertThat(diff.added()).isEmpty();
    assertThat(diff.changed()).isEmpty();
    assertThat(diff.removed()).isEmpty();
    assertThat(diff.unchanged()).isEqualTo(2);
  }

  @Test
  void newChangedBySizeChangedByEtagRemovedAndTouchedButUnchanged() {
    List<Entry> baseline = List.of(
        entry("a.csv", 10, "e1", JAN_1),
        entry("b.csv", 20, "e2", JAN_1),
        entry("c.csv", 30, "e3", JAN_1),
        entry("d.csv", 40, "e4", JAN_1),
        entry("f.csv", 60, "e6", JAN_1));
    Entry bLonger = entry("b.csv", 21, "e2", JAN_1);         // same ETag, another size
    Entry cRewritten = entry("c.csv", 30, "e3x", JAN_1);     // same size, another ETag
    Entry dTouched = entry("d.csv", 40, "e4", JAN_2);        // rewritten with the same bytes
    Entry eDrop = entry("health_data_2024-01-02.csv", 7, "e5", JAN_2);
    // listing order does not matter: the diff goes by key
    List<Entry> now = List.of(eDrop, dTouched, cRewritten, bLonger, entry("a.csv", 10, "e1", JAN_1));

    RawDiff diff = RawDiff.of(now, baseline);

    assertThat(diff.added()).containsExactly(eDrop);
    assertThat(diff.changed()).containsExactly(bLonger, cRewritten);
    assertThat(diff.removed()).containsExactly(entry("f.csv", 60, "e6", JAN_1));
    assertThat(diff.unchanged()).isEqualTo(2); // a and d
  }

  @Test
  void everythingRemoved() {
    List<Entry> baseline = List.of(entry("b.csv", 20, "e2", JAN_1), entry("a.csv", 10, "e1", JAN_1));

    RawDiff diff = RawDiff.of(List.of(), baseline);

    assertThat(diff.removed()).extracting(Entry::key).containsExactly("raw/a.csv", "raw/b.csv");
    assertThat(diff.added()).isEmpty();
    assertThat(diff.unchanged()).isZero();
  }
}
