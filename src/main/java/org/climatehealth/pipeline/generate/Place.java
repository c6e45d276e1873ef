package org.climatehealth.pipeline.generate;

/**
 * One generated location: what {@code locations.csv} says about it, plus the climate profile the
 * generator draws its weather from (never written).
 *
 * @param id location_id, {@code <state code>-<district code>}, e.g. {@code KA-BLR}
 * @param name location_name: the main town
 * @param stateCode state_code, e.g. {@code KA}
 * @param district district
 * @param latitude degrees north
 * @param longitude degrees east
 * @param population people
 * @param elevationM metres above sea level (cooler with height)
 * @param coastal true on the coast (milder, more humid)
 * @param aridity 0 (humid) to 1 (desert): hotter pre-monsoon, drier, larger daily range
 * @param annualRainMm mean rainfall per year
 * @param northeastMonsoon true where most rain falls October to December (Tamil Nadu)
 * @param malariaFactor how endemic malaria is here (1 = typical)
 */
record Place(String id, String name, String stateCode, String district, double latitude, double longitude,
    long population, int elevationM, boolean coastal, double aridity, double annualRainMm, boolean northeastMonsoon,
    double malariaFactor) {

  /** 0 at 10°N, 1 at 30°N: how continental (cold winters, hot pre-monsoon) the climate is. */
  double northness() {
    return Math.max(0, Math.min(1, (latitude - 10) / 20));
  }

  /** 0 for a town of 200k, 1 for 12M (log scale): more pollution, more dengue, less malaria. */
  double urbanity() {
    return Math.max(0, Math.min(1, StrictMath.log10(population / 200_000.0) / StrictMath.log10(60)));
  }
}
