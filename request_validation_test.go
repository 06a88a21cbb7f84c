package card_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
)

// field returns the Field of an invalid-argument *card.Error.
func field(t *testing.T, err error) string {
	t.Helper()
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, card.ErrInvalidArgument)
	return ce.Field
}

func TestOpenRequestValidate(t *testing.T) {
	ok := card.OpenRequest{TemplateID: "tpl", ExternalNo: "E1"}
	require.NoError(t, ok.Validate())
	for want, mut := range map[string]func(*card.OpenRequest){
		"TemplateID":     func(r *card.OpenRequest) { r.TemplateID = "" },
		"ExternalNo":     func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("x", 65) },
		"Holder":         func(r *card.OpenRequest) { r.Holder = "\xff" },
		"Points":         func(r *card.OpenRequest) { r.Points = -1 },
		"Balance":        func(r *card.OpenRequest) { r.Balance = -1 },
		"IdempotencyKey": func(r *card.OpenRequest) { r.IdempotencyKey = strings.Repeat("k", 33) },
		"Level":          func(r *card.OpenRequest) { r.Level = strings.Repeat("L", 65) },
	} {
		r := ok
		mut(&r)
		assert.Equal(t, want, field(t, r.Validate()))
	}
}

// TestTextContentRules: control characters, invisible formatting
// characters and whitespace-only values are refused in every text field,
// naming the field; ordinary Chinese and ASCII text passes.
func TestTextContentRules(t *testing.T) {
	bad := map[string]string{
		"NUL":              "M\x00001",
		"newline":          "M\n001",
		"carriage return":  "M\r001",
		"escape":           "M\x1b[31m",
		"DEL":              "M\x7f",
		"C1 control":       "M\u0085",
		"zero-width space": "M\u200b001",
		"bidi override":    "M\u202e100",
		"word joiner":      "M\u2060",
		"BOM":              "\ufeffM",
		"soft hyphen":      "M\u00ad1",
		"only spaces":      "   ",
		"only ideographic": "\u3000\u3000",
	}
	for name, v := range bad {
		assert.Equal(t, "ExternalNo", field(t, card.OpenRequest{TemplateID: "tpl", ExternalNo: v}.Validate()), name)
		assert.Equal(t, "Note", field(t, card.UpdateRequest{Ref: card.Ref{Provider: "p", TemplateID: "t", CardNo: "c"}, Points: card.Ptr(card.Points(0)), Note: v}.Validate()), name)
		assert.Equal(t, "Title", field(t, card.TemplateSpec{Title: v, BrandName: "b"}.Validate()), name)
	}
	for _, good := range []string{"会员 001", "Gold member", "消费128元，获得12积分", "6个汉字tips"} {
		assert.NoError(t, card.OpenRequest{TemplateID: "tpl", ExternalNo: good}.Validate(), good)
	}
	assert.NoError(t, card.TemplateSpec{Title: "t", BrandName: "b", Description: "line one\nline two"}.Validate(), "Description may span lines")
	assert.Equal(t, "Description", field(t, card.TemplateSpec{Title: "t", BrandName: "b", Description: "a\r\nb"}.Validate()))
}

func TestOtherRequestsValidate(t *testing.T) {
	ref := card.Ref{Provider: "alipay", TemplateID: "t", CardNo: "c"}
	cases := []struct {
		err  error
		want string
	}{
		{card.UpdateRequest{Ref: ref}.Validate(), "Level/Points/Balance"},
		{card.UpdateRequest{Ref: ref, Level: card.Ptr("")}.Validate(), "Level"},
		{card.UpdateRequest{Ref: card.Ref{}, Points: card.Ptr(card.Points(1))}.Validate(), "Ref.Provider"},
		{card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(1)), Note: strings.Repeat("积", 65)}.Validate(), "Note"},
		{card.DeleteRequest{Ref: ref, Reason: "PRESENT"}.Validate(), "Reason"},
		{card.ClaimLinkRequest{}.Validate(), "TemplateID"},
		{card.ClaimLinkRequest{TemplateID: "t", ExpiresIn: -time.Second}.Validate(), "ExpiresIn"},
		{card.ClaimLinkRequest{TemplateID: "t", Channel: strings.Repeat("c", 33)}.Validate(), "Channel"},
		{card.TemplateSpec{BrandName: "b"}.Validate(), "Title"},
		{card.TemplateSpec{Title: "t"}.Validate(), "BrandName"},
		{card.TemplateSpec{Title: "t", BrandName: "b", Levels: []string{"Gold", ""}}.Validate(), "Levels[1]"},
		{card.ConsumeRequest{}.Validate(), "Ref.Provider"},
	}
	for i, tc := range cases {
		assert.Equal(t, tc.want, field(t, tc.err), "case %d", i)
	}
	assert.NoError(t, card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(0)), Note: strings.Repeat("积", 64)}.Validate(), "a 64-character note")
	k := card.NewIdempotencyKey()
	assert.Len(t, k, 32)
	assert.NotEqual(t, k, card.NewIdempotencyKey())
	assert.Equal(t, "a/b/c", card.Ref{Provider: "a", TemplateID: "b", CardNo: "c"}.String())
	assert.True(t, card.Ref{}.IsZero())
}

func TestOpenRequestPrintsNoAuthToken(t *testing.T) {
	r := card.OpenRequest{TemplateID: "tpl", ExternalNo: "E1", AuthToken: "authusrB-secret-token"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, r)
		assert.NotContains(t, out, "secret", f)
		assert.Contains(t, out, "[redacted]", f)
		assert.Contains(t, out, "tpl", f)
		assert.NotContains(t, fmt.Sprintf(f, &r), "secret", f+" of a pointer")
	}
	require.Equal(t, "authusrB-secret-token", r.AuthToken, "printing changed the request")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("open", "req", r)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("open", "req", r)
	js, err := json.Marshal(r)
	require.NoError(t, err)
	assert.NotContains(t, buf.String()+string(js), "secret")
	assert.Contains(t, buf.String(), "tpl")
}
