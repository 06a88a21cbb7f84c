//go:build !race

package storetest

// raceDetector is true when the race detector instruments the build (it
// makes the pure-Go SQLite about ten times slower).
const raceDetector = false
