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

// TestStartCluster: a one-node cluster owns every slot and refuses a
// command whose keys hash to different slots.
func TestStartCluster(t *testing.T) {
	s := StartCluster(t)
	info, err := Command(s.Addr(), "CLUSTER", "INFO")
	require.NoError(t, err)
	require.Contains(t, info, "cluster_state:ok")
	_, err = Command(s.Addr(), "MSET", "a", "1", "b", "2")
	require.ErrorContains(t, err, "CROSSSLOT")
	_, err = Command(s.Addr(), "MSET", "{t}a", "1", "{t}b", "2")
	require.NoError(t, err)
}
