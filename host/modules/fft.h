// A small radix-2 FFT for the power spectral densities of resonance testing. Own code instead of
// a library: the sizes are powers of two only and this is the one place that needs an FFT, so
// ~80 lines beat a new system dependency (kissfft, BSD, would be the library of choice).
#pragma once

#include <complex>
#include <vector>

namespace kpp {

// In-place complex FFT (forward, no scaling); `a.size()` must be a power of two.
void fft_inplace(std::vector<std::complex<double>>& a);

// FFT of a real sequence (size a power of two, at least 2): the n/2 + 1 bins from 0 Hz up to
// the Nyquist frequency, as numpy.fft.rfft returns them.
std::vector<std::complex<double>> rfft(const std::vector<double>& x);

// The Kaiser window of `n` points and shape `beta` (numpy.kaiser).
std::vector<double> kaiser_window(int n, double beta);

}  // namespace kpp
