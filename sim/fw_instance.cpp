// Loading copies of the sim firmware module (see fw_instance.h).
#include "sim/fw_instance.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace kpp::sim {

std::unique_ptr<FirmwareInstance> FirmwareInstance::linked() {
  std::unique_ptr<FirmwareInstance> f(new FirmwareInstance());
  f->api_ = kpp_fw_sim_api();
  return f;
}

std::unique_ptr<FirmwareInstance> FirmwareInstance::load_copy(const std::string& dir,
                                                              const std::string& tag) {
  const char* env = std::getenv("KPP_FW_SIM_MODULE");
#ifdef KPP_FW_SIM_MODULE
  std::string src = env && *env ? env : KPP_FW_SIM_MODULE;
#else
  std::string src = env ? env : "";
#endif
  if (src.empty()) throw std::runtime_error("host_sim: no sim firmware module (KPP_FW_SIM_MODULE)");
  std::unique_ptr<FirmwareInstance> f(new FirmwareInstance());
  f->copy_path_ = fmt::format("{}/fw_sim_{}.so", dir, tag);
  std::error_code ec;
  std::filesystem::copy_file(src, f->copy_path_, std::filesystem::copy_options::overwrite_existing,
                             ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("host_sim: cannot copy the sim firmware module {}: {}", src, ec.message()));
  // RTLD_LOCAL: the copy's names stay out of the program's namespace (and other copies').
  f->handle_ = dlopen(f->copy_path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!f->handle_)
    throw std::runtime_error(fmt::format("host_sim: cannot load {}: {}", src, dlerror()));
  using ApiFn = const fw::sim::Api* (*)();
  auto fn = reinterpret_cast<ApiFn>(dlsym(f->handle_, "kpp_fw_sim_api"));
  if (!fn) throw std::runtime_error(fmt::format("host_sim: {} has no kpp_fw_sim_api", src));
  f->api_ = fn();
  return f;
}

FirmwareInstance::~FirmwareInstance() {
  if (handle_) {
    api_->set_pin_listener(nullptr);
    dlclose(handle_);
  }
  if (!copy_path_.empty()) ::unlink(copy_path_.c_str());
}

}  // namespace kpp::sim
