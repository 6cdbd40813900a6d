package flowsummary

import (
	"math"
	"slices"
)

// Quantile returns the q-th quantile (0 ≤ q ≤ 1) of values with linear
// interpolation between the closest ranks, the way pandas' Series.quantile
// (numpy's "linear" method) computes it, including numpy's interpolation
// formula so that results agree to the last bit. It returns NaN for no values
// or a q outside [0, 1].
func Quantile(values []float64, q float64) float64 {
	n := len(values)
	if n == 0 || q < 0 || q > 1 || math.IsNaN(q) {
		return math.NaN()
	}
	s := slices.Clone(values)
	slices.Sort(s)
	// numpy's "linear" method: virtual index (n-1)*q.
	vi := float64(n-1) * q
	lo := math.Floor(vi)
	if lo < 0 {
		lo = 0
	}
	if lo > float64(n-1) {
		lo = float64(n - 1)
	}
	hi := lo + 1
	if hi > float64(n-1) {
		hi = float64(n - 1)
	}
	t := vi - lo
	a, b := s[int(lo)], s[int(hi)]
	return lerp(a, b, t)
}

// lerp is numpy's _lerp: a + (b-a)*t, computed from b's side for t ≥ 0.5.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}
