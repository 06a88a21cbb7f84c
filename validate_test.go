package card_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	card "github.com/walletcard/card"
)

func field(t *testing.T, err error) string {
	t.Helper()
	var ce *card.Error
	if !errors.As(err, &ce) || !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("err = %v, want an invalid-argument *card.Error", err)
	}
	return ce.Field
}

func TestOpenRequestValidate(t *testing.T) {
	ok := card.OpenRequest{TemplateID: "tpl", ExternalNo: "E1"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
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
		if got := field(t, r.Validate()); got != want {
			t.Errorf("field = %q, want %q", got, want)
		}
	}
}

func TestOtherRequestsValidate(t *testing.T) {
	ref := card.Ref{Provider: "mock", TemplateID: "t", CardNo: "1"}
	cases := []struct {
		err  error
		want string
	}{
		{card.UpdateRequest{Ref: ref}.Validate(), "Level"},
		{card.UpdateRequest{Ref: ref, Level: card.Ptr("")}.Validate(), "Level"},
		{card.UpdateRequest{Ref: card.Ref{}, Points: card.Ptr(card.Points(1))}.Validate(), "Ref.Provider"},
		{card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(1)), Note: strings.Repeat("积", 65)}.Validate(), "Note"},
		{card.DeleteRequest{Ref: ref, Reason: "PRESENT"}.Validate(), "Reason"},
		{card.ClaimLinkRequest{}.Validate(), "TemplateID"},
		{card.ClaimLinkRequest{TemplateID: "t", ExpiresIn: -time.Second}.Validate(), "ExpiresIn"},
		{card.ClaimLinkRequest{TemplateID: "t", Channel: strings.Repeat("c", 33)}.Validate(), "Channel"},
		{card.TemplateSpec{BrandName: "b"}.Validate(), "Title"},
		{card.TemplateSpec{Title: "t"}.Validate(), "BrandName"},
		{card.TemplateSpec{Title: "t", BrandName: "b", Levels: []string{""}}.Validate(), "Levels"},
		{card.ConsumeRequest{}.Validate(), "Ref.Provider"},
		{card.CheckProvider("alipay", "wechat"), "Provider"},
		{card.CheckRef("alipay", card.Ref{Provider: "wechat"}), "Ref.Provider"},
	}
	for i, tc := range cases {
		if got := field(t, tc.err); got != tc.want {
			t.Errorf("case %d: field = %q, want %q (%v)", i, got, tc.want, tc.err)
		}
	}
	if err := (card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(0)), Note: strings.Repeat("积", 64)}).Validate(); err != nil {
		t.Errorf("64-character note rejected: %v", err)
	}
	if card.CheckProvider("alipay", "") != nil || card.CheckProvider("alipay", "alipay") != nil {
		t.Error("CheckProvider rejects a matching provider")
	}
}

func TestWalletTime(t *testing.T) {
	ts := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC)
	if got := card.FormatWalletTime(ts); got != "2026-03-02 00:30:00" {
		t.Errorf("FormatWalletTime = %q", got)
	}
	back, err := card.ParseWalletTime("2026-03-02 00:30:00")
	if err != nil || !back.Equal(ts) {
		t.Errorf("ParseWalletTime = %v %v", back, err)
	}
	if k := card.NewIdempotencyKey(); len(k) != 32 || k == card.NewIdempotencyKey() {
		t.Errorf("NewIdempotencyKey = %q", k)
	}
	if (card.Ref{Provider: "a", TemplateID: "b", CardNo: "c"}).String() != "a/b/c" || !(card.Ref{}).IsZero() {
		t.Error("Ref helpers")
	}
}

func TestOpenRequestPrintsNoAuthToken(t *testing.T) {
	r := card.OpenRequest{TemplateID: "tpl", ExternalNo: "E1", AuthToken: "authusrB-secret-token"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, r)
		if strings.Contains(out, "secret") || !strings.Contains(out, "[redacted]") || !strings.Contains(out, "tpl") {
			t.Errorf("%s printed %q", f, out)
		}
		if out := fmt.Sprintf(f, &r); strings.Contains(out, "secret") {
			t.Errorf("%s of a pointer printed %q", f, out)
		}
	}
	if r.AuthToken != "authusrB-secret-token" {
		t.Fatal("printing changed the request")
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("open", "req", r)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("open", "req", r)
	js, _ := json.Marshal(r)
	if strings.Contains(buf.String()+string(js), "secret") || !strings.Contains(buf.String(), "tpl") {
		t.Errorf("slog/json printed the token: %s %s", buf.String(), js)
	}
}
