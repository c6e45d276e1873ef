package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.climatehealth.pipeline.config.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunIdsTest {

  @Test
  void generatedIdsStartWithTheUtcSecondAndDiffer() {
    Clock clock = Clock.fixed(Instant.parse("2024-11-24T18:15:07.5Z"), ZoneOffset.ofHours(5));
    String first = RunIds.generate(clock);

    assertThat(first).matches("20241124T181507Z-[0-9a-f]{4}");
    assertThat(RunIds.validate(first)).isEqualTo(first);
    // 10 ids in the same second: the random suffix keeps them apart (65536 values; a clash is ~0.07 %)
    assertThat(java.util.stream.IntStream.range(0, 10).mapToObj(i -> RunIds.generate(clock)).distinct().count())
        .isGreaterThanOrEqualTo(9);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nightly-2024-11-24", "run_1", "A.b-c"})
  void sensibleIdsAreAccepted(String id) {
    assertThat(RunIds.validate(id)).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../x", "a/b", "-leading-dash", "has space", "a..b"})
  void idsThatCouldNotBeAKeySegmentAreRefused(String id) {
    assertThatThrownBy(() -> RunIds.validate(id)).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("bad --run-id");
  }
}
