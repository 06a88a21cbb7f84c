package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// catDepositCard creates an approved deposit-mode card (stock 0).
func catDepositCard(t *testing.T, p *Provider) string {
	t.Helper()
	return catCreate(t, p, func(b *BaseInfo) {
		b.UseCustomCode, b.GetCustomCodeMode = card.Ptr(true), CustomCodeModeDeposit
		b.SKU.Quantity = 0
	})
}

func catCodes(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%08d", prefix, i)
	}
	return out
}

// TestDepositCodes10000 sends 10,000 codes in exactly 100 calls and
// aggregates WeChat's per-code answers.
func TestDepositCodes10000(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catDepositCard(t, p)
	codes := catCodes("D", 10000)
	res, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount("/card/code/deposit"); n != 100 {
		t.Fatalf("deposit calls = %d, want 100", n)
	}
	if res.BatchesSent != 100 || res.BatchesTotal != 100 || len(res.Succeeded) != 10000 || len(res.Duplicate) != 0 || len(res.NotDeposited) != 0 {
		t.Fatalf("res = sent %d/%d, %d ok, %d dup, %d left", res.BatchesSent, res.BatchesTotal, len(res.Succeeded), len(res.Duplicate), len(res.NotDeposited))
	}
	if res.Succeeded[0] != codes[0] || res.Succeeded[9999] != codes[9999] {
		t.Error("succeeded codes out of order")
	}
	cnt, err := p.GetDepositCount(ctx, GetDepositCountRequest{CardID: id})
	if err != nil || cnt.Count != 10000 {
		t.Fatalf("count = %+v, %v", cnt, err)
	}

	// depositing again reports duplicates, plus the new ones as succeeded
	again := append(codes[9990:], "NEW000001")
	res, err = p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: again})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Duplicate) != 10 || len(res.Succeeded) != 1 || res.Succeeded[0] != "NEW000001" {
		t.Errorf("re-deposit = %+v", res)
	}

	// checkcode: 250 codes → 3 calls, aggregated
	check := append(catCodes("D", 200), catCodes("X", 50)...)
	before := s.CallCount("/card/code/checkcode")
	cr, err := p.CheckCodes(ctx, CheckCodesRequest{CardID: id, Codes: check})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount("/card/code/checkcode") - before; n != 3 {
		t.Errorf("checkcode calls = %d, want 3", n)
	}
	if len(cr.ExistCode) != 200 || len(cr.NotExistCode) != 50 || cr.NotExistCode[0] != "X00000000" {
		t.Errorf("check = %d exist, %d not", len(cr.ExistCode), len(cr.NotExistCode))
	}

	// stock may now be raised up to the imported codes
	if _, err := p.ModifyStock(ctx, ModifyStockRequest{CardID: id, Increase: 100}); err != nil {
		t.Fatal(err)
	}
}

// TestDepositCodesPartialFailure: a failing 3rd batch stops the deposit; the
// error names the batches sent and the response says what is left.
func TestDepositCodesPartialFailure(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catDepositCard(t, p)
	codes := catCodes("P", 450)

	// fail the 3rd call: let 2 through by answering the 3rd with 40136
	var n atomic.Int32
	base := p.hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	p.hc = &http.Client{Transport: catRoundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/card/code/deposit" && n.Add(1) == 3 {
			s.FailNextCode("/card/code/deposit", 45009, 1)
		}
		return base.RoundTrip(r)
	})}
	res, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: codes})
	if err == nil {
		t.Fatal("no error")
	}
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Op != "DepositCodes" || ce.Code != "45009" || ce.Kind != card.KindRateLimited {
		t.Fatalf("err = %v (%+v)", err, ce)
	}
	var vendor *util.CommonError
	if !errors.As(err, &vendor) || vendor.ErrCode != 45009 {
		t.Errorf("vendor error not reachable: %v", err)
	}
	if !strings.Contains(err.Error(), "batch 3 of 5 (Codes[200:300]) failed") || !strings.Contains(err.Error(), "200 of 450 codes were sent in batches 1–2") {
		t.Errorf("message does not say which batches were sent: %v", err)
	}
	if res == nil || res.BatchesSent != 2 || res.BatchesTotal != 5 || len(res.Succeeded) != 200 || len(res.NotDeposited) != 250 || res.NotDeposited[0] != codes[200] {
		t.Fatalf("partial response = %+v", res)
	}
	if cnt, _ := p.GetDepositCount(ctx, GetDepositCountRequest{CardID: id}); cnt.Count != 200 {
		t.Errorf("deposited = %d, want 200", cnt.Count)
	}
	// resuming with NotDeposited finishes the job
	res2, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: res.NotDeposited})
	if err != nil || len(res2.Succeeded) != 250 {
		t.Fatalf("resume: %+v %v", res2, err)
	}

	// a first-batch failure says nothing was sent
	s.FailNextCode("/card/code/deposit", 40073, 1)
	_, err = p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: catCodes("Q", 10)})
	if err == nil || !strings.Contains(err.Error(), "none of the 10 codes were sent") || !errors.Is(err, card.ErrNotFound) {
		t.Errorf("first batch error = %v", err)
	}
}

type catRoundTrip func(*http.Request) (*http.Response, error)

func (f catRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDepositCodesCancel: ctx is checked between batches; the context error
// comes back bare with the partial response.
func TestDepositCodesCancel(t *testing.T) {
	p, s := newTestProvider(t, nil)
	id := catDepositCard(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	base := http.DefaultTransport
	p.hc = &http.Client{Transport: catRoundTrip(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		if r.URL.Path == "/card/code/deposit" && n.Add(1) == 2 {
			cancel() // after the 2nd batch was answered
		}
		return resp, err
	})}
	res, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: catCodes("C", 1000)})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res.BatchesSent != 2 || len(res.Succeeded) != 200 || len(res.NotDeposited) != 800 {
		t.Errorf("res = %d sent, %d ok, %d left", res.BatchesSent, len(res.Succeeded), len(res.NotDeposited))
	}
	if c := s.CallCount("/card/code/deposit"); c != 2 {
		t.Errorf("deposit calls = %d, want 2", c)
	}
}

func TestDepositValidation(t *testing.T) {
	p, s := newTestProvider(t, &wechattest.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		req   DepositCodesRequest
		field string
	}{
		{DepositCodesRequest{Codes: []string{"1"}}, "CardID"},
		{DepositCodesRequest{CardID: "c"}, "Codes"},
		{DepositCodesRequest{CardID: "c", Codes: []string{"1", ""}}, "Codes[1]"},
		{DepositCodesRequest{CardID: "c", Codes: []string{"1", "  "}}, "Codes[1]"},
		{DepositCodesRequest{CardID: "c", Codes: []string{"1", strings.Repeat("9", 21)}}, "Codes[1]"},
		{DepositCodesRequest{CardID: "c", Codes: append(catCodes("A", 150), "A00000003")}, "Codes[150]"},
	} {
		_, err := p.DepositCodes(ctx, tc.req)
		catWantInvalid(t, err, "DepositCodes", tc.field)
		_, err = p.CheckCodes(ctx, CheckCodesRequest(tc.req))
		catWantInvalid(t, err, "CheckCodes", tc.field)
	}
	_, err := p.GetDepositCount(ctx, GetDepositCountRequest{})
	catWantInvalid(t, err, "GetDepositCount", "CardID")
	if s.CallCount("") != 0 {
		t.Errorf("invalid requests reached the server: %d calls", s.CallCount(""))
	}
}

func TestUpdateAndMarkCode(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catCreate(t, p, nil)
	code, err := s.Claim(id, "oMark000000000000000000000001", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateCode(ctx, UpdateCodeRequest{CardID: id, Code: code, NewCode: "888800001111"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Member(id, "888800001111"); !ok {
		t.Error("new code unknown to the server")
	}
	if _, ok := s.Member(id, code); ok {
		t.Error("old code still known")
	}
	for _, tc := range []struct {
		req   UpdateCodeRequest
		field string
	}{
		{UpdateCodeRequest{NewCode: "1"}, "Code"},
		{UpdateCodeRequest{Code: "1"}, "NewCode"},
		{UpdateCodeRequest{Code: "1", NewCode: "1"}, "NewCode"},
		{UpdateCodeRequest{Code: "1", NewCode: strings.Repeat("2", 21)}, "NewCode"},
	} {
		_, err := p.UpdateCode(ctx, tc.req)
		catWantInvalid(t, err, "UpdateCode", tc.field)
	}

	mark := MarkCodeRequest{CardID: id, Code: "888800001111", OpenID: "oMark000000000000000000000001", IsMark: true}
	if _, err := p.MarkCode(ctx, mark); err != nil {
		t.Fatal(err)
	}
	other := mark
	other.OpenID = "oOther00000000000000000000001"
	_, err = p.MarkCode(ctx, other)
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Code != "40146" {
		t.Errorf("mark by another user: %v", err)
	}
	mark.IsMark = false
	if _, err := p.MarkCode(ctx, mark); err != nil {
		t.Fatal(err)
	}
	if _, err := p.MarkCode(ctx, other); err != nil {
		t.Errorf("mark after release: %v", err)
	}
	_, err = p.MarkCode(ctx, MarkCodeRequest{CardID: id, Code: "1"})
	catWantInvalid(t, err, "MarkCode", "OpenID")
}

// BenchmarkDepositCodes10000 measures a 10,000-code import (100 calls) against the local fake.
func BenchmarkDepositCodes10000(b *testing.B) {
	p, _ := newTestProvider(b, nil)
	ctx := context.Background()
	d := catMemberCard()
	d.MemberCard.BaseInfo.UseCustomCode, d.MemberCard.BaseInfo.GetCustomCodeMode, d.MemberCard.BaseInfo.SKU.Quantity = card.Ptr(true), CustomCodeModeDeposit, 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c, err := p.CreateCard(ctx, CreateCardRequest{Card: d})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: c.CardID, Codes: catCodes(fmt.Sprint(i, "-"), 10000)}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDepositCodesResendsAfterBusy: WeChat deposits batch 1 but answers -1;
// DepositCodes resends it, counts the duplicates of the resent batch as
// succeeded and finishes without error.
func TestDepositCodesResendsAfterBusy(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catDepositCard(t, p)
	codes := catCodes("B", 150)
	s.ApplyThenFailNext("/card/code/deposit", -1, 1)
	res, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: codes})
	if err != nil {
		t.Fatalf("DepositCodes: %v", err)
	}
	if len(res.Succeeded) != 150 || len(res.Duplicate) != 0 || len(res.ResentDuplicates) != 100 || res.BatchesSent != 2 ||
		len(res.NotDeposited) != 0 || len(res.MaybeDeposited) != 0 {
		t.Fatalf("res: %d ok, %d dup, %d resent dup, %d sent, %d not, %d maybe", len(res.Succeeded), len(res.Duplicate),
			len(res.ResentDuplicates), res.BatchesSent, len(res.NotDeposited), len(res.MaybeDeposited))
	}
	if c := s.CallCount("/card/code/deposit"); c != 3 {
		t.Errorf("deposit calls = %d, want 3 (batch 1 twice)", c)
	}
	if n, _ := p.GetDepositCount(ctx, GetDepositCountRequest{CardID: id}); n.Count != 150 {
		t.Errorf("deposited = %d, want 150", n.Count)
	}
}

// TestDepositCodesBusyEveryAttempt: batch 2 is applied but every attempt is
// answered -1; the error says it may have been applied, its codes are in
// MaybeDeposited (not NotDeposited), and depositing them again is safe.
func TestDepositCodesBusyEveryAttempt(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catDepositCard(t, p)
	codes := catCodes("E", 250)
	var n atomic.Int32
	base := http.DefaultTransport
	p.hc = &http.Client{Transport: catRoundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/card/code/deposit" && n.Add(1) == 2 {
			s.ApplyThenFailNext("/card/code/deposit", -1, 3) // every attempt of batch 2
		}
		return base.RoundTrip(r)
	})}
	res, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: codes})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Op != "DepositCodes" || ce.Code != "-1" || !card.IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "batch 2 of 3 (Codes[100:200]) may have been applied") {
		t.Errorf("message: %v", err)
	}
	if res.BatchesSent != 1 || len(res.Succeeded) != 100 || len(res.MaybeDeposited) != 100 || res.MaybeDeposited[0] != codes[100] ||
		len(res.NotDeposited) != 50 || res.NotDeposited[0] != codes[200] {
		t.Fatalf("res: sent %d, %d ok, %d maybe, %d not", res.BatchesSent, len(res.Succeeded), len(res.MaybeDeposited), len(res.NotDeposited))
	}
	if c := s.CallCount("/card/code/deposit"); c != 4 {
		t.Errorf("deposit calls = %d, want 4 (batch 1, batch 2 three times)", c)
	}
	if cnt, _ := p.GetDepositCount(ctx, GetDepositCountRequest{CardID: id}); cnt.Count != 200 {
		t.Errorf("deposited = %d, want 200", cnt.Count)
	}
	res2, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: append(res.MaybeDeposited, res.NotDeposited...)})
	if err != nil || len(res2.Duplicate) != 100 || len(res2.Succeeded) != 50 {
		t.Fatalf("resume: %+v %v", res2, err)
	}
}

// TestCheckCodesPartial: a failing 2nd checkcode call returns the answers of
// the 1st with an error naming batch 2.
func TestCheckCodesPartial(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	id := catDepositCard(t, p)
	codes := catCodes("K", 150)
	if _, err := p.DepositCodes(ctx, DepositCodesRequest{CardID: id, Codes: codes}); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	base := http.DefaultTransport
	p.hc = &http.Client{Transport: catRoundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/card/code/checkcode" && n.Add(1) == 2 {
			s.FailNextCode("/card/code/checkcode", 40073, 1)
		}
		return base.RoundTrip(r)
	})}
	res, err := p.CheckCodes(ctx, CheckCodesRequest{CardID: id, Codes: codes})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Op != "CheckCodes" || ce.Code != "40073" || !strings.Contains(err.Error(), "batch 2 of 2 (Codes[100:150]) failed") {
		t.Fatalf("err = %v", err)
	}
	if res == nil || len(res.ExistCode) != 100 {
		t.Fatalf("partial result = %+v", res)
	}
}
