package org.climatehealth.pipeline.generate;

import java.time.LocalDate;

/**
 * The seasonal shapes of the Indian climate, one value per calendar month, interpolated smoothly
 * between mid-months for one date. Computed once per day and shared by every location.
 */
final class Season {
  // Mean daily maximum temperature (°C): southern peninsula, northern plains, west coast.
  private static final double[] TMAX_SOUTH = {31, 33, 35, 37, 37, 34, 31, 31, 31, 31, 30, 30};
  private static final double[] TMAX_NORTH = {21, 24, 30, 37, 40, 39, 35, 34, 34, 33, 28, 23};
  private static final double[] TMAX_COAST = {30, 31, 32, 33, 34, 32, 30, 30, 31, 33, 33, 31};
  /** Extra pre-monsoon heat away from the sea (°C at full strength). */
  private static final double[] INLAND_HEAT = {0, 0, 1, 2.5, 3, 1.5, 0, 0, 0, 0, 0, 0};
  /** Share of the year's rain per month: south-west monsoon (June-September), north-east monsoon. */
  private static final double[] RAIN_SW = {.01, .01, .02, .03, .05, .16, .26, .23, .14, .06, .02, .01};
  private static final double[] RAIN_NE = {.04, .01, .01, .02, .04, .05, .07, .09, .11, .20, .25, .11};
  /** Daily temperature range relative to the dry season (cloudy monsoon days vary less). */
  private static final double[] RANGE = {1, 1, 1, 1, .9, .7, .55, .55, .6, .8, .95, 1};
  /** Winter inversion and crop burning: how much worse the air gets in the north. */
  private static final double[] SMOG = {1, .8, .5, .3, .25, .1, 0, 0, .05, .4, .9, 1};

  final double tmaxSouth;
  final double tmaxNorth;
  final double tmaxCoast;
  final double inlandHeat;
  final double rainSouthWest;
  final double rainNorthEast;
  final double range;
  final double smog;

  Season(LocalDate date) {
    // months from mid-January: 0 on 16 January, 1 on mid-February...
    double position = date.getMonthValue() - 1 + (date.getDayOfMonth() - 0.5) / date.lengthOfMonth() - 0.5;
    int i0 = (int) Math.floor(position);
    double w = position - i0;
    int a = Math.floorMod(i0, 12);
    int b = Math.floorMod(i0 + 1, 12);
    tmaxSouth = lerp(TMAX_SOUTH, a, b, w);
    tmaxNorth = lerp(TMAX_NORTH, a, b, w);
    tmaxCoast = lerp(TMAX_COAST, a, b, w);
    inlandHeat = lerp(INLAND_HEAT, a, b, w);
    rainSouthWest = lerp(RAIN_SW, a, b, w);
    rainNorthEast = lerp(RAIN_NE, a, b, w);
    range = lerp(RANGE, a, b, w);
    smog = lerp(SMOG, a, b, w);
  }

  private static double lerp(double[] values, int a, int b, double w) {
    return values[a] * (1 - w) + values[b] * w;
  }
}
