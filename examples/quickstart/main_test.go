package main

import (
	"context"
	"testing"
)

// TestQuickstart runs the whole program so that a broken example fails CI.
func TestQuickstart(t *testing.T) {
	for _, k := range []string{"ALIPAY_APP_ID", "WECHAT_APP_ID", "WALLETCARD_LIVE"} {
		t.Setenv(k, "")
	}
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Real credentials without WALLETCARD_LIVE=1 must not touch a wallet.
func TestQuickstartRefusesLiveWithoutConfirmation(t *testing.T) {
	t.Setenv("WALLETCARD_LIVE", "")
	t.Setenv("ALIPAY_APP_ID", "2021000000000001")
	if err := run(context.Background()); err == nil {
		t.Fatal("ran against real credentials without WALLETCARD_LIVE=1")
	}
}
