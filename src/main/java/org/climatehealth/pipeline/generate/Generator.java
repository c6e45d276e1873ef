package org.climatehealth.pipeline.generate;

import static org.climatehealth.pipeline.dataset.RawDataset.CLIMATE;
import static org.climatehealth.pipeline.dataset.RawDataset.HEALTH;
import static org.climatehealth.pipeline.dataset.RawDataset.HOSPITAL;
import static org.climatehealth.pipeline.dataset.RawDataset.LOCATIONS;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes synthetic raw data (the four datasets of CONTRACT §5) into the raw store, and a
 * {@link GeneratorManifest} of what it wrote and injected.
 *
 * <p>Day-major: for each day, every location advances one day ({@link LocationSim}) and its rows
 * are streamed out, so memory depends on the number of locations, never on the number of days.
 * Every location has its own random stream derived from the seed, and the dirt has streams of its
 * own: the same options give byte-identical files, the first N locations of a larger run are the
 * same as an N-location run, and the clean values do not depend on the dirty fraction.
 */
public final class Generator {
  private static final Logger LOG = LoggerFactory.getLogger(Generator.class);

  /** Days simulated before the start date, so that lagged effects are in place on day one. */
  static final int BURN_IN_DAYS = 30;
  private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

  private static final RawDataset[] DATA = {CLIMATE, HEALTH, HOSPITAL};

  private static final int C_DATE = Columns.index(CLIMATE, CLIMATE.dateColumn().orElseThrow());
  private static final int C_LOCATION = Columns.index(CLIMATE, Columns.LOCATION_ID);
  private static final int C_TMAX = Columns.index(CLIMATE, Columns.TEMPERATURE_MAX);
  private static final int C_TMIN = Columns.index(CLIMATE, Columns.TEMPERATURE_MIN);
  private static final int C_HUMIDITY = Columns.index(CLIMATE, Columns.HUMIDITY);
  private static final int C_RAINFALL = Columns.index(CLIMATE, Columns.RAINFALL);
  private static final int C_AQI = Columns.index(CLIMATE, Columns.AIR_QUALITY);
  private static final int H_DATE = Columns.index(HEALTH, HEALTH.dateColumn().orElseThrow());
  private static final int H_LOCATION = Columns.index(HEALTH, Columns.LOCATION_ID);
  private static final int H_DISEASE = Columns.index(HEALTH, Columns.DISEASE);
  private static final int H_CASES = Columns.index(HEALTH, Columns.CASES);
  private static final int H_DEATHS = Columns.index(HEALTH, Columns.DEATHS);
  private static final int H_HOSPITALIZATIONS = Columns.index(HEALTH, Columns.HOSPITALIZATIONS);
  private static final int P_DATE = Columns.index(HOSPITAL, HOSPITAL.dateColumn().orElseThrow());
  private static final int P_HOSPITAL = Columns.index(HOSPITAL, Columns.HOSPITAL_ID);
  private static final int P_LOCATION = Columns.index(HOSPITAL, Columns.LOCATION_ID);
  private static final int P_NAME = Columns.index(HOSPITAL, Columns.HOSPITAL_NAME);
  private static final int P_TOTAL = Columns.index(HOSPITAL, Columns.TOTAL_BEDS);
  private static final int P_ICU = Columns.index(HOSPITAL, Columns.ICU_BEDS);
  private static final int P_OCCUPIED = Columns.index(HOSPITAL, Columns.OCCUPIED_BEDS);
  private static final int L_ID = Columns.index(LOCATIONS, Columns.LOCATION_ID);
  private static final int L_NAME = Columns.index(LOCATIONS, Columns.LOCATION_NAME);
  private static final int L_STATE = Columns.index(LOCATIONS, Columns.STATE_CODE);
  private static final int L_DISTRICT = Columns.index(LOCATIONS, Columns.DISTRICT);
  private static final int L_LATITUDE = Columns.index(LOCATIONS, Columns.LATITUDE);
  private static final int L_LONGITUDE = Columns.index(LOCATIONS, Columns.LONGITUDE);
  private static final int L_POPULATION = Columns.index(LOCATIONS, Columns.POPULATION);

  private final GeneratorOptions options;

  public Generator(GeneratorOptions options) {
    this.options = options;
  }

  /** The single-file key of a dataset: {@code raw/climate_data.csv}. */
  public static String fileKey(RawDataset dataset) {
    return dataset.filePrefix() + ".csv";
  }

  /** The daily-file key of a dataset: {@code raw/climate_data_2024-11-11.csv}. */
  public static String fileKey(RawDataset dataset, LocalDate day) {
    return dataset.filePrefix() + "_" + day + ".csv";
  }

  /**
   * Generates everything: refuses when raw datasets are already in the store (unless
   * {@code overwrite}, which deletes them first), writes the data files, then
   * {@code raw/locations.csv}, then the manifest.
   */
  public GeneratorResult run(Storage raw) {
    List<String> deleted = clearOrRefuse(raw);
    Run run = new Run(raw);
    run.generate();
    return run.result(deleted);
  }

  /** Raw dataset files in the store ({@code raw/locations*.csv} and the like), in key order per dataset. */
  public static List<String> rawDatasetFiles(Storage raw) {
    List<String> keys = new ArrayList<>();
    for (RawDataset dataset : RawDataset.values()) {
      if (raw.usage(dataset.filePrefix()).objects() == 0) {
        continue; // cheap: no listing with checksums when there is nothing
      }
      for (ObjectInfo object : raw.list(dataset.filePrefix())) {
        if (dataset.matches(object.key())) {
          keys.add(object.key());
        }
      }
    }
    return keys;
  }

  private List<String> clearOrRefuse(Storage raw) {
    if (!options.overwrite()) {
      Optional<String> existing = firstRawDatasetFile(raw);
      if (existing.isPresent()) {
        throw new GeneratorUsageException("the raw store already holds " + raw.uri().resolve(existing.get())
            + "; rerun with --overwrite to replace raw/locations*.csv, raw/climate_data*.csv, raw/health_data*.csv"
            + " and raw/hospital_data*.csv");
      }
      return List.of();
    }
    List<String> keys = rawDatasetFiles(raw);
    for (String key : keys) {
      raw.delete(key);
    }
    raw.delete(GeneratorManifest.KEY); // it described the files just deleted
    if (!keys.isEmpty()) {
      LOG.info("generate: deleted {} existing raw dataset files from {}", keys.size(), raw.uri());
    }
    return keys;
  }

  private static Optional<String> firstRawDatasetFile(Storage raw) {
    for (RawDataset dataset : RawDataset.values()) {
      if (raw.exists(fileKey(dataset))) { // cheap: no checksum of a large file
        return Optional.of(fileKey(dataset));
      }
    }
    List<String> all = rawDatasetFiles(raw);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  /** One generation: the simulated locations, the sinks and tallies of the four datasets. */
  private final class Run {
    private final Storage raw;
    private final List<Place> places;
    private final LocationSim[] sims;
    private final Map<RawDataset, CsvSink> sinks = new EnumMap<>(RawDataset.class);
    private final Map<RawDataset, Tally> tallies = new EnumMap<>(RawDataset.class);
    private final Map<RawDataset, DirtInjector> injectors = new EnumMap<>(RawDataset.class);
    private final long startedNanos = System.nanoTime();
    private long lastProgressNanos = startedNanos;
    private final String[] climateRow = new String[CLIMATE.columns().size()];
    private final String[] healthRow = new String[HEALTH.columns().size()];
    private final String[] hospitalRow = new String[HOSPITAL.columns().size()];

    Run(Storage raw) {
      this.raw = raw;
      this.places = Places.first(options.locations(), options.seed());
      this.sims = new LocationSim[places.size()];
      for (int i = 0; i < sims.length; i++) {
        sims[i] = new LocationSim(places.get(i), options.seed(), i);
      }
      for (RawDataset dataset : RawDataset.values()) {
        sinks.put(dataset, new CsvSink(dataset));
        tallies.put(dataset, new Tally());
      }
      for (RawDataset dataset : DATA) {
        injectors.put(dataset, new DirtInjector(dataset, options.dirtyFraction(),
            Rng.of(options.seed(), "dirt-" + dataset.tableName(), 0), tallies.get(dataset)));
      }
    }

    void generate() {
      LOG.info("generate: {} locations x {} days from {}, seed {}, dirty fraction {}, {} into {}",
          options.locations(), options.days(), options.startDate(), options.seed(), options.dirtyFraction(),
          options.dailyFiles() ? "daily files" : "one file per dataset", raw.uri());
      for (int back = BURN_IN_DAYS; back > 0; back--) {
        Season season = new Season(options.startDate().minusDays(back));
        for (LocationSim sim : sims) {
          sim.step(season);
        }
      }
      if (options.dailyFiles()) {
        writeDaily();
      } else {
        writeSingle();
      }
      writeLocations();
    }

    private void writeSingle() {
      raw.write(fileKey(CLIMATE), climateOut -> raw.write(fileKey(HEALTH), healthOut ->
          raw.write(fileKey(HOSPITAL), hospitalOut -> {
            Writer climate = writer(climateOut);
            Writer health = writer(healthOut);
            Writer hospital = writer(hospitalOut);
            sinks.get(CLIMATE).open(fileKey(CLIMATE), climate);
            sinks.get(HEALTH).open(fileKey(HEALTH), health);
            sinks.get(HOSPITAL).open(fileKey(HOSPITAL), hospital);
            for (int day = 0; day < options.days(); day++) {
              day(day);
            }
            climate.flush();
            health.flush();
            hospital.flush();
          })));
      for (RawDataset dataset : DATA) {
        sinks.get(dataset).finish();
      }
    }

    private void writeDaily() {
      for (int day = 0; day < options.days(); day++) {
        LocalDate date = options.startDate().plusDays(day);
        Map<RawDataset, StringBuilder> buffers = new EnumMap<>(RawDataset.class);
        for (RawDataset dataset : DATA) {
          StringBuilder buffer = new StringBuilder(dataset == HEALTH ? 64 * 6 * sims.length : 80 * sims.length);
          buffers.put(dataset, buffer);
          sinks.get(dataset).open(fileKey(dataset, date), buffer);
        }
        day(day);
        for (RawDataset dataset : DATA) {
          CsvSink sink = sinks.get(dataset);
          if (dataset == HOSPITAL && sink.fileRows() == 0) {
            sink.discard(); // no hospital reported that day: no file
            continue;
          }
          StringBuilder buffer = buffers.get(dataset);
          raw.write(sink.key(), out -> {
            Writer writer = writer(out);
            writer.append(buffer);
            writer.flush();
          });
          sink.finish();
        }
      }
    }

    /** Advances every location one day and emits its rows. */
    private void day(int index) {
      LocalDate date = options.startDate().plusDays(index);
      String isoDate = date.toString();
      int weekday = date.getDayOfWeek().getValue() - 1;
      Season season = new Season(date);
      DirtInjector climate = injectors.get(CLIMATE);
      DirtInjector health = injectors.get(HEALTH);
      DirtInjector hospital = injectors.get(HOSPITAL);
      CsvSink climateSink = sinks.get(CLIMATE);
      CsvSink healthSink = sinks.get(HEALTH);
      CsvSink hospitalSink = sinks.get(HOSPITAL);
      for (LocationSim sim : sims) {
        sim.step(season);
        String id = sim.place.id();
        climateRow[C_DATE] = isoDate;
        climateRow[C_LOCATION] = id;
        climateRow[C_TMAX] = Csv.decimal1(sim.tmax);
        climateRow[C_TMIN] = Csv.decimal1(sim.tmin);
        climateRow[C_HUMIDITY] = Csv.decimal1(sim.humidity);
        climateRow[C_RAINFALL] = Csv.decimal1(sim.rainfall);
        climateRow[C_AQI] = Long.toString(sim.aqi);
        climate.emit(climateRow, climateSink);
        for (Disease disease : Disease.values()) {
          int k = disease.ordinal();
          healthRow[H_DATE] = isoDate;
          healthRow[H_LOCATION] = id;
          healthRow[H_DISEASE] = disease.label();
          healthRow[H_CASES] = Long.toString(sim.cases[k]);
          healthRow[H_DEATHS] = Long.toString(sim.deaths[k]);
          healthRow[H_HOSPITALIZATIONS] = Long.toString(sim.hospitalizations[k]);
          health.emit(healthRow, healthSink);
        }
        for (LocationSim.Hospital h : sim.hospitals) {
          if (h.weekday != weekday) {
            continue;
          }
          LocationSim.HospitalReport report = sim.report(h);
          if (report == null) {
            continue;
          }
          hospitalRow[P_DATE] = isoDate;
          hospitalRow[P_HOSPITAL] = h.id;
          hospitalRow[P_LOCATION] = id;
          hospitalRow[P_NAME] = h.name;
          hospitalRow[P_TOTAL] = Long.toString(report.totalBeds());
          hospitalRow[P_ICU] = Long.toString(report.icuBeds());
          hospitalRow[P_OCCUPIED] = Long.toString(report.occupiedBeds());
          hospital.emit(hospitalRow, hospitalSink);
        }
      }
      progress(index, date);
    }

    private void progress(int index, LocalDate date) {
      long now = System.nanoTime();
      if (now - lastProgressNanos < PROGRESS_EVERY_NANOS) {
        return;
      }
      lastProgressNanos = now;
      long rows = 0;
      long bytes = 0;
      for (CsvSink sink : sinks.values()) {
        rows += sink.totalRows();
        bytes += sink.totalBytes();
      }
      LOG.info(String.format(Locale.ROOT, "generate: day %d/%d (%s), %,d rows, %.1f MB written, %.1f s",
          index + 1, options.days(), date, rows, bytes / 1e6, (now - startedNanos) / 1e9));
    }

    private void writeLocations() {
      CsvSink sink = sinks.get(LOCATIONS);
      Tally tally = tallies.get(LOCATIONS);
      String key = fileKey(LOCATIONS);
      raw.write(key, out -> {
        Writer writer = writer(out);
        sink.open(key, writer);
        String first = null;
        for (Place place : places) {
          String line = Csv.line(locationRow(place.id(), place.name(), place.stateCode(), place.district(),
              Double.toString(place.latitude()), Double.toString(place.longitude()), Long.toString(place.population())));
          first = first == null ? line : first;
          sink.row(line);
          tally.valid();
        }
        if (options.dirtyFraction() > 0) {
          badLocations(sink, tally, first);
        }
        writer.flush();
      });
      sink.finish();
    }

    /**
     * Extra location rows that processing must reject, with ids nothing refers to (a real
     * location made bad would take all its rows with it as UNKNOWN_LOCATION), plus an exact
     * duplicate of the first location, which must collapse.
     */
    private void badLocations(CsvSink sink, Tally tally, String firstLine) {
      bad(sink, tally, ReasonCode.OUT_OF_RANGE, "non_positive_population",
          Csv.line(locationRow("ZZ-BAD-01", "Nowhere", "ZZ", "Nowhere", "20.5", "78.9", "0")));
      bad(sink, tally, ReasonCode.MISSING_REQUIRED, "missing_required_value",
          Csv.line(locationRow("ZZ-BAD-02", "Nowhere", "NA", "Nowhere", "20.5", "78.9", "500000")));
      bad(sink, tally, ReasonCode.OUT_OF_RANGE, "latitude_out_of_range",
          Csv.line(locationRow("ZZ-BAD-03", "Nowhere", "ZZ", "Nowhere", "123.4", "78.9", "500000")));
      bad(sink, tally, ReasonCode.BAD_NUMBER, "non_numeric",
          Csv.line(locationRow("ZZ-BAD-04", "Nowhere", "ZZ", "Nowhere", "20.5", "78.9", "many")));
      bad(sink, tally, ReasonCode.MALFORMED_ROW, "extra_field",
          Csv.line(locationRow("ZZ-BAD-05", "Nowhere", "ZZ", "Nowhere", "20.5", "78.9", "500000")) + ",500000");
      bad(sink, tally, ReasonCode.MALFORMED_ROW, "not_utf8", Csv.line(locationRow("ZZ-BAD-07",
          "Nowhere" + DirtInjector.LATIN1_NAME_SUFFIX, "ZZ", "Nowhere", "20.5", "78.9", "500000")));
      bad(sink, tally, ReasonCode.MALFORMED_ROW, "unclosed_quote", Csv.line(locationRow("ZZ-BAD-08", "Nowhere", "ZZ",
          "Nowhere", "20.5", "78.9", "500000"), L_NAME, "\"Nowhere"));
      tally.collapsed("exact_duplicate", sink, firstLine);
      sink.row(firstLine);
      bad(sink, tally, ReasonCode.DUPLICATE_KEY_CONFLICT, "conflicting_duplicate",
          Csv.line(locationRow("ZZ-BAD-06", "Nowhere", "ZZ", "Nowhere", "20.5", "78.9", "500000")));
      bad(sink, tally, ReasonCode.DUPLICATE_KEY_CONFLICT, "conflicting_duplicate",
          Csv.line(locationRow("ZZ-BAD-06", "Nowhere", "ZZ", "Nowhere", "20.5", "78.9", "600000")));
    }

    private void bad(CsvSink sink, Tally tally, ReasonCode reason, String form, String line) {
      tally.quarantined(reason, form, sink, line);
      sink.row(line);
    }

    private static String[] locationRow(String id, String name, String state, String district, String latitude,
        String longitude, String population) {
      String[] row = new String[LOCATIONS.columns().size()];
      row[L_ID] = id;
      row[L_NAME] = name;
      row[L_STATE] = state;
      row[L_DISTRICT] = district;
      row[L_LATITUDE] = latitude;
      row[L_LONGITUDE] = longitude;
      row[L_POPULATION] = population;
      return row;
    }

    GeneratorResult result(List<String> deleted) {
      Map<String, GeneratorManifest.DatasetManifest> datasets = new LinkedHashMap<>();
      Map<RawDataset, List<WrittenFile>> files = new EnumMap<>(RawDataset.class);
      for (RawDataset dataset : RawDataset.values()) {
        datasets.put(dataset.tableName(), tallies.get(dataset).manifest(sinks.get(dataset)));
        files.put(dataset, sinks.get(dataset).files());
      }
      GeneratorManifest manifest = new GeneratorManifest(options.seed(), options.locations(), options.days(),
          options.startDate().toString(), options.endDate().toString(), options.dirtyFraction(), options.dailyFiles(),
          Disease.labels(), datasets, GeneratorManifest.DATA_VERSION);
      raw.writeJson(GeneratorManifest.KEY, manifest);
      long rows = files.values().stream().flatMap(List::stream).mapToLong(WrittenFile::rows).sum();
      long bytes = files.values().stream().flatMap(List::stream).mapToLong(WrittenFile::bytes).sum();
      LOG.info(String.format(Locale.ROOT, "generate: done, %,d rows, %.1f MB in %.1f s", rows, bytes / 1e6,
          (System.nanoTime() - startedNanos) / 1e9));
      return new GeneratorResult(manifest, files, deleted);
    }
  }

  private static Writer writer(OutputStream out) {
    // ASCII is the same bytes in UTF-8; the not-UTF-8 defects need their Latin-1 byte as written
    return new BufferedWriter(new OutputStreamWriter(out, CsvSink.CHARSET), 1 << 16);
  }
}
