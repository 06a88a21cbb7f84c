package wechat

import (
	"strings"
	"testing"

	card "github.com/walletcard/card"
)

// TestSharedLimits: a limit that several requests share (record notes,
// custom-field values, outer_str) is the same rule in every request: the
// longest allowed value passes and one more character or byte fails, naming
// the field.
func TestSharedLimits(t *testing.T) {
	rec14, rec15 := strings.Repeat("积", 14), strings.Repeat("积", 15)
	val12, val13 := "四个汉字", "四个汉字x" // 12 and 13 bytes
	out128, out129 := strings.Repeat("渠", 128), strings.Repeat("渠", 129)
	one := card.Ptr(int64(1))
	for _, tc := range []struct {
		field   string
		ok, bad validatable
	}{
		{"InitBonusRecord",
			ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitBonusRecord: rec14},
			ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitBonusRecord: rec15}},
		{"InitBonusRecord",
			GeneralCardActivateRequest{Code: "1", InitBonusRecord: rec14},
			GeneralCardActivateRequest{Code: "1", InitBonusRecord: rec15}},
		{"RecordBonus",
			UpdateMemberUserRequest{Code: "1", CardID: "c", Bonus: one, RecordBonus: rec14},
			UpdateMemberUserRequest{Code: "1", CardID: "c", Bonus: one, RecordBonus: rec15}},
		{"RecordBalance",
			GeneralCardUpdateUserRequest{Code: "1", CardID: "c", RecordBalance: rec14},
			GeneralCardUpdateUserRequest{Code: "1", CardID: "c", RecordBalance: rec15}},
		{"InitCustomFieldValue1",
			ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitCustomFieldValue1: val12},
			ActivateMemberCardRequest{MembershipNumber: "1", Code: "1", InitCustomFieldValue1: val13}},
		{"InitCustomFieldValue3",
			GeneralCardActivateRequest{Code: "1", InitCustomFieldValue3: val12},
			GeneralCardActivateRequest{Code: "1", InitCustomFieldValue3: val13}},
		{"CustomFieldValue2",
			UpdateMemberUserRequest{Code: "1", CardID: "c", CustomFieldValue2: card.Ptr(val12)},
			UpdateMemberUserRequest{Code: "1", CardID: "c", CustomFieldValue2: card.Ptr(val13)}},
		{"CustomFieldValue2",
			GeneralCardUpdateUserRequest{Code: "1", CardID: "c", CustomFieldValue2: val12},
			GeneralCardUpdateUserRequest{Code: "1", CardID: "c", CustomFieldValue2: val13}},
		{"OuterStr", CardExtRequest{CardID: "c", OuterStr: out128}, CardExtRequest{CardID: "c", OuterStr: out129}},
		{"OuterStr", GetActivateURLRequest{CardID: "c", OuterStr: out128}, GetActivateURLRequest{CardID: "c", OuterStr: out129}},
		{"Card.OuterStr",
			CreateQRCodeRequest{Card: &QRCard{CardID: "c", OuterStr: out128}},
			CreateQRCodeRequest{Card: &QRCard{CardID: "c", OuterStr: out129}}},
	} {
		if err := tc.ok.Validate(); err != nil {
			t.Errorf("%T at the limit: %v", tc.ok, err)
		}
		catWantInvalid(t, tc.bad.Validate(), "", tc.field)
	}
}
