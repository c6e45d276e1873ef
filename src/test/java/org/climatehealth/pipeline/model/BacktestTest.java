package org.climatehealth.pipeline.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BacktestTest {
  private static final LocalDate FIRST = LocalDate.of(2023, 1, 1);
  private static final LocalDate LAST = LocalDate.of(2023, 12, 31);

  @Test
  void fourOriginsTwentyEightDaysApartOverTheLast112Days() {
    Backtest backtest = Backtest.of("risk", FIRST, LAST, 112, 4);
    // 2023-12-31 minus 111 days is 2023-09-11
    assertThat(backtest.folds()).extracting(TimeSplit::evalFrom).containsExactly(LocalDate.of(2023, 9, 11),
        LocalDate.of(2023, 10, 9), LocalDate.of(2023, 11, 6), LocalDate.of(2023, 12, 4));
    assertThat(backtest.folds()).extracting(TimeSplit::evalTo).containsExactly(LocalDate.of(2023, 10, 8),
        LocalDate.of(2023, 11, 5), LocalDate.of(2023, 12, 3), LAST);
    // each trained up to 8 days before its origin: its last label (7 days ahead) ends the day before
    assertThat(backtest.folds()).extracting(TimeSplit::trainTo).containsExactly(LocalDate.of(2023, 9, 3),
        LocalDate.of(2023, 10, 1), LocalDate.of(2023, 10, 29), LocalDate.of(2023, 11, 26));
    assertThat(backtest.evaluationRange(100).split()).contains("4 origins 28 days apart").contains("last 112");
    assertThat(backtest.trainingRange(5).from()).isEqualTo("2023-01-01");
    assertThat(backtest.trainingRange(5).to()).isEqualTo("2023-12-31");
  }

  @Test
  void aRemainderGoesToTheLastFoldAndOriginsAreCappedByDays() {
    Backtest five = Backtest.of("risk", FIRST, LAST, 112, 5); // 22-day folds, the last 24 days
    assertThat(five.folds().get(4).evalFrom()).isEqualTo(LocalDate.of(2023, 12, 8));
    assertThat(Backtest.of("risk", FIRST, LAST, 3, 10).folds()).hasSize(3);
  }

  @Test
  void tooLittleHistoryNamesTheSetting() {
    assertThatThrownBy(() -> Backtest.of("forecast", LocalDate.of(2023, 10, 1), LAST, 56, 2))
        .isInstanceOf(TimeSplit.NotEnoughData.class)
        .hasMessageContaining("pipeline.models.forecast.holdout-days");
  }

  @Test
  void theWorstOriginIgnoresOriginsWithoutAValue() {
    List<Map<String, Object>> origins = List.of(entry("a", 0.8), entry("b", Double.NaN), entry("c", 0.7),
        entry("d", 0.9));
    assertThat(Backtest.worst(origins, "roc_auc", true).get("origin")).isEqualTo("c");
    assertThat(Backtest.worst(origins, "roc_auc", false).get("origin")).isEqualTo("d");
    assertThat(Backtest.worst(List.of(entry("b", Double.NaN)), "roc_auc", true)).isNull();
  }

  private static Map<String, Object> entry(String origin, double value) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("origin", origin);
    entry.put("roc_auc", value);
    return entry;
  }
}
