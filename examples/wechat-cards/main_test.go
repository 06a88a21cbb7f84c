package main

import (
	"context"
	"testing"
)

// TestWeChatCards runs the whole example against the local server.
func TestWeChatCards(t *testing.T) {
	t.Setenv("WECHAT_APP_ID", "")
	t.Setenv("WECHAT_APP_SECRET", "")
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
