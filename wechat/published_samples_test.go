package wechat

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPublishedSamplesValidate: WeChat's own published request samples
// pass validation. The member-card sample of 创建会员卡接口 sets
// custom_url_sub_title to "6个汉字tips" (8 characters, 14 bytes) under a
// "6 汉字" limit: fields typed string(3n) are counted as 3n bytes, not as n
// characters (testdata/published/membercard_create.json).
func TestPublishedSamplesValidate(t *testing.T) {
	raw, err := os.ReadFile("testdata/published/membercard_create.json")
	require.NoError(t, err)
	var req CreateCardRequest
	require.NoError(t, json.Unmarshal(raw, &req))
	require.NotNil(t, req.Card.MemberCard)
	assert.Equal(t, "6个汉字tips", req.Card.MemberCard.BaseInfo.CustomURLSubTitle)
	assert.NoError(t, req.Validate())

	// One byte over 6 汉字 (18 bytes) is refused.
	req.Card.MemberCard.BaseInfo.CustomURLSubTitle = "6个汉字tipsABCDE"
	var v cv
	v.zh("CustomURLSubTitle", req.Card.MemberCard.BaseInfo.CustomURLSubTitle, false, 6)
	assert.Error(t, v.err())
}
