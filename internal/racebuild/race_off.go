//go:build !race

// Package racebuild tells tests whether the race detector is on, so that
// a timing goal (a latency percentile, a throughput) is held exactly in a
// normal build and only loosely under -race, which slows everything down.
package racebuild

// Enabled reports whether the binary was built with the race detector,
// which slows code 5–10 times: timing goals are checked without it.
const Enabled = false
