package mock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func newWithTemplate(t testing.TB, opts *mock.Options, spec card.TemplateSpec) (*mock.Provider, string) {
	t.Helper()
	p := mock.New(opts)
	if spec.Title == "" {
		spec.Title, spec.BrandName = "Gold", "Walletcard Coffee"
	}
	tpl, err := p.CreateTemplate(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return p, tpl.ID
}

func openReq(tpl, n string) card.OpenRequest {
	return card.OpenRequest{TemplateID: tpl, ExternalNo: "E" + n, Holder: "2088" + n, AuthToken: "tok" + n}
}

func TestFailNextInjectsKindThenRecovers(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	p.FailNext(mock.OpOpen, card.KindUnavailable, 2)
	req := openReq(tpl, "1")
	for i := 0; i < 2; i++ {
		_, err := p.Open(ctx, req)
		if !errors.Is(err, card.ErrUnavailable) || !card.IsRetryable(err) {
			t.Fatalf("call %d: err = %v, want retryable ErrUnavailable", i, err)
		}
	}
	c, err := p.Open(ctx, req)
	if err != nil {
		t.Fatalf("third call: %v", err)
	}
	if got, _ := p.Get(ctx, c.Ref); got == nil {
		t.Fatal("card missing after recovery")
	}
	// Injected failures changed nothing: exactly one card exists for the holder.
	if _, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "E2", Holder: req.Holder}); !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("second card for the holder: %v, want ErrAlreadyExists", err)
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	p.SetLatency(mock.OpOpen, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Open(ctx, openReq(tpl, "1"))
	if !errors.Is(err, context.DeadlineExceeded) || err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want bare context.DeadlineExceeded", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("latency ignored the context")
	}
	p.SetLatency(mock.OpOpen, 0)
	if _, err := p.Open(context.Background(), openReq(tpl, "1")); err != nil {
		t.Fatalf("open after the canceled one: %v (the canceled open must not have been applied)", err)
	}
}

func TestMagicInputs(t *testing.T) {
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	for _, tc := range []struct {
		holder, token string
		want          error
	}{
		{mock.HolderRateLimited, "t", card.ErrRateLimited},
		{mock.HolderUnavailable, "t", card.ErrUnavailable},
		{mock.HolderPermissionDenied, "t", card.ErrPermissionDenied},
		{"2088000000000001", mock.AuthTokenInvalid, card.ErrUnauthenticated},
	} {
		req := openReq(tpl, "9")
		req.Holder, req.AuthToken = tc.holder, tc.token
		if _, err := p.Open(context.Background(), req); !errors.Is(err, tc.want) {
			t.Errorf("holder %q token %q: err = %v, want %v", tc.holder, tc.token, err, tc.want)
		}
	}
}

func TestCallLog(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	c, err := p.Open(ctx, openReq(tpl, "1"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.Get(ctx, card.Ref{Provider: card.Mock, TemplateID: tpl}) // invalid: no card no
	_, _ = p.Get(ctx, c.Ref)
	calls := p.Calls()
	if len(calls) != 4 { // CreateTemplate, Open, Get (rejected), Get
		t.Fatalf("calls = %+v, want 4", calls)
	}
	if calls[2].Op != mock.OpGet || calls[2].Reached || !errors.Is(calls[2].Err, card.ErrInvalidArgument) {
		t.Errorf("rejected call logged as %+v", calls[2])
	}
	if calls[3].Ref != c.Ref || !calls[3].Reached || calls[3].Err != nil {
		t.Errorf("get logged as %+v", calls[3])
	}
	if p.CallCount(mock.OpGet) != 2 || p.Reached() != 3 {
		t.Errorf("CallCount(Get)=%d Reached=%d, want 2 and 3", p.CallCount(mock.OpGet), p.Reached())
	}
}

func TestCallLogIsCapped(t *testing.T) {
	p, tpl := newWithTemplate(t, &mock.Options{CallLogLimit: 10}, card.TemplateSpec{})
	c, _ := p.Open(context.Background(), openReq(tpl, "1"))
	for i := 0; i < 100; i++ {
		_, _ = p.Get(context.Background(), c.Ref)
	}
	if n := len(p.Calls()); n > 10 || n == 0 {
		t.Fatalf("log has %d entries, want 1..10", n)
	}
	if p.Reached() != 102 {
		t.Fatalf("Reached = %d, want 102 (counter is not capped)", p.Reached())
	}
}

func TestStockRunsOut(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.WeChat}, card.TemplateSpec{Stock: 2})
	for i := 0; i < 2; i++ {
		if _, err := p.Claim(ctx, tpl, "openid", ""); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	_, err := p.Claim(ctx, tpl, "openid", "")
	if !errors.Is(err, card.ErrConflict) {
		t.Fatalf("third claim: %v, want ErrConflict (out of stock)", err)
	}
	got, _ := p.GetTemplate(ctx, "", tpl)
	if got.Stock != 0 {
		t.Fatalf("stock = %d, want 0", got.Stock)
	}
}

func TestConsumeTwiceConflicts(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	c, _ := p.Open(ctx, openReq(tpl, "1"))
	if err := p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}); err != nil {
		t.Fatal(err)
	}
	if err := p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("second consume: %v, want ErrConflict", err)
	}
}

func TestWeChatFlavourNeedsClaimedCode(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.WeChat}, card.TemplateSpec{})
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1"}
	_, err := p.Open(ctx, req)
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "Code" {
		t.Fatalf("open without code: %v, want invalid Code", err)
	}
	req.Code = "123456789"
	if _, err := p.Open(ctx, req); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("open with an unclaimed code: %v, want ErrNotFound", err)
	}
	req.Code, _ = p.Claim(ctx, tpl, "o1", "ch")
	c, err := p.Open(ctx, req)
	if err != nil || c.Ref.CardNo != req.Code || c.Holder != "o1" {
		t.Fatalf("open claimed code: %+v %v", c, err)
	}
	req.ExternalNo = "E2"
	if _, err := p.Open(ctx, req); !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("re-activating with another number: %v, want ErrAlreadyExists", err)
	}
}

func TestAlipayFlavourNeedsAuthToken(t *testing.T) {
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.Alipay}, card.TemplateSpec{})
	before := p.Reached()
	_, err := p.Open(context.Background(), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: "2088"})
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Field != "AuthToken" || ce.Provider != card.Alipay {
		t.Fatalf("err = %v, want invalid AuthToken from alipay", err)
	}
	if p.Reached() != before {
		t.Fatal("invalid open reached the state")
	}
}

func TestEventsAndReview(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var got []card.EventType
	p := mock.New(&mock.Options{Name: card.WeChat, ManualReview: true, OnEvent: func(ev card.Event) {
		mu.Lock()
		got = append(got, ev.Type)
		mu.Unlock()
	}})
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "T", BrandName: "B"})
	if _, err := p.Claim(ctx, tpl.ID, "o", ""); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("claim before approval: %v, want ErrConflict", err)
	}
	if err := p.Approve(tpl.ID); err != nil {
		t.Fatal(err)
	}
	code, _ := p.Claim(ctx, tpl.ID, "o", "qr")
	c, _ := p.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "E", Code: code})
	_ = p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref})
	_ = p.Delete(ctx, card.DeleteRequest{Ref: c.Ref})
	want := []card.EventType{card.EventTemplateApproved, card.EventCardClaimed, card.EventCardOpened, card.EventCodeConsumed, card.EventCardDeleted}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events = %v, want %v", got, want)
		}
	}
}

func TestExpiredCardReportsStatus(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, card.Beijing())
	clock := func() time.Time { return now }
	p, tpl := newWithTemplate(t, &mock.Options{Clock: clock}, card.TemplateSpec{})
	req := openReq(tpl, "1")
	req.ValidUntil = now.Add(time.Hour)
	c, _ := p.Open(context.Background(), req)
	now = now.Add(2 * time.Hour)
	got, err := p.Get(context.Background(), c.Ref)
	if err != nil || got.Status != card.StatusExpired {
		t.Fatalf("got %+v %v, want expired", got, err)
	}
}

func BenchmarkOpen(b *testing.B) {
	p, tpl := newWithTemplate(b, nil, card.TemplateSpec{})
	ctx := context.Background()
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", AuthToken: "t", IdempotencyKey: "k"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req.IdempotencyKey = "" // a new card every time
		if _, err := p.Open(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	p, tpl := newWithTemplate(b, nil, card.TemplateSpec{})
	ctx := context.Background()
	c, _ := p.Open(ctx, openReq(tpl, "1"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.Get(ctx, c.Ref); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	p, tpl := newWithTemplate(b, nil, card.TemplateSpec{})
	ctx := context.Background()
	c, _ := p.Open(ctx, openReq(tpl, "1"))
	pts := card.WholePoints(10)
	req := card.UpdateRequest{Ref: c.Ref, Points: &pts, Note: "消费获得积分"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		pts = card.WholePoints(int64(i))
		if _, err := p.Update(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFailAfterApplyThenRetryWithSameKey(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, nil, card.TemplateSpec{})
	p.FailAfterApply(mock.OpOpen, card.KindUnavailable, 1)
	req := openReq(tpl, "1")
	req.IdempotencyKey = card.NewIdempotencyKey()
	if _, err := p.Open(ctx, req); !errors.Is(err, card.ErrUnavailable) {
		t.Fatalf("first open: %v, want ErrUnavailable", err)
	}
	c, err := p.Open(ctx, req) // the retry with the same key finds the applied open
	if err != nil {
		t.Fatalf("retry with the same key: %v", err)
	}
	req.IdempotencyKey = card.NewIdempotencyKey()
	if _, err := p.Open(ctx, req); !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("retry with a new key: %v, want ErrAlreadyExists (the first open was applied)", err)
	}
	if got, err := p.Get(ctx, c.Ref); err != nil || got.ExternalNo != req.ExternalNo {
		t.Fatalf("get: %+v %v", got, err)
	}
}

func TestCancelBlocksReopenUnbindDoesNot(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.Alipay}, card.TemplateSpec{})
	a, _ := p.Open(ctx, openReq(tpl, "1"))
	if err := p.Delete(ctx, card.DeleteRequest{Ref: a.Ref}); err != nil { // CANCEL by default
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, openReq(tpl, "1")); !errors.Is(err, card.ErrAlreadyExists) {
		t.Fatalf("re-open after CANCEL: %v, want ErrAlreadyExists", err)
	}
	b, _ := p.Open(ctx, openReq(tpl, "2"))
	if err := p.Delete(ctx, card.DeleteRequest{Ref: b.Ref, Reason: card.ReasonUserUnbound}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, openReq(tpl, "2")); err != nil {
		t.Fatalf("re-open after USER_UNBUND: %v", err)
	}
}

func TestSameKeyForAnotherHolderConflicts(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.Alipay}, card.TemplateSpec{})
	req := openReq(tpl, "1")
	req.IdempotencyKey = "k1"
	if _, err := p.Open(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Holder = "2088999"
	if _, err := p.Open(ctx, req); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("same key, other holder: %v, want ErrConflict", err)
	}
}

func TestWeChatFlavourAppliesWeChatLimits(t *testing.T) {
	ctx := context.Background()
	p, tpl := newWithTemplate(t, &mock.Options{Name: card.WeChat}, card.TemplateSpec{})
	code, _ := p.Claim(ctx, tpl, "o", "")
	field := func(err error) string {
		var ce *card.Error
		if !errors.As(err, &ce) || ce.Kind != card.KindInvalidArgument {
			t.Fatalf("err = %v, want invalid argument", err)
		}
		return ce.Field
	}
	_, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "123456789012345678901", Code: code})
	if f := field(err); f != "ExternalNo" {
		t.Fatalf("field %q", f)
	}
	c, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "M1", Code: code})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1)), Note: "消费128.88元，获得128积分"})
	if f := field(err); f != "Note" {
		t.Fatalf("field %q", f)
	}
}

func TestExpiredCardRefusesUpdate(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, card.Beijing())
	p, tpl := newWithTemplate(t, &mock.Options{Clock: func() time.Time { return now }}, card.TemplateSpec{})
	req := openReq(tpl, "1")
	req.ValidUntil = now.Add(-time.Hour)
	if _, err := p.Open(context.Background(), req); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("open with a past ValidUntil: %v", err)
	}
	req.ValidUntil = now.Add(time.Hour)
	c, _ := p.Open(context.Background(), req)
	now = now.Add(2 * time.Hour)
	if _, err := p.Update(context.Background(), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1))}); !errors.Is(err, card.ErrConflict) {
		t.Fatalf("update of an expired card: %v, want ErrConflict", err)
	}
}
