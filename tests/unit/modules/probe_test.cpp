// [probe]: how several samples combine into one result.
#include <gtest/gtest.h>

#include "modules/probe.h"

namespace kpp {
namespace {

TEST(ProbeAverage, AverageUsesAllThreeAxes) {
  Pos3 r = calc_probe_z_average({{1., 2., .1}, {3., 4., .3}}, "average");
  EXPECT_DOUBLE_EQ(r[0], 2.);
  EXPECT_DOUBLE_EQ(r[1], 3.);
  EXPECT_DOUBLE_EQ(r[2], .2);
}

TEST(ProbeAverage, MedianOddPicksMiddleSample) {
  Pos3 r = calc_probe_z_average({{0., 0., .5}, {1., 1., .1}, {2., 2., .3}}, "median");
  EXPECT_DOUBLE_EQ(r[0], 2.);
  EXPECT_DOUBLE_EQ(r[2], .3);
}

TEST(ProbeAverage, MedianEvenAveragesMiddleTwo) {
  Pos3 r = calc_probe_z_average({{0., 0., .4}, {0., 0., .1}, {0., 0., .2}, {0., 0., .9}},
                                "median");
  EXPECT_NEAR(r[2], .3, 1e-12);
}

}  // namespace
}  // namespace kpp
