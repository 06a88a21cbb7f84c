package main

import "testing"

// TestRunLocal runs the self-contained flow: authorize → callback → token →
// card.open against alipaytest.
func TestRunLocal(t *testing.T) {
	if err := runLocal(); err != nil {
		t.Fatal(err)
	}
}
