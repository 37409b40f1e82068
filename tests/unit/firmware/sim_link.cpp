// Test harness implementation (see sim_link.h).
#include "sim_link.h"

#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "protocol/crc16.h"
#include "protocol/msgblock.h"
#include "protocol/vlq.h"

namespace fwtest {

namespace proto = kpp::proto;

SimLink::SimLink(uint64_t start_clock) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) throw std::runtime_error("socketpair");
  host_fd_ = sv[0];
  mcu_fd_ = sv[1];
  fw::sim::set_pin_listener(nullptr);
  fw::sim::start(mcu_fd_, start_clock);
  // Fetch the dictionary: identify_response is id 0 and identify id 1 before we know anything.
  responses_[0] = Format{0, "identify_response", {{"offset", "%u"}, {"data", "%.*s"}}};
  commands_["identify"] = Format{1, "identify", {{"offset", "%u"}, {"count", "%c"}}};
  std::string zdata;
  for (;;) {
    send(std::vector<std::string>{"identify offset=" + std::to_string(zdata.size()) + " count=40"});
    bool got = false;
    for (const Msg& m : run_for(20)) {
      if (m.name != "identify_response" || static_cast<size_t>(m["offset"]) != zdata.size())
        continue;
      got = true;
      if (m.bufs.at("data").empty()) goto done;
      zdata += m.bufs.at("data");
    }
    if (!got) throw std::runtime_error("no identify_response");
  }
done:
  std::string json(1 << 20, '\0');
  uLongf len = json.size();
  if (uncompress(reinterpret_cast<Bytef*>(json.data()), &len,
                 reinterpret_cast<const Bytef*>(zdata.data()), zdata.size()) != Z_OK)
    throw std::runtime_error("bad identify data");
  json.resize(len);
  load_dictionary(json);
}

SimLink::~SimLink() {
  fw::sim::set_pin_listener(nullptr);
  close(host_fd_);
  close(mcu_fd_);
}

void SimLink::load_dictionary(const std::string& text) {
  dictionary_json = text;
  auto d = nlohmann::json::parse(text);
  auto parse_fmt = [](const std::string& fmt, int id) {
    Format f;
    f.id = id;
    std::istringstream ss(fmt);
    ss >> f.name;
    std::string p;
    while (ss >> p) {
      auto eq = p.find('=');
      f.params.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
    return f;
  };
  for (auto& [fmt, id] : d["commands"].items()) {
    Format f = parse_fmt(fmt, id.get<int>());
    commands_[f.name] = f;
  }
  for (auto& [fmt, id] : d["responses"].items())
    responses_[id.get<int>()] = parse_fmt(fmt, id.get<int>());
  for (auto& [ename, values] : d["enumerations"].items()) {
    auto& e = enums_[ename];
    for (auto& [key, v] : values.items()) {
      if (v.is_array()) {
        size_t digits = key.find_last_not_of("0123456789") + 1;
        std::string root = key.substr(0, digits);
        int first = std::stoi(key.substr(digits));
        for (int i = 0; i < v[1].get<int>(); i++)
          e[root + std::to_string(first + i)] = v[0].get<int64_t>() + i;
      } else {
        e[key] = v.get<int64_t>();
      }
    }
  }
  for (auto& [s, id] : enums_["static_string_id"]) static_strings_[static_cast<int>(id)] = s;
  for (auto& [k, v] : d["config"].items())
    if (v.is_number_integer()) iconst_[k] = v.get<int64_t>();
}

int64_t SimLink::enum_value(const std::string& enum_name, const std::string& key) const {
  for (auto& [ename, values] : enums_) {
    if (enum_name == ename || (enum_name.size() > ename.size() &&
                               enum_name.compare(enum_name.size() - ename.size() - 1,
                                                 std::string::npos, "_" + ename) == 0)) {
      auto it = values.find(key);
      if (it != values.end()) return it->second;
    }
  }
  throw std::runtime_error("unknown enumeration value " + enum_name + "=" + key);
}

std::vector<uint8_t> SimLink::encode(const std::string& line) const {
  std::istringstream ss(line);
  std::string name;
  ss >> name;
  auto it = commands_.find(name);
  if (it == commands_.end()) throw std::runtime_error("unknown command " + name);
  std::map<std::string, std::string> args;
  std::string tok;
  while (ss >> tok) {
    auto eq = tok.find('=');
    args[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  std::vector<uint8_t> out;
  uint8_t tmp[proto::kVlqMaxBytes];
  auto put = [&](int64_t v) {
    size_t n = proto::vlq_encode(tmp, static_cast<int32_t>(v));
    out.insert(out.end(), tmp, tmp + n);
  };
  put(it->second.id);
  for (auto& [pname, ptype] : it->second.params) {
    auto a = args.find(pname);
    if (a == args.end()) throw std::runtime_error("missing parameter " + pname + " of " + name);
    if (ptype == "%*s") {
      // Hex string, as Klipper's console writes buffers.
      const std::string& hex = a->second;
      out.push_back(static_cast<uint8_t>(hex.size() / 2));
      for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      continue;
    }
    const std::string& v = a->second;
    bool numeric = !v.empty() && (isdigit(static_cast<unsigned char>(v[0])) || v[0] == '-');
    put(numeric ? std::stoll(v, nullptr, 0) : enum_value(pname, v));
  }
  return out;
}

std::vector<uint8_t> SimLink::frame(uint8_t seq, const std::vector<uint8_t>& payload) const {
  std::vector<uint8_t> blk(payload.size() + proto::kMessageMin);
  proto::block_encode(blk.data(), seq, payload.data(), payload.size());
  return blk;
}

void SimLink::send_raw(const std::vector<uint8_t>& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = write(host_fd_, bytes.data() + off, bytes.size() - off);
    if (n <= 0) throw std::runtime_error("write to MCU failed");
    off += static_cast<size_t>(n);
  }
}

void SimLink::send(const std::vector<std::string>& lines) {
  std::vector<uint8_t> payload;
  auto flush = [&] {
    if (payload.empty()) return;
    send_raw(frame(seq_, payload));
    seq_ = (seq_ + 1) & proto::kMessageSeqMask;
    payload.clear();
  };
  for (const auto& line : lines) {
    std::vector<uint8_t> enc = encode(line);
    if (payload.size() + enc.size() > proto::kMessagePayloadMax) flush();
    payload.insert(payload.end(), enc.begin(), enc.end());
  }
  flush();
}

std::vector<Msg> SimLink::read_all() {
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = recv(host_fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;
    rx_.insert(rx_.end(), buf, buf + n);
  }
  std::vector<Msg> out;
  size_t pos = 0;
  while (pos < rx_.size()) {
    proto::BlockCheck c = proto::block_check(rx_.data() + pos, rx_.size() - pos);
    if (c.status == proto::BlockStatus::kNeedMore) break;
    if (c.status == proto::BlockStatus::kOk) {
      const uint8_t* b = rx_.data() + pos;
      if (c.length == proto::kMessageMin) {
        // An ack moves the MCU's expected sequence on; a nak repeats it.
        if (proto::block_seq(b) == last_ack_seq_)
          naks_++;
        else
          acks_++;
        last_ack_seq_ = proto::block_seq(b);
      } else {
        parse_block(b + proto::kMessageHeaderSize, c.length - proto::kMessageMin, &out);
      }
    }
    pos += c.length;
  }
  rx_.erase(rx_.begin(), rx_.begin() + static_cast<ptrdiff_t>(pos));
  return out;
}

void SimLink::parse_block(const uint8_t* p, size_t len, std::vector<Msg>* out) {
  const uint8_t* end = p + len;
  while (p < end) {
    uint32_t id;
    if (!proto::vlq_decode(&p, end, &id)) throw std::runtime_error("bad message id");
    auto it = responses_.find(static_cast<int32_t>(id));
    if (it == responses_.end()) {
      if (dictionary_json.empty()) return;  // "starting", before identify
      throw std::runtime_error("unknown response id");
    }
    Msg m;
    m.name = it->second.name;
    m.clock = now();
    for (auto& [pname, ptype] : it->second.params) {
      if (ptype.back() == 's') {
        uint8_t n = *p++;
        m.bufs[pname] = std::string(reinterpret_cast<const char*>(p), n);
        p += n;
        continue;
      }
      uint32_t v;
      if (!proto::vlq_decode(&p, end, &v)) throw std::runtime_error("bad parameter");
      int64_t val = v;
      if (ptype == "%i") val = static_cast<int32_t>(v);
      if (ptype == "%hi") val = static_cast<int16_t>(v);
      if (ptype == "%hu") val = static_cast<uint16_t>(v);
      if (ptype == "%c") val = static_cast<uint8_t>(v);
      m.ints[pname] = val;
    }
    out->push_back(std::move(m));
  }
}

std::vector<Msg> SimLink::run_until(uint64_t clock) {
  fw::sim::run_until(clock);
  return read_all();
}

Msg SimLink::query(const std::string& line, const std::string& resp) {
  send(std::vector<std::string>{line});
  for (Msg& m : run_for(100)) {
    if (m.name == resp) return m;
  }
  throw std::runtime_error("no " + resp + " for " + line);
}

}  // namespace fwtest
