package org.climatehealth.pipeline.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One location's weather, disease counts and hospitals, advanced one day at a time. Keeps only
 * small state (30 days of rainfall, a few running anomalies, a week of admissions), so a run's
 * memory depends on the number of locations and not on the number of days.
 *
 * <p>Weather: seasonal climatology by latitude, altitude, coast and aridity (pre-monsoon heat in
 * April-May, monsoon rain June-September, or October-December on the Tamil Nadu coast) plus
 * persistent anomalies. Diseases: Poisson counts around a population-scaled rate driven by the
 * weather with lags (see {@link #health}).
 */
final class LocationSim {
  /** Days of rainfall kept: today and the 30 before it. */
  private static final int RAIN_DAYS = 31;

  private static final String[] HOSPITAL_NAMES = {"%s Civil Hospital", "Government Medical College, %s",
      "%s General Hospital", "ESI Hospital %s", "St. Mary's Hospital, %s", "%s Community Health Centre",
      "Sub-Divisional Hospital, %s", "%s Municipal Hospital"};

  final Place place;
  final List<Hospital> hospitals;
  private final Rng rng;
  private final double north;
  private final double urban;

  // weather state
  private double tempAnomaly;
  private double humidityAnomaly;
  private double aqiAnomaly;
  private boolean wetYesterday;
  private final double[] rain = new double[RAIN_DAYS];
  private double tmeanAverage = Double.NaN;
  private long day;

  // today's weather, rounded as written
  double tmax;
  double tmin;
  double humidity;
  double rainfall;
  long aqi;
  double tmaxYesterday = Double.NaN;

  // health state and today's counts, by Disease ordinal
  private final double[] latent = new double[Disease.values().length];
  private final double[] placeFactor = new double[Disease.values().length];
  final long[] cases = new long[Disease.values().length];
  final long[] deaths = new long[Disease.values().length];
  final long[] hospitalizations = new long[Disease.values().length];
  private final long[] admissions = new long[7];
  private final double[] rate = new double[Disease.values().length];
  /** Hospital admissions over the last 7 days, today included. */
  long admissions7d;
  /** What {@link #admissions7d} has been over the last two months or so. */
  private double usualAdmissions7d;

  LocationSim(Place place, long seed, int index) {
    this.place = place;
    this.rng = Rng.of(seed, "location", index);
    this.north = place.northness();
    this.urban = place.urbanity();
    for (int k = 0; k < placeFactor.length; k++) {
      placeFactor[k] = StrictMath.exp(0.3 * rng.gaussian());
      latent[k] = 0.2 * rng.gaussian();
    }
    this.hospitals = hospitals(place, Rng.of(seed, "hospitals", index));
  }

  /** Advances to the next day: weather first, then the diseases it drives. */
  void step(Season season) {
    weather(season);
    health();
    day++;
  }

  private void weather(Season s) {
    // rain: a wet/dry Markov chain whose odds and amounts follow the monsoon
    double share = place.northeastMonsoon() ? s.rainNorthEast : s.rainSouthWest;
    double dailyMean = place.annualRainMm() * share / 30.44;
    double pWet = clamp(0.03 + 2.8 * share, 0.03, 0.85);
    double p = wetYesterday ? Math.min(0.95, pWet + 0.15) : Math.max(0.01, pWet - 0.08);
    boolean wet = rng.chance(p);
    double rainToday = wet ? round1(Math.min(450, rng.exponential(dailyMean / pWet))) : 0;
    wetYesterday = wet;

    // temperature: climatology + a persistent anomaly; rain cools the day
    // wet eastern and north-eastern places are milder, above all before the monsoon
    double humid = clamp((place.annualRainMm() - 800) / 1500, 0, 1);
    double inland = place.coastal() ? 0
        : s.inlandHeat * Math.min(1, 0.3 + north) * (1 + 0.8 * place.aridity()) * (1 - humid);
    double lat = (1 - north) * s.tmaxSouth + north * s.tmaxNorth;
    double climatology = (place.coastal() ? 0.7 * s.tmaxCoast + 0.3 * lat : lat + inland - humid * (2 + 1.3 * s.inlandHeat))
        - 0.006 * place.elevationM();
    tempAnomaly = 0.85 * tempAnomaly + 1.0 * rng.gaussian();
    double max = climatology + tempAnomaly - Math.min(4, rainToday / 10);
    double range = (place.coastal() ? 7 : 11 + 4 * place.aridity() + 2 * north) * s.range;
    double min = climatology - range + 0.5 * tempAnomaly + 0.8 * rng.gaussian();
    tmaxYesterday = day == 0 ? Double.NaN : tmax;
    tmax = round1(clamp(max, -40, 52));
    tmin = round1(clamp(min, -45, tmax - 0.5));

    // humidity: wet season, coast, rain today; hot spells are drier
    double wetness = clamp(share / 0.2, 0, 1);
    humidityAnomaly = 0.7 * humidityAnomaly + 4 * rng.gaussian();
    double hum = 35 + 52 * wetness + (place.coastal() ? 12 : 0) - 15 * place.aridity() + (rainToday > 0 ? 8 : 0)
        - 0.8 * tempAnomaly + humidityAnomaly;
    humidity = round1(clamp(hum, 5, 100));

    // air quality index: city size, northern winter smog, washed out by rain
    aqiAnomaly = 0.8 * aqiAnomaly + 0.15 * rng.gaussian();
    double base = 35 + 50 * urban;
    double plains = Math.max(0, 1 - place.elevationM() / 1500.0);
    double smog = 260 * north * north * plains * s.smog * (0.5 + 0.5 * urban);
    double washout = 1 - Math.min(0.5, rainToday / 40);
    aqi = Math.round(clamp((base + smog) * StrictMath.exp(aqiAnomaly) * washout, 10, 500));

    rainfall = rainToday;
    rain[(int) (day % RAIN_DAYS)] = rainToday;
    double tmean = (tmax + tmin) / 2;
    tmeanAverage = Double.isNaN(tmeanAverage) ? tmean : tmeanAverage + (tmean - tmeanAverage) / 7;
  }

  /**
   * Today's counts per disease. Rates are per 100k people per day, times the population:
   * <ul>
   *   <li>dengue: mean rainfall 7-21 days earlier, warm weeks (best near 28 °C), cities;
   *   <li>malaria: mean rainfall 10-30 days earlier, warm weeks, endemic states, rural places;
   *   <li>heat illness: maximum temperature above 40 °C today and yesterday;
   *   <li>respiratory: the air quality index, cold weeks;
   *   <li>diarrhoeal and cholera: heavy rain (above 20 mm a day) 2-7 days earlier, warmth.
   * </ul>
   * A slowly varying outbreak level per disease makes counts over-dispersed and persistent.
   */
  private void health() {
    double rainDengue = meanRain(7, 21);
    double rainMalaria = meanRain(10, 30);
    double heavyRain = 0;
    for (int lag = 2; lag <= 7; lag++) {
      heavyRain += Math.max(0, rainAt(lag) - 20);
    }
    double hotYesterday = Double.isNaN(tmaxYesterday) ? 0 : Math.max(0, tmaxYesterday - 40);
    rate[Disease.DENGUE.ordinal()] = 0.03 * (1 + 0.5 * Math.min(rainDengue, 30)) * bump(tmeanAverage, 28, 5.5)
        * (0.6 + 0.8 * urban);
    rate[Disease.MALARIA.ordinal()] = 0.02 * place.malariaFactor() * (1 + 0.4 * Math.min(rainMalaria, 30))
        * bump(tmeanAverage, 27, 5) * (1.3 - 0.5 * urban);
    rate[Disease.HEAT_ILLNESS.ordinal()] = 0.002 + 0.35 * Math.max(0, tmax - 40) + 0.15 * hotYesterday;
    rate[Disease.RESPIRATORY.ordinal()] = 1.2 * (0.4 + aqi / 120.0) * (1 + 0.02 * Math.max(0, 20 - tmeanAverage));
    rate[Disease.DIARRHOEAL.ordinal()] = 0.8 * (1 + 0.03 * heavyRain) * (1 + 0.03 * Math.max(0, tmeanAverage - 22));
    rate[Disease.CHOLERA.ordinal()] = 0.0004 * (1 + 0.05 * heavyRain);

    double per100k = place.population() / 100_000.0;
    long admitted = 0;
    for (Disease disease : Disease.values()) {
      int k = disease.ordinal();
      latent[k] = 0.97 * latent[k] + 0.07 * rng.gaussian();
      double outbreak = disease == Disease.HEAT_ILLNESS ? 1 : StrictMath.exp(latent[k]);
      long n = rng.poisson(rate[k] * placeFactor[k] * outbreak * per100k);
      cases[k] = n;
      deaths[k] = rng.binomial(n, disease.fatality());
      hospitalizations[k] = rng.binomial(n, disease.hospitalisation());
      admitted += hospitalizations[k];
    }
    int slot = (int) (day % admissions.length);
    admissions7d += admitted - admissions[slot];
    admissions[slot] = admitted;
    usualAdmissions7d = day < admissions.length ? admissions7d
        : usualAdmissions7d + (admissions7d - usualAdmissions7d) / 60;
  }

  /** Mean daily rainfall from {@code fromLag} to {@code toLag} days ago (both included). */
  private double meanRain(int fromLag, int toLag) {
    double sum = 0;
    for (int lag = fromLag; lag <= toLag; lag++) {
      sum += rainAt(lag);
    }
    return sum / (toLag - fromLag + 1);
  }

  /** Rainfall {@code lag} days ago (0 before the simulation started). */
  private double rainAt(int lag) {
    return lag > day ? 0 : rain[(int) ((day - lag) % RAIN_DAYS)];
  }

  /** A hospital's capacity report for today, or null when it misses this one. */
  HospitalReport report(Hospital hospital) {
    if (rng.chance(0.03)) {
      return null;
    }
    if (rng.chance(0.01)) {
      hospital.totalBeds += rng.between(5, 30); // a ward opens
    }
    // busier when admissions run above their usual level (an outbreak, a heat wave)
    double surge = usualAdmissions7d > 0 ? admissions7d / usualAdmissions7d - 1 : 0;
    double occupancy = clamp(hospital.baseOccupancy + 0.3 * surge + 0.04 * rng.gaussian(), 0.1, 1.0);
    long occupied = Math.round(hospital.totalBeds * occupancy);
    return new HospitalReport(hospital.totalBeds, hospital.icuBeds, Math.min(hospital.totalBeds, occupied));
  }

  /** What a hospital reports: beds, ICU beds, occupied beds. */
  record HospitalReport(long totalBeds, long icuBeds, long occupiedBeds) {}

  /** A hospital of the location, reporting weekly on its own weekday. */
  static final class Hospital {
    final String id;
    final String name;
    /** 0 = Monday ... 6 = Sunday. */
    final int weekday;
    long totalBeds;
    final long icuBeds;
    final double baseOccupancy;

    Hospital(String id, String name, int weekday, long totalBeds, long icuBeds, double baseOccupancy) {
      this.id = id;
      this.name = name;
      this.weekday = weekday;
      this.totalBeds = totalBeds;
      this.icuBeds = icuBeds;
      this.baseOccupancy = baseOccupancy;
    }
  }

  /** 1-4 hospitals (more in big districts), 40-120 beds per 100k people between them. */
  private static List<Hospital> hospitals(Place place, Rng rng) {
    int count = 1 + (place.population() > 1_000_000 ? 1 : 0) + (place.population() > 4_000_000 ? 1 : 0)
        + (rng.chance(0.3) ? 1 : 0);
    count = Math.min(4, count);
    double beds = place.population() / 100_000.0 * rng.uniform(40, 120);
    double[] weights = new double[count];
    double sum = 0;
    for (int j = 0; j < count; j++) {
      weights[j] = j == 0 ? 1.5 : rng.uniform(0.5, 1.2);
      sum += weights[j];
    }
    int firstWeekday = rng.nextInt(7);
    int nameOffset = rng.nextInt(HOSPITAL_NAMES.length);
    List<Hospital> result = new ArrayList<>(count);
    for (int j = 0; j < count; j++) {
      long totalBeds = Math.max(30, Math.round(beds * weights[j] / sum));
      long icu = Math.max(2, Math.round(totalBeds * rng.uniform(0.05, 0.12)));
      String name = j == 0 ? "District Hospital, " + place.name()
          : String.format(Locale.ROOT, HOSPITAL_NAMES[(nameOffset + j) % HOSPITAL_NAMES.length], place.name());
      String id = String.format(Locale.ROOT, "H-%s-%02d", place.id(), j + 1);
      result.add(new Hospital(id, name, (firstWeekday + 2 * j) % 7, totalBeds, icu, rng.uniform(0.55, 0.8)));
    }
    return result;
  }

  /** exp(-((x - best) / width)^2): 1 at the best temperature, falling off either side. */
  private static double bump(double x, double best, double width) {
    double z = (x - best) / width;
    return StrictMath.exp(-z * z);
  }

  static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
