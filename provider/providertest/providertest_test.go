package providertest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider/providertest"
)

// The suite must fail providers that break the neutral semantics. Each broken
// provider below wraps the mock and breaks one rule; TestSuiteCatchesBrokenProviders
// runs the suite on it in a child process and checks that the matching subtest fails.

type broken struct {
	*mock.Provider
	flaw string
	mu   sync.Mutex
	keys map[string]*card.Card
}

func (b *broken) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	switch b.flaw {
	case "not-idempotent":
		req.IdempotencyKey = ""
		req.Holder = ""
	case "open-ignores-cancel":
		ctx = context.WithoutCancel(ctx)
	case "racy-idempotency": // check-then-act on the key, outside any lock
		b.mu.Lock()
		c, seen := b.keys[req.IdempotencyKey]
		b.mu.Unlock()
		if seen {
			return c, nil
		}
		time.Sleep(time.Millisecond)
		req.IdempotencyKey = ""
		c, err := b.Provider.Open(ctx, req)
		if err == nil {
			b.mu.Lock()
			b.keys[card.NewIdempotencyKey()] = c
			b.mu.Unlock()
		}
		return c, err
	}
	return b.Provider.Open(ctx, req)
}

func (b *broken) Delete(ctx context.Context, req card.DeleteRequest) error {
	if b.flaw == "delete-noop" {
		return nil
	}
	return b.Provider.Delete(ctx, req)
}

func (b *broken) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	c, err := b.Provider.Get(ctx, ref)
	switch {
	case b.flaw == "wrap-cancel" && err == context.Canceled:
		return nil, fmt.Errorf("get: %v", err)
	case b.flaw == "lossy-points" && err == nil:
		c.Points = c.Points / 100 * 100
	case b.flaw == "wrong-kind" && err != nil:
		return nil, driver.Errorf(card.KindUnknown, "%v", err)
	case b.flaw == "utc-times" && err == nil:
		c.OpenedAt = c.OpenedAt.UTC()
	case b.flaw == "drop-holder" && err == nil:
		c.Holder = "someone-else"
	case b.flaw == "ignore-level" && err == nil:
		c.Level = "GOLD"
	}
	return c, err
}

func (b *broken) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	if b.flaw == "validate-late" && req.Validate() != nil {
		_, _ = b.Provider.Get(ctx, card.Ref{Provider: b.Name(), TemplateID: "x", CardNo: "y"}) // "sends" something
	}
	if b.flaw == "ignore-level" && req.Level != nil {
		req.Level = nil
		c, err := b.Provider.Update(ctx, req)
		if err == nil {
			c.Level = "GOLD" // claims success without changing the level
		}
		return c, err
	}
	return b.Provider.Update(ctx, req)
}

func (b *broken) As(target any) bool {
	if b.flaw == "as-nil" && target == nil {
		return true
	}
	return b.Provider.As(target)
}

type harness struct {
	p   *broken
	tpl string
	n   int
}

func (h *harness) MakeProvider(context.Context) (card.MemberCard, error) { return h.p, nil }
func (h *harness) WireCalls() int                                        { return h.p.Reached() }
func (h *harness) Close()                                                {}
func (h *harness) Capabilities() providertest.Capabilities {
	return providertest.Capabilities{FractionalPoints: true, LevelOnGet: true, Levels: []string{"GOLD", "SILVER"}}
}
func (h *harness) NewOpenRequest(context.Context) (card.OpenRequest, error) {
	h.n++
	return card.OpenRequest{TemplateID: h.tpl, ExternalNo: fmt.Sprint("E", h.n), Holder: fmt.Sprint("2088", h.n), Level: "GOLD", IdempotencyKey: card.NewIdempotencyKey()}, nil
}

func maker(flaw string) providertest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
		p := &broken{Provider: mock.New(nil), flaw: flaw, keys: map[string]*card.Card{}}
		tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "T", BrandName: "B"})
		if err != nil {
			return nil, err
		}
		return &harness{p: p, tpl: tpl.ID}, nil
	}
}

// TestBrokenProviderChild runs the suite on the provider named by the
// environment; it is a helper for TestSuiteCatchesBrokenProviders.
func TestBrokenProviderChild(t *testing.T) {
	flaw := os.Getenv("PROVIDERTEST_FLAW")
	if flaw == "" {
		t.Skip("helper process only")
	}
	if flaw == "none" {
		flaw = ""
	}
	providertest.RunConformanceTests(t, maker(flaw), nil)
}

func TestSuiteCatchesBrokenProviders(t *testing.T) {
	if os.Getenv("PROVIDERTEST_FLAW") != "" {
		t.Skip("in helper process")
	}
	for flaw, subtest := range map[string]string{
		"":                    "", // the unbroken mock passes
		"delete-noop":         "DeleteThenGet",
		"not-idempotent":      "OpenIdempotent",
		"wrap-cancel":         "CanceledContext",
		"lossy-points":        "UpdateFractionalPoints",
		"wrong-kind":          "GetMissing",
		"validate-late":       "InvalidArgumentSendsNothing",
		"as-nil":              "AsNil",
		"open-ignores-cancel": "CanceledContext",
		"racy-idempotency":    "OpenSameKeyConcurrently",
		"utc-times":           "OpenThenGet",
		"drop-holder":         "OpenThenGet",
		"ignore-level":        "UpdateLevel",
	} {
		t.Run("flaw="+flaw, func(t *testing.T) {
			t.Parallel()
			name := flaw
			if name == "" {
				name = "none"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProviderChild$", "-test.v")
			cmd.Env = append(os.Environ(), "PROVIDERTEST_FLAW="+name)
			out, err := cmd.CombinedOutput()
			if flaw == "" {
				if err != nil {
					t.Fatalf("the suite fails the unbroken mock:\n%s", out)
				}
				return
			}
			if err == nil {
				t.Fatalf("the suite passed a provider with flaw %q", flaw)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenProviderChild/"+subtest) {
				t.Fatalf("flaw %q: subtest %s did not fail:\n%s", flaw, subtest, out)
			}
		})
	}
}
