// [heater_generic] sections.
#include "modules/heater_generic.h"

namespace kpp {
namespace {
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterHeaterGeneric>(config);
}
}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(heater_generic, nullptr, kpp::load_prefix)
