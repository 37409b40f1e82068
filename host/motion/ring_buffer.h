// A growable FIFO ring of trivially copyable records (queued messages, step history). It only
// allocates when it grows past its largest size so far, so steady-state use never allocates.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace kpp::motion {

template <typename T>
class RingBuffer {
 public:
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Element i counted from the oldest (0) to the newest (size()-1).
  T& operator[](size_t i) { return buf_[(head_ + i) & mask_]; }
  const T& operator[](size_t i) const { return buf_[(head_ + i) & mask_]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[count_ - 1]; }
  const T& back() const { return (*this)[count_ - 1]; }

  // Append a default-initialised element at the newest end and return it for filling in.
  T& emplace_back() {
    if (count_ == buf_.size()) grow();
    T& slot = buf_[(head_ + count_) & mask_];
    slot = T{};
    count_++;
    return slot;
  }
  void push_back(const T& v) { emplace_back() = v; }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    count_--;
  }
  void pop_back() { count_--; }
  void clear() { head_ = count_ = 0; }

 private:
  void grow() {
    size_t cap = buf_.empty() ? 16 : buf_.size() * 2;
    std::vector<T> nb(cap);
    for (size_t i = 0; i < count_; i++) nb[i] = (*this)[i];
    buf_ = std::move(nb);
    head_ = 0;
    mask_ = cap - 1;
  }

  std::vector<T> buf_;
  size_t head_ = 0, count_ = 0, mask_ = 0;
};

}  // namespace kpp::motion
