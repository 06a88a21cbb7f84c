package redistest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStartStopRestart: the server answers PING after Start, refuses
// connections after Stop, and answers again on the same port after Restart.
func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	require.NoError(t, ping(s.Addr()))
	port := s.Port()
	s.Stop()
	require.False(t, s.Running())
	require.Error(t, ping(s.Addr()), "a stopped server still answers")
	s.Stop() // idempotent
	s.Restart()
	require.True(t, s.Running())
	require.Equal(t, port, s.Port())
	require.NoError(t, ping(s.Addr()))
}
