package providertest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	card "github.com/walletcard/card"
)

// timeout bounds each subtest so that a provider that hangs fails instead of
// stalling the whole run.
const timeout = 30 * time.Second

// RunConformanceTests runs the neutral semantics against the provider made by
// newHarness, one subtest each (visible with go test -v). opts may be nil.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker, opts *Options) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	tests := []Test{
		{"OpenThenGet", testOpenThenGet},
		{"OpenIdempotent", testOpenIdempotent},
		{"OpenSameKeyConcurrently", testOpenSameKeyConcurrently},
		{"OpenDistinctMembers", testOpenDistinctMembers},
		{"GetMissing", testGetMissing},
		{"UpdatePointsAndBalance", testUpdatePointsAndBalance},
		{"UpdateFractionalPoints", testUpdateFractionalPoints},
		{"UpdateLevel", testUpdateLevel},
		{"UpdateKeepsUnsetFields", testUpdateKeepsUnsetFields},
		{"DeleteThenGet", testDeleteThenGet},
		{"InvalidArgumentSendsNothing", testInvalidArgument},
		{"WrongProviderSendsNothing", testWrongProvider},
		{"CanceledContext", testCanceledContext},
		{"ClaimLink", testClaimLink},
		{"ErrorsNameProviderAndOp", testErrorsNamed},
		{"AsNil", testAsNil},
		{"ConcurrentUpdates", testConcurrentUpdates},
	}
	if len(opts.AsTargets) > 0 {
		tests = append(tests, Test{"AsTargets", func(t *testing.T, h Harness, p card.MemberCard) {
			for _, target := range opts.AsTargets {
				rv := reflect.ValueOf(target)
				if rv.Kind() != reflect.Pointer || rv.IsNil() {
					t.Fatalf("AsTargets entry %T is not a non-nil pointer", target)
				}
				if !p.As(target) {
					t.Errorf("As(%T) = false, want true", target)
					continue
				}
				if rv.Elem().IsZero() {
					t.Errorf("As(%T) returned true but left the target zero", target)
				}
			}
		}})
	}
	tests = append(tests, opts.Extra...)
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			h, err := newHarness(ctx, t)
			if err != nil {
				t.Fatalf("making harness: %v", err)
			}
			defer h.Close()
			p, err := h.MakeProvider(ctx)
			if err != nil {
				t.Fatalf("making provider: %v", err)
			}
			tc.Run(t, h, p)
		})
	}
}

// ctxFor returns a context bounded like the subtest.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// openFresh opens a card for a new member and checks the basics.
func openFresh(t *testing.T, h Harness, p card.MemberCard) (card.OpenRequest, *card.Card) {
	t.Helper()
	ctx := ctxFor(t)
	req, err := h.NewOpenRequest(ctx)
	if err != nil {
		t.Fatalf("NewOpenRequest: %v", err)
	}
	c, err := p.Open(ctx, req)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if c == nil {
		t.Fatal("Open returned nil card and nil error")
	}
	return req, c
}

func checkKind(t *testing.T, what string, err error, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want errors.Is(err, %v)", what, err, want)
	}
	var ce *card.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: err = %T (%v), want a *card.Error", what, err, err)
	}
}

// walletName is the provider name the cards of req carry: req.Provider when
// set (a Router routes on it), else the provider's own name.
func walletName(p card.MemberCard, requested string) string {
	if requested != "" {
		return requested
	}
	return p.Name()
}

func testOpenThenGet(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	req, c := openFresh(t, h, p)
	if want := walletName(p, req.Provider); c.Ref.Provider != want {
		t.Errorf("Open: Ref.Provider = %q, want %q", c.Ref.Provider, want)
	}
	if c.Ref.TemplateID != req.TemplateID {
		t.Errorf("Open: Ref.TemplateID = %q, want %q", c.Ref.TemplateID, req.TemplateID)
	}
	if c.Ref.CardNo == "" {
		t.Error("Open: Ref.CardNo is empty")
	}
	if c.ExternalNo != req.ExternalNo {
		t.Errorf("Open: ExternalNo = %q, want %q", c.ExternalNo, req.ExternalNo)
	}
	if c.Status != card.StatusActive {
		t.Errorf("Open: Status = %q, want %q", c.Status, card.StatusActive)
	}
	got, err := p.Get(ctx, c.Ref)
	if err != nil {
		t.Fatalf("Get after Open: %v", err)
	}
	if got.Ref != c.Ref || got.ExternalNo != req.ExternalNo {
		t.Errorf("Get = %+v, want ref %v and external %q", got, c.Ref, req.ExternalNo)
	}
	if got.Points != req.Points || got.Balance != req.Balance {
		t.Errorf("Get: points %v balance %v, want %v and %v as opened", got.Points, got.Balance, req.Points, req.Balance)
	}
	if got.Status != card.StatusActive {
		t.Errorf("Get: Status = %q, want active", got.Status)
	}
	if got.OpenedAt.IsZero() {
		t.Error("Get: OpenedAt is zero")
	} else {
		if _, off := got.OpenedAt.Zone(); off != 8*60*60 {
			t.Errorf("Get: OpenedAt %v is not in Beijing time (UTC+8)", got.OpenedAt)
		}
		if d := time.Since(got.OpenedAt); d > time.Hour || d < -time.Hour {
			t.Errorf("Get: OpenedAt %v is %v away from now", got.OpenedAt, d)
		}
	}
	if req.Holder != "" && got.Holder != "" && got.Holder != req.Holder {
		t.Errorf("Get: Holder = %q, want %q", got.Holder, req.Holder)
	}
}

func testOpenSameKeyConcurrently(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	req, err := h.NewOpenRequest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	refs := make([]card.Ref, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := p.Open(ctx, req)
			if err == nil {
				refs[i] = c.Ref
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	var first card.Ref
	for i := 0; i < n; i++ {
		switch {
		case errs[i] != nil && !card.IsRetryable(errs[i]):
			t.Errorf("concurrent Open %d with one key: %v", i, errs[i])
		case errs[i] == nil && first.IsZero():
			first = refs[i]
		case errs[i] == nil && refs[i] != first:
			t.Errorf("concurrent Opens with one key made two cards: %v and %v", first, refs[i])
		}
	}
	if first.IsZero() {
		t.Fatal("no concurrent Open succeeded")
	}
}

func testOpenIdempotent(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	req, first := openFresh(t, h, p)
	if req.IdempotencyKey == "" {
		t.Fatal("harness NewOpenRequest must set IdempotencyKey")
	}
	again, err := p.Open(ctx, req)
	if err != nil {
		t.Fatalf("second Open with the same key: %v", err)
	}
	if again.Ref != first.Ref {
		t.Fatalf("second Open with the same key gave %v, first gave %v: a second card was created", again.Ref, first.Ref)
	}
	got, err := p.Get(ctx, first.Ref)
	if err != nil || got.ExternalNo != req.ExternalNo {
		t.Fatalf("Get after idempotent Open: %+v, %v", got, err)
	}
}

func testOpenDistinctMembers(t *testing.T, h Harness, p card.MemberCard) {
	_, a := openFresh(t, h, p)
	_, b := openFresh(t, h, p)
	if a.Ref == b.Ref {
		t.Fatalf("two members got the same card %v", a.Ref)
	}
}

func testGetMissing(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	missing := c.Ref
	missing.CardNo = "999" + strings.Repeat("0", 9) + "1"
	if missing.CardNo == c.Ref.CardNo {
		missing.CardNo += "2"
	}
	_, err := p.Get(ctx, missing)
	checkKind(t, "Get missing card", err, card.ErrNotFound)
}

func testUpdatePointsAndBalance(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	for _, step := range []struct {
		points  card.Points
		balance card.Money
	}{
		{card.WholePoints(120), card.Money(12888)},
		{card.WholePoints(7), card.Money(1)},
		{card.WholePoints(0), card.Money(0)},
		{card.WholePoints(99999), card.Yuan(50000)},
	} {
		up, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(step.points), Balance: card.Ptr(step.balance), Note: "test"})
		if err != nil {
			t.Fatalf("Update to %v points, %v yuan: %v", step.points, step.balance, err)
		}
		if up.Points != step.points || up.Balance != step.balance {
			t.Errorf("Update returned %v points, %v yuan; want %v, %v", up.Points, up.Balance, step.points, step.balance)
		}
		got, err := p.Get(ctx, c.Ref)
		if err != nil {
			t.Fatalf("Get after Update: %v", err)
		}
		if got.Points != step.points || got.Balance != step.balance {
			t.Errorf("Get after Update: %v points, %v yuan; want %v, %v", got.Points, got.Balance, step.points, step.balance)
		}
	}
}

func testUpdateFractionalPoints(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	pts, _ := card.ParsePoints("88.50")
	_, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: &pts})
	if !h.Capabilities().FractionalPoints {
		checkKind(t, "Update with fractional points on a whole-points wallet", err, card.ErrInvalidArgument)
		return
	}
	if err != nil {
		t.Fatalf("Update to 88.50 points: %v", err)
	}
	got, err := p.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != pts {
		t.Errorf("points = %v, want 88.5 exactly", got.Points)
	}
}

func testUpdateLevel(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	req, c := openFresh(t, h, p)
	if req.Level == "" {
		t.Fatal("harness NewOpenRequest must set Level (one of the template's levels)")
	}
	if h.Capabilities().LevelOnGet && c.Level != req.Level {
		t.Errorf("Open returned level %q, want %q", c.Level, req.Level)
	}
	var level string
	for _, l := range h.Capabilities().Levels {
		if l != req.Level {
			level = l
			break
		}
	}
	if level == "" {
		t.Fatalf("harness Capabilities().Levels = %q: want at least two template levels", h.Capabilities().Levels)
	}
	up, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Level: &level, Points: card.Ptr(card.WholePoints(1))})
	if err != nil {
		t.Fatalf("Update level: %v", err)
	}
	if up.Level != level {
		t.Errorf("Update returned level %q, want %q", up.Level, level)
	}
	got, err := p.Get(ctx, c.Ref)
	if err != nil {
		t.Fatalf("Get after level update: %v", err)
	}
	if h.Capabilities().LevelOnGet && got.Level != level {
		t.Errorf("Get after level update: level %q, want %q", got.Level, level)
	}
	if got.Points != card.WholePoints(1) {
		t.Errorf("Get after level update: points %v, want 1", got.Points)
	}
}

func testUpdateKeepsUnsetFields(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	if _, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(300)), Balance: card.Ptr(card.Money(4567))}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(301))}); err != nil {
		t.Fatal(err)
	}
	got, err := p.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Points != card.WholePoints(301) || got.Balance != 4567 {
		t.Errorf("after a points-only update: %v points, %v yuan; want 301 and 45.67 (balance untouched)", got.Points, got.Balance)
	}
}

func testDeleteThenGet(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	if err := p.Delete(ctx, card.DeleteRequest{Ref: c.Ref, Reason: card.ReasonCancel}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := p.Get(ctx, c.Ref)
	checkKind(t, "Get after Delete", err, card.ErrNotFound)
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(5))})
	checkKind(t, "Update after Delete", err, card.ErrNotFound)
}

// invalidCases are requests that break a neutral rule; each must fail with
// ErrInvalidArgument naming the field, without reaching the wallet.
func invalidCases(req card.OpenRequest, ref card.Ref) []struct {
	name, field string
	call        func(context.Context, card.MemberCard) error
} {
	open := func(mut func(*card.OpenRequest)) func(context.Context, card.MemberCard) error {
		r := req
		mut(&r)
		return func(ctx context.Context, p card.MemberCard) error { _, err := p.Open(ctx, r); return err }
	}
	update := func(u card.UpdateRequest) func(context.Context, card.MemberCard) error {
		return func(ctx context.Context, p card.MemberCard) error { _, err := p.Update(ctx, u); return err }
	}
	noCard := ref
	noCard.CardNo = ""
	return []struct {
		name, field string
		call        func(context.Context, card.MemberCard) error
	}{
		{"OpenNoTemplate", "TemplateID", open(func(r *card.OpenRequest) { r.TemplateID = "" })},
		{"OpenNoExternalNo", "ExternalNo", open(func(r *card.OpenRequest) { r.ExternalNo = "" })},
		{"OpenLongExternalNo", "ExternalNo", open(func(r *card.OpenRequest) { r.ExternalNo = strings.Repeat("9", 65) })},
		{"OpenNegativePoints", "Points", open(func(r *card.OpenRequest) { r.Points = -1 })},
		{"OpenNegativeBalance", "Balance", open(func(r *card.OpenRequest) { r.Balance = -100 })},
		{"OpenBadKey", "IdempotencyKey", open(func(r *card.OpenRequest) { r.IdempotencyKey = "has space" })},
		{"GetNoCardNo", "Ref.CardNo", func(ctx context.Context, p card.MemberCard) error { _, err := p.Get(ctx, noCard); return err }},
		{"UpdateNothing", "Level/Points/Balance", update(card.UpdateRequest{Ref: ref})},
		{"UpdateNegativeBalance", "Balance", update(card.UpdateRequest{Ref: ref, Balance: card.Ptr(card.Money(-1))})},
		{"UpdateNegativePoints", "Points", update(card.UpdateRequest{Ref: ref, Points: card.Ptr(card.Points(-100))})},
		{"UpdateNoRef", "Ref.CardNo", update(card.UpdateRequest{Ref: noCard, Points: card.Ptr(card.WholePoints(1))})},
		{"UpdateLongNote", "Note", update(card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(1)), Note: strings.Repeat("积", 65)})},
		{"DeleteBadReason", "Reason", func(ctx context.Context, p card.MemberCard) error {
			return p.Delete(ctx, card.DeleteRequest{Ref: ref, Reason: "BECAUSE"})
		}},
		{"DeleteNoRef", "Ref.CardNo", func(ctx context.Context, p card.MemberCard) error {
			return p.Delete(ctx, card.DeleteRequest{Ref: noCard})
		}},
		{"ClaimLinkNoTemplate", "TemplateID", func(ctx context.Context, p card.MemberCard) error {
			_, err := p.ClaimLink(ctx, card.ClaimLinkRequest{Provider: req.Provider})
			return err
		}},
		{"ClaimLinkNegativeExpiry", "ExpiresIn", func(ctx context.Context, p card.MemberCard) error {
			_, err := p.ClaimLink(ctx, card.ClaimLinkRequest{Provider: req.Provider, TemplateID: req.TemplateID, ExpiresIn: -time.Second})
			return err
		}},
	}
}

func testInvalidArgument(t *testing.T, h Harness, p card.MemberCard) {
	req, c := openFresh(t, h, p)
	fresh, err := h.NewOpenRequest(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	fresh.Provider = req.Provider
	before := h.WireCalls()
	if _, err := p.Get(ctxFor(t), c.Ref); err != nil {
		t.Fatal(err)
	}
	if h.WireCalls() <= before {
		t.Fatalf("WireCalls did not grow after a valid Get (%d before, %d after): the harness does not count wallet calls", before, h.WireCalls())
	}
	for _, tc := range invalidCases(fresh, c.Ref) {
		t.Run(tc.name, func(t *testing.T) {
			before := h.WireCalls()
			err := tc.call(ctxFor(t), p)
			checkKind(t, tc.name, err, card.ErrInvalidArgument)
			var ce *card.Error
			errors.As(err, &ce)
			if ce.Field != tc.field {
				t.Errorf("Field = %q, want %q (err: %v)", ce.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name the field %q", err.Error(), tc.field)
			}
			if after := h.WireCalls(); after != before {
				t.Errorf("invalid request reached the wallet: %d calls before, %d after", before, after)
			}
		})
	}
}

func testWrongProvider(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	other := c.Ref
	other.Provider = p.Name() + "-other"
	before := h.WireCalls()
	_, err := p.Get(ctx, other)
	checkKind(t, "Get with another provider's ref", err, card.ErrInvalidArgument)
	if h.WireCalls() != before {
		t.Error("a Get for another provider's card reached the wallet")
	}
	req, err := h.NewOpenRequest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req.Provider = p.Name() + "-other"
	before = h.WireCalls()
	_, err = p.Open(ctx, req)
	checkKind(t, "Open for another provider", err, card.ErrInvalidArgument)
	if h.WireCalls() != before {
		t.Error("a request for another provider reached the wallet")
	}
}

func testCanceledContext(t *testing.T, h Harness, p card.MemberCard) {
	_, c := openFresh(t, h, p)
	req, err := h.NewOpenRequest(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Open": func() error { _, err := p.Open(ctx, req); return err },
		"Get":  func() error { _, err := p.Get(ctx, c.Ref); return err },
		"Update": func() error {
			_, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1))})
			return err
		},
		"Delete": func() error { return p.Delete(ctx, card.DeleteRequest{Ref: c.Ref}) },
		"ClaimLink": func() error {
			_, err := p.ClaimLink(ctx, card.ClaimLinkRequest{Provider: req.Provider, TemplateID: req.TemplateID})
			return err
		},
	}
	before := h.WireCalls()
	for name, call := range calls {
		if err := call(); err != context.Canceled {
			t.Errorf("%s with a canceled context: err = %v (%T), want context.Canceled itself, unwrapped", name, err, err)
		}
	}
	if after := h.WireCalls(); after != before {
		t.Errorf("calls with a canceled context reached the wallet: %d calls before, %d after", before, after)
	}
	// The card is untouched: Delete and Update above must not have been applied.
	got, err := p.Get(ctxFor(t), c.Ref)
	if err != nil {
		t.Fatalf("Get after canceled calls: %v (a canceled Delete was applied?)", err)
	}
	if got.Points != c.Points {
		t.Errorf("a canceled Update was applied: points %v, want %v", got.Points, c.Points)
	}
}

func testClaimLink(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	req, err := h.NewOpenRequest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	link, err := p.ClaimLink(ctx, card.ClaimLinkRequest{Provider: req.Provider, TemplateID: req.TemplateID, Channel: "conformance"})
	if err != nil {
		t.Fatalf("ClaimLink: %v", err)
	}
	if link.URL == "" {
		t.Error("ClaimLink: URL is empty")
	}
	if want := walletName(p, req.Provider); link.TemplateID != req.TemplateID || link.Provider != want {
		t.Errorf("ClaimLink = %+v, want provider %q template %q", link, want, req.TemplateID)
	}
	_, err = p.ClaimLink(ctx, card.ClaimLinkRequest{Provider: req.Provider, TemplateID: "no-such-template-000"})
	checkKind(t, "ClaimLink for a missing template", err, card.ErrNotFound)
}

func testErrorsNamed(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	if err := p.Delete(ctx, card.DeleteRequest{Ref: c.Ref}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Get(ctx, c.Ref)
	var ce *card.Error
	if !errors.As(err, &ce) {
		t.Fatalf("Get deleted: %T %v, want *card.Error", err, err)
	}
	if ce.Provider != c.Ref.Provider || ce.Op == "" {
		t.Errorf("error Provider=%q Op=%q, want provider %q and an operation", ce.Provider, ce.Op, c.Ref.Provider)
	}
	if !strings.Contains(err.Error(), c.Ref.Provider) {
		t.Errorf("error text %q does not name the provider", err.Error())
	}
}

func testAsNil(t *testing.T, h Harness, p card.MemberCard) {
	if p.As(nil) {
		t.Error("As(nil) = true, want false")
	}
	var unrelated *struct{ x int }
	if p.As(&unrelated) {
		t.Error("As(unrelated type) = true, want false")
	}
}

func testConcurrentUpdates(t *testing.T, h Harness, p card.MemberCard) {
	ctx := ctxFor(t)
	_, c := openFresh(t, h, p)
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for i := 1; i <= workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(int64(i * 10)))}); err != nil {
				errs <- err
			}
			if _, err := p.Get(ctx, c.Ref); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent call: %v", err)
	}
	got, err := p.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	whole, ok := got.Points.Whole()
	if !ok || whole%10 != 0 || whole < 10 || whole > workers*10 {
		t.Errorf("points after concurrent updates = %v, want one of the written values", got.Points)
	}
}
