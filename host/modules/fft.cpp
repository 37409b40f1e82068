// Radix-2 FFT (see fft.h).
#include "modules/fft.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace kpp {

void fft_inplace(std::vector<std::complex<double>>& a) {
  size_t n = a.size();
  if (n & (n - 1)) throw std::invalid_argument("fft: size must be a power of two");
  // Bit-reversal permutation, then iterative butterflies.
  for (size_t i = 1, j = 0; i < n; i++) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double ang = -2. * std::numbers::pi / static_cast<double>(len);
    std::complex<double> wlen(std::cos(ang), std::sin(ang));
    size_t half = len / 2;
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.);
      for (size_t k = 0; k < half; k++) {
        // Recompute the twiddle every 64 steps to bound the drift of the running product.
        if ((k & 63) == 0 && k)
          w = std::polar(1., ang * static_cast<double>(k));
        std::complex<double> u = a[i + k], v = a[i + k + half] * w;
        a[i + k] = u + v;
        a[i + k + half] = u - v;
        w *= wlen;
      }
    }
  }
}

std::vector<std::complex<double>> rfft(const std::vector<double>& x) {
  size_t n = x.size();
  if (n < 2 || (n & (n - 1))) throw std::invalid_argument("rfft: size must be a power of two");
  // Pack even samples as real and odd samples as imaginary parts: one complex FFT of n/2
  // points, then split the two interleaved spectra apart.
  size_t h = n / 2;
  std::vector<std::complex<double>> z(h);
  for (size_t i = 0; i < h; i++) z[i] = {x[2 * i], x[2 * i + 1]};
  fft_inplace(z);
  std::vector<std::complex<double>> out(h + 1);
  for (size_t k = 0; k <= h; k++) {
    std::complex<double> zk = z[k % h], zc = std::conj(z[(h - k) % h]);
    std::complex<double> even = (zk + zc) * 0.5;
    std::complex<double> odd = (zk - zc) * std::complex<double>(0., -0.5);
    double ang = -2. * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
    out[k] = even + std::polar(1., ang) * odd;
  }
  return out;
}

std::vector<double> kaiser_window(int n, double beta) {
  std::vector<double> w(static_cast<size_t>(std::max(n, 0)));
  if (n == 1) {
    w[0] = 1.;
    return w;
  }
  double denom = std::cyl_bessel_i(0., beta);
  for (int i = 0; i < n; i++) {
    double r = 2. * i / (n - 1) - 1.;
    w[static_cast<size_t>(i)] = std::cyl_bessel_i(0., beta * std::sqrt(std::max(0., 1. - r * r))) / denom;
  }
  return w;
}

}  // namespace kpp
