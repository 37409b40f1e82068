// Shared helpers of the filter implementations (filters.cpp, filters_seq.cpp).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "template/interpreter.h"

namespace kpp::tmpl::filters {

// A filter's parameters (after the filtered value) bound by position or keyword, with Python's
// TypeErrors for surplus or unknown arguments.
class Params {
 public:
  // `required` of the `names` must be given (Python's "missing argument" otherwise).
  Params(std::string_view fn, const CallArgs& args, std::initializer_list<std::string_view> names,
         size_t required = 0);
  // The argument for parameter `i`, or null when not given.
  [[nodiscard]] const Value* at(size_t i) const { return i < bound_.size() ? bound_[i] : nullptr; }
  [[nodiscard]] Value get(size_t i, Value fallback) const {
    const Value* v = at(i);
    return v ? *v : std::move(fallback);
  }
  [[nodiscard]] bool flag(size_t i, bool fallback) const {
    const Value* v = at(i);
    return v ? v->truthy() : fallback;
  }
  [[nodiscard]] int64_t integer(size_t i, int64_t fallback) const;

 private:
  std::string fn_;
  std::vector<const Value*> bound_;
};

// Jinja2's make_attrgetter: "a.b.0" looked up part by part with environment.getitem.
Value get_attribute_path(Interpreter& in, const Value& item, const Value& path);
// Lower-cases strings (Jinja2's ignore_case).
Value ignore_case(const Value& v);

using Entry = std::pair<const char*, FilterFn>;
// The sequence filters (filters_seq.cpp).
const std::vector<Entry>& sequence_filters();

}  // namespace kpp::tmpl::filters
