package org.climatehealth.pipeline.generate;

import java.util.Arrays;
import java.util.List;

/**
 * The diseases the generator reports for every location and day. All but {@link #CHOLERA} are in
 * the default {@code pipeline.diseases}; cholera (rare, after floods) exercises the path of a
 * disease that is counted in totals but has no column of its own.
 */
enum Disease {
  DENGUE("dengue", 0.002, 0.25),
  MALARIA("malaria", 0.003, 0.20),
  HEAT_ILLNESS("heat_illness", 0.03, 0.35),
  RESPIRATORY("respiratory", 0.0005, 0.06),
  DIARRHOEAL("diarrhoeal", 0.0008, 0.10),
  CHOLERA("cholera", 0.01, 0.50);

  private final String label;
  private final double fatality;
  private final double hospitalisation;

  Disease(String label, double fatality, double hospitalisation) {
    this.label = label;
    this.fatality = fatality;
    this.hospitalisation = hospitalisation;
  }

  /** The value in the disease column. */
  String label() {
    return label;
  }

  /** Share of cases that die. */
  double fatality() {
    return fatality;
  }

  /** Share of cases admitted to hospital. */
  double hospitalisation() {
    return hospitalisation;
  }

  static List<String> labels() {
    return Arrays.stream(values()).map(Disease::label).toList();
  }
}
