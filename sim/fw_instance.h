// One simulated MCU's firmware in this process: the copy linked into the program, or a copy of
// the firmware module (kpp_fw_sim.so) loaded from a file of its own, so that it has its own
// globals (sim_mcu.h). HostSim runs one per simulated MCU.
#pragma once

#include <memory>
#include <string>

#include "boards/sim/sim_mcu.h"

namespace kpp::sim {

class FirmwareInstance {
 public:
  // The firmware linked into the program (the fw::sim functions).
  static std::unique_ptr<FirmwareInstance> linked();
  // A fresh copy of the module, copied into `dir` first (dlopen of the same file twice would
  // share one copy). The module is $KPP_FW_SIM_MODULE, or the one of this build. Throws
  // std::runtime_error naming the file when it cannot be loaded.
  static std::unique_ptr<FirmwareInstance> load_copy(const std::string& dir, const std::string& tag);
  ~FirmwareInstance();
  FirmwareInstance(const FirmwareInstance&) = delete;
  FirmwareInstance& operator=(const FirmwareInstance&) = delete;

  const fw::sim::Api& api() const { return *api_; }

 private:
  FirmwareInstance() = default;
  const fw::sim::Api* api_ = nullptr;
  void* handle_ = nullptr;
  std::string copy_path_;
};

}  // namespace kpp::sim
