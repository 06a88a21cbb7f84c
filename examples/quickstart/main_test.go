package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQuickstart runs the whole program so that a broken example fails CI.
// The local WeChat server refuses logos it did not issue, so this also
// proves the logo went through UploadImage.
func TestQuickstart(t *testing.T) {
	for _, k := range []string{"ALIPAY_APP_ID", "WECHAT_APP_ID", "WALLETCARD_LIVE"} {
		t.Setenv(k, "")
	}
	require.NoError(t, run(context.Background()))
}

// Real credentials without WALLETCARD_LIVE=1 must not touch a wallet.
func TestQuickstartRefusesLiveWithoutConfirmation(t *testing.T) {
	t.Setenv("WALLETCARD_LIVE", "")
	t.Setenv("ALIPAY_APP_ID", "2021000000000001")
	require.Error(t, run(context.Background()), "ran against real credentials without WALLETCARD_LIVE=1")
}
