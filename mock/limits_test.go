package mock_test

import (
	"testing"

	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/wechat"
)

// The WeChat flavour must refuse what the WeChat adapter refuses.
func TestWeChatLimitsMatchAdapter(t *testing.T) {
	if mock.WeChatMaxNoteRunes != wechat.MaxRecordRunes || mock.WeChatMaxLevelBytes != wechat.MaxCustomFieldValueBytes || mock.WeChatMaxExternalNoBytes != wechat.MaxCodeLen {
		t.Fatal("mock's WeChat limits drifted from package wechat")
	}
}
