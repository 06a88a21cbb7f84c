//go:build !linux

package redistest

import "os/exec"

// setParentDeathSignal does nothing outside Linux: the test's cleanup stops the server.
func setParentDeathSignal(*exec.Cmd) {}
