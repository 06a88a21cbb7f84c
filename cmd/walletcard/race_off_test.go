//go:build !race

package main

// raceEnabled: the tests run under the race detector (slower: they scale down).
const raceEnabled = false
