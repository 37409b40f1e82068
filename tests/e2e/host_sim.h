// The in-process host + simulated MCU fixture moved to sim/host_sim.h (library kpp_host_sim,
// shared with sim-print); the e2e tests keep their old names for it.
#pragma once

#include "sim/host_sim.h"

namespace kpp::e2e {
using sim::HostSim;
using sim::HostSimOptions;
}  // namespace kpp::e2e
