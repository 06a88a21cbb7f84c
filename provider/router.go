// Package provider holds what every provider shares. Its Router puts several
// wallets behind one card.MemberCard, so a merchant running Alipay and WeChat
// writes one code path:
//
//	r, err := provider.NewRouter(alipayProvider, wechatProvider)
//	c, err := r.Open(ctx, card.OpenRequest{Provider: card.WeChat, …})
//	c, err  = r.Update(ctx, card.UpdateRequest{Ref: c.Ref, …}) // routed by c.Ref.Provider
//
// A Router only routes: validation, idempotency keys, retries, error
// building and observation happen once, in the pipeline of the wallet the
// call reaches (see package driver), so a call through a Router is checked
// exactly as a call made to that wallet's provider directly.
//
// The conformance suite every provider passes is in provider/providertest.
package provider

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// Name is the Router's provider name, used in errors the Router raises itself.
const Name = "router"

// Router dispatches each call to the provider named by the card's Ref.Provider
// or the request's Provider field. It is itself a card.MemberCard, a
// card.TemplateManager and a card.Consumer: those calls return ErrUnsupported
// where the target provider lacks the capability, so a type assertion on a
// Router always succeeds — to learn whether one wallet has a capability,
// assert on Provider(name). A Router is immutable and safe for concurrent use.
type Router struct {
	byName map[string]card.MemberCard
	names  []string
}

var (
	_ card.MemberCard      = (*Router)(nil)
	_ card.TemplateManager = (*Router)(nil)
	_ card.Consumer        = (*Router)(nil)
)

// NewRouter returns a Router over providers, keyed by their Name. At least
// one provider is required; names must be non-empty and unique.
func NewRouter(providers ...card.MemberCard) (*Router, error) {
	if len(providers) == 0 {
		return nil, driver.Wrap(Name, "NewRouter", card.KindInvalidArgument, driver.InvalidArgument("providers", "a Router needs at least one provider"))
	}
	r := &Router{byName: make(map[string]card.MemberCard, len(providers))}
	for i, p := range providers {
		if isNil(p) {
			return nil, driver.Wrap(Name, "NewRouter", card.KindInvalidArgument, driver.InvalidArgument(fmt.Sprintf("providers[%d]", i), "is nil"))
		}
		n := p.Name()
		if n == "" {
			return nil, driver.Wrap(Name, "NewRouter", card.KindInvalidArgument, driver.InvalidArgument(fmt.Sprintf("providers[%d]", i), "has an empty name"))
		}
		if _, dup := r.byName[n]; dup {
			return nil, driver.Wrap(Name, "NewRouter", card.KindInvalidArgument, driver.InvalidArgument(fmt.Sprintf("providers[%d]", i), "duplicate provider name %q", n))
		}
		r.byName[n] = p
		r.names = append(r.names, n)
	}
	sort.Strings(r.names)
	return r, nil
}

// isNil reports whether p is nil or a typed nil pointer (such as a nil
// *mock.Provider), whose Name would panic.
func isNil(p card.MemberCard) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Name returns "router". The cards a Router returns carry the name of the
// wallet that made them in Ref.Provider, not "router".
func (r *Router) Name() string { return Name }

// Names returns the routed provider names, sorted.
func (r *Router) Names() []string { return append([]string(nil), r.names...) }

// Provider returns the provider registered under name.
func (r *Router) Provider(name string) (card.MemberCard, bool) {
	p, ok := r.byName[name]
	return p, ok
}

// route finds the provider for name, or an invalid-argument error naming field.
func (r *Router) route(op, field, name string) (card.MemberCard, error) {
	if name == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument(field, "is required to route the call; one of %v", r.names))
	}
	p, ok := r.byName[name]
	if !ok {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument(field, "unknown provider %q; have %v", name, r.names))
	}
	return p, nil
}

// Open routes on req.Provider.
func (r *Router) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	p, err := r.route("Open", "Provider", req.Provider)
	if err != nil {
		return nil, err
	}
	return p.Open(ctx, req)
}

// Get routes on ref.Provider.
func (r *Router) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	p, err := r.route("Get", "Ref.Provider", ref.Provider)
	if err != nil {
		return nil, err
	}
	return p.Get(ctx, ref)
}

// Update routes on req.Ref.Provider.
func (r *Router) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	p, err := r.route("Update", "Ref.Provider", req.Ref.Provider)
	if err != nil {
		return nil, err
	}
	return p.Update(ctx, req)
}

// Delete routes on req.Ref.Provider.
func (r *Router) Delete(ctx context.Context, req card.DeleteRequest) error {
	p, err := r.route("Delete", "Ref.Provider", req.Ref.Provider)
	if err != nil {
		return err
	}
	return p.Delete(ctx, req)
}

// ClaimLink routes on req.Provider.
func (r *Router) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	p, err := r.route("ClaimLink", "Provider", req.Provider)
	if err != nil {
		return nil, err
	}
	return p.ClaimLink(ctx, req)
}

// CreateTemplate routes on spec.Provider; ErrUnsupported if that provider is
// not a card.TemplateManager.
func (r *Router) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	p, err := r.route("CreateTemplate", "Provider", spec.Provider)
	if err != nil {
		return nil, err
	}
	tm, ok := p.(card.TemplateManager)
	if !ok {
		return nil, unsupported(spec.Provider, "CreateTemplate")
	}
	return tm.CreateTemplate(ctx, spec)
}

// GetTemplate routes on provider; ErrUnsupported if that provider is not a
// card.TemplateManager.
func (r *Router) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	p, err := r.route("GetTemplate", "Provider", provider)
	if err != nil {
		return nil, err
	}
	tm, ok := p.(card.TemplateManager)
	if !ok {
		return nil, unsupported(provider, "GetTemplate")
	}
	return tm.GetTemplate(ctx, provider, id)
}

// Consume routes on req.Ref.Provider; ErrUnsupported if that provider is not
// a card.Consumer.
func (r *Router) Consume(ctx context.Context, req card.ConsumeRequest) error {
	p, err := r.route("Consume", "Ref.Provider", req.Ref.Provider)
	if err != nil {
		return err
	}
	c, ok := p.(card.Consumer)
	if !ok {
		return unsupported(req.Ref.Provider, "Consume")
	}
	return c.Consume(ctx, req)
}

func unsupported(provider, op string) error {
	return &card.Error{Provider: provider, Op: op, Kind: card.KindUnsupported, Message: "provider does not support " + op}
}

// As offers target to each routed provider in name order and reports whether
// one accepted it: the first match wins, so with two providers of the same
// type use Provider(name).As to choose. As(nil) is false.
func (r *Router) As(target any) bool {
	if target == nil {
		return false
	}
	for _, n := range r.names {
		if r.byName[n].As(target) {
			return true
		}
	}
	return false
}
