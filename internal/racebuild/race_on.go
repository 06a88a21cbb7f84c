//go:build race

package racebuild

// Enabled reports whether the binary was built with the race detector,
// which slows code 5–10 times: timing goals are checked without it.
const Enabled = true
