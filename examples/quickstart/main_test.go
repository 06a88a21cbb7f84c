package main

import (
	"context"
	"testing"
)

// TestQuickstart runs the whole program so that a broken example fails CI.
func TestQuickstart(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
