// The value type of status objects, API messages and macro variables.
#pragma once

#include <nlohmann/json.hpp>

namespace kpp {
using Json = nlohmann::json;
}  // namespace kpp
