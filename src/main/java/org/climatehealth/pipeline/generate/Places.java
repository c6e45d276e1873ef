package org.climatehealth.pipeline.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The generated locations: real Indian districts first (approximate census populations and
 * coordinates), ordered so that a handful already mixes hot-dry, coastal-monsoon and polluted
 * northern places; beyond them, synthetic districts with unique ids ({@code KA-D0061}) placed
 * near a real one of the same state.
 */
final class Places {

  /** How endemic malaria is, by state (forest and north-eastern states high; 1 = typical). */
  private static final Map<String, Double> MALARIA_BY_STATE = Map.ofEntries(
      Map.entry("OD", 3.0), Map.entry("CG", 3.0), Map.entry("JH", 2.5), Map.entry("ML", 2.5),
      Map.entry("AS", 2.0), Map.entry("MN", 2.0), Map.entry("MP", 1.5), Map.entry("GJ", 1.2),
      Map.entry("WB", 1.2), Map.entry("RJ", 1.0), Map.entry("MH", 0.8), Map.entry("UP", 0.8),
      Map.entry("BR", 0.8), Map.entry("TG", 0.8), Map.entry("AP", 0.9), Map.entry("KA", 0.7),
      Map.entry("TN", 0.6), Map.entry("DL", 0.5), Map.entry("PB", 0.5), Map.entry("HR", 0.6),
      Map.entry("UK", 0.5), Map.entry("KL", 0.4), Map.entry("GA", 0.6), Map.entry("HP", 0.3),
      Map.entry("JK", 0.3));

  private static final List<Place> BUILT_IN = List.of(
      p("KA-BLR", "Bengaluru", "Bengaluru Urban", 12.97, 77.59, 9_621_551, 920, false, 0.0, 970, false),
      p("RJ-JPR", "Jaipur", "Jaipur", 26.91, 75.79, 6_626_178, 430, false, 0.6, 600, false),
      p("MH-MUM", "Mumbai", "Mumbai Suburban", 19.08, 72.88, 9_356_962, 14, true, 0.0, 2400, false),
      p("DL-SOU", "South Delhi", "South Delhi", 28.53, 77.22, 2_731_929, 215, false, 0.2, 750, false),
      p("TN-CHN", "Chennai", "Chennai", 13.08, 80.27, 4_646_732, 6, true, 0.0, 1400, true),
      p("UP-LKO", "Lucknow", "Lucknow", 26.85, 80.95, 4_589_838, 123, false, 0.1, 1000, false),
      p("OD-KHU", "Bhubaneswar", "Khordha", 20.30, 85.82, 2_251_673, 45, false, 0.0, 1500, false),
      p("KL-EKM", "Kochi", "Ernakulam", 9.98, 76.30, 3_282_388, 5, true, 0.0, 3000, false),
      p("WB-KOL", "Kolkata", "Kolkata", 22.57, 88.36, 4_496_694, 9, false, 0.0, 1600, false),
      p("TG-HYD", "Hyderabad", "Hyderabad", 17.39, 78.49, 3_943_323, 540, false, 0.1, 800, false),
      p("GJ-AMD", "Ahmedabad", "Ahmedabad", 23.02, 72.57, 7_214_225, 53, false, 0.5, 780, false),
      p("MH-PUN", "Pune", "Pune", 18.52, 73.86, 9_429_408, 560, false, 0.1, 720, false),
      p("BR-PAT", "Patna", "Patna", 25.59, 85.14, 5_838_465, 53, false, 0.1, 1100, false),
      p("MP-BPL", "Bhopal", "Bhopal", 23.26, 77.41, 2_371_061, 500, false, 0.2, 1150, false),
      p("AS-KAM", "Guwahati", "Kamrup Metropolitan", 26.14, 91.74, 1_253_938, 55, false, 0.0, 1700, false),
      p("RJ-JSM", "Jaisalmer", "Jaisalmer", 26.92, 70.91, 669_919, 225, false, 1.0, 210, false),
      p("PB-LDH", "Ludhiana", "Ludhiana", 30.90, 75.85, 3_498_739, 244, false, 0.3, 700, false),
      p("CG-RPR", "Raipur", "Raipur", 21.25, 81.63, 4_063_872, 298, false, 0.1, 1300, false),
      p("TN-MDU", "Madurai", "Madurai", 9.93, 78.12, 3_038_252, 134, false, 0.2, 850, true),
      p("UP-VNS", "Varanasi", "Varanasi", 25.32, 82.97, 3_676_841, 80, false, 0.1, 1050, false),
      p("MH-NGP", "Nagpur", "Nagpur", 21.15, 79.09, 4_653_570, 310, false, 0.2, 1100, false),
      p("KL-TVM", "Thiruvananthapuram", "Thiruvananthapuram", 8.52, 76.94, 3_301_427, 10, true, 0.0, 1800, false),
      p("GJ-SRT", "Surat", "Surat", 21.17, 72.83, 6_081_322, 13, true, 0.1, 1200, false),
      p("JH-RNC", "Ranchi", "Ranchi", 23.34, 85.31, 2_914_253, 650, false, 0.0, 1400, false),
      p("AP-VSK", "Visakhapatnam", "Visakhapatnam", 17.69, 83.22, 4_290_589, 45, true, 0.0, 1100, false),
      p("UP-AGR", "Agra", "Agra", 27.18, 78.01, 4_418_797, 170, false, 0.3, 700, false),
      p("WB-N24", "Barasat", "North 24 Parganas", 22.72, 88.48, 10_009_781, 10, false, 0.0, 1600, false),
      p("KA-MYS", "Mysuru", "Mysuru", 12.30, 76.64, 3_001_127, 770, false, 0.0, 800, false),
      p("RJ-BKN", "Bikaner", "Bikaner", 28.02, 73.31, 2_363_937, 242, false, 0.9, 300, false),
      p("TN-CBE", "Coimbatore", "Coimbatore", 11.02, 76.96, 3_458_045, 410, false, 0.1, 700, false),
      p("MP-IND", "Indore", "Indore", 22.72, 75.86, 3_276_697, 550, false, 0.2, 950, false),
      p("UP-KNP", "Kanpur", "Kanpur Nagar", 26.45, 80.33, 4_581_268, 126, false, 0.2, 850, false),
      p("GJ-KUT", "Bhuj", "Kachchh", 23.25, 69.67, 2_092_371, 110, false, 0.9, 380, false),
      p("KA-BGM", "Belagavi", "Belagavi", 15.85, 74.50, 4_779_661, 750, false, 0.1, 1400, false),
      p("AP-KRI", "Vijayawada", "Krishna", 16.51, 80.65, 4_517_398, 25, false, 0.1, 1000, false),
      p("OD-CTC", "Cuttack", "Cuttack", 20.46, 85.88, 2_624_470, 36, false, 0.0, 1500, false),
      p("KL-KKD", "Kozhikode", "Kozhikode", 11.26, 75.78, 3_086_293, 10, true, 0.0, 3200, false),
      p("MP-GWL", "Gwalior", "Gwalior", 26.22, 78.18, 2_032_036, 210, false, 0.4, 800, false),
      p("BR-GAY", "Gaya", "Gaya", 24.79, 85.00, 4_391_418, 110, false, 0.2, 1050, false),
      p("TG-WGL", "Warangal", "Warangal", 17.97, 79.60, 1_135_707, 300, false, 0.2, 950, false),
      p("MH-AUR", "Aurangabad", "Aurangabad", 19.88, 75.34, 3_701_282, 570, false, 0.4, 700, false),
      p("PB-ASR", "Amritsar", "Amritsar", 31.63, 74.87, 2_490_656, 234, false, 0.3, 650, false),
      p("HR-GGN", "Gurugram", "Gurugram", 28.46, 77.03, 1_514_432, 217, false, 0.4, 600, false),
      p("UP-PRY", "Prayagraj", "Prayagraj", 25.44, 81.85, 5_954_391, 98, false, 0.2, 1000, false),
      p("RJ-JDH", "Jodhpur", "Jodhpur", 26.24, 73.02, 3_687_165, 231, false, 0.8, 370, false),
      p("UK-DDN", "Dehradun", "Dehradun", 30.32, 78.03, 1_696_694, 640, false, 0.0, 2000, false),
      p("AS-DIB", "Dibrugarh", "Dibrugarh", 27.47, 94.91, 1_326_335, 108, false, 0.0, 2800, false),
      p("HP-SML", "Shimla", "Shimla", 31.10, 77.17, 814_010, 2200, false, 0.0, 1500, false),
      p("WB-DAR", "Darjeeling", "Darjeeling", 27.04, 88.26, 1_846_823, 2000, false, 0.0, 3000, false),
      p("GA-NGO", "Panaji", "North Goa", 15.50, 73.83, 818_008, 7, true, 0.0, 3000, false),
      p("JK-SGR", "Srinagar", "Srinagar", 34.08, 74.80, 1_236_829, 1585, false, 0.2, 700, false),
      p("MN-IMW", "Imphal", "Imphal West", 24.81, 93.94, 517_992, 786, false, 0.0, 1400, false),
      p("ML-EKH", "Shillong", "East Khasi Hills", 25.57, 91.88, 825_922, 1500, false, 0.0, 2400, false),
      p("JH-DHN", "Dhanbad", "Dhanbad", 23.80, 86.43, 2_684_487, 230, false, 0.0, 1300, false),
      p("CG-BST", "Jagdalpur", "Bastar", 19.07, 82.03, 1_413_199, 550, false, 0.0, 1450, false));

  private static final String[] NAME_STARTS = {"Ram", "Sita", "Kishan", "Chandra", "Hari", "Shiv", "Raj", "Bhim",
      "Dev", "Madhu", "Sundar", "Gopal", "Bela", "Nanda", "Kali", "Durga", "Vijay", "Anant", "Lakshmi", "Surya",
      "Indra", "Kamal", "Moti", "Sona", "Bhawani"};
  private static final String[] NAME_ENDS = {"pur", "nagar", "garh", "abad", "ganj", "pet", "wadi", "kot",
      "halli", "palli", "gaon", "khed"};

  private Places() {}

  /** How many real districts come before synthetic ones. */
  static int builtInCount() {
    return BUILT_IN.size();
  }

  /** The first {@code count} locations of a run with this seed (the same prefix for any count). */
  static List<Place> first(int count, long seed) {
    List<Place> places = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      places.add(i < BUILT_IN.size() ? BUILT_IN.get(i) : synthetic(i, seed));
    }
    return places;
  }

  /** A synthetic district near a real one of the same state, with an id no real one has. */
  private static Place synthetic(int index, long seed) {
    Rng rng = Rng.of(seed, "place", index);
    Place near = BUILT_IN.get(index % BUILT_IN.size());
    String id = String.format(Locale.ROOT, "%s-D%04d", near.stateCode(), index + 1);
    String name = NAME_STARTS[rng.nextInt(NAME_STARTS.length)] + NAME_ENDS[rng.nextInt(NAME_ENDS.length)];
    double latitude = clamp(near.latitude() + rng.uniform(-1.5, 1.5), 8.1, 34.9);
    double longitude = clamp(near.longitude() + rng.uniform(-1.5, 1.5), 68.2, 96.9);
    // between 200k and 12M on a log scale, most districts near a million
    long population = Math.round(200_000 * StrictMath.pow(60, Math.min(1, 0.1 + Math.abs(rng.gaussian()) * 0.35)));
    int elevation = (int) Math.max(0, Math.round(near.elevationM() * rng.uniform(0.5, 1.3) + rng.uniform(0, 150)));
    boolean coastal = near.coastal() && rng.chance(0.5);
    double aridity = clamp(near.aridity() + rng.uniform(-0.15, 0.15), 0, 1);
    double rain = near.annualRainMm() * rng.uniform(0.7, 1.3);
    return new Place(id, name, near.stateCode(), name, round4(latitude), round4(longitude), population, elevation,
        coastal, aridity, rain, near.northeastMonsoon(), near.malariaFactor() * rng.uniform(0.7, 1.4));
  }

  private static Place p(String id, String name, String district, double lat, double lon, long population,
      int elevation, boolean coastal, double aridity, double rain, boolean northeast) {
    String state = id.substring(0, id.indexOf('-'));
    return new Place(id, name, state, district, lat, lon, population, elevation, coastal, aridity, rain, northeast,
        MALARIA_BY_STATE.getOrDefault(state, 1.0));
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static double round4(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
