package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunLocal runs the self-contained flow: authorize → callback → token →
// card.open against alipaytest.
func TestRunLocal(t *testing.T) {
	require.NoError(t, runLocal())
}
