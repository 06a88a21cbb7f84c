package driver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
)

// Options configure a Pipeline. The zero value is usable.
type Options struct {
	// Rules are the wallet's rules, applied after the neutral Validate.
	Rules Rules
	// Retry is the policy for errors safe to repeat (card.KindUnavailable).
	// The zero value means card.DefaultRetryPolicy(); Attempts: 1 disables
	// retries.
	Retry card.RetryPolicy
	// Logger receives one record per call: Debug on success, Warn on
	// failure, Error when the outcome is unknown. nil logs nothing.
	Logger *slog.Logger
	// Hook is called after every call with its card.CallInfo. Optional.
	Hook card.Hook
	// Clock is the time Rules.Open compares validity dates with. Default
	// time.Now. (Durations are measured with the monotonic clock.)
	Clock func() time.Time
}

// Pipeline is a card.MemberCard built from a Driver: it runs the steps
// every neutral call shares (see the package doc) around the driver's
// wallet mapping. It also offers CreateTemplate, GetTemplate and Consume;
// they return card.ErrUnsupported when the driver lacks them (providers
// expose them only where their wallet has them). A Pipeline is safe for
// concurrent use when its driver is.
type Pipeline struct {
	name   string
	d      Driver
	td     TemplateDriver
	cd     ConsumeDriver
	rules  Rules
	retry  card.RetryPolicy
	logger *slog.Logger
	hook   card.Hook
	clock  func() time.Time
}

var _ card.MemberCard = (*Pipeline)(nil)

// NewPipeline returns the pipeline of provider name over d. opts may be nil.
func NewPipeline(name string, d Driver, opts *Options) *Pipeline {
	var o Options
	if opts != nil {
		o = *opts
	}
	p := &Pipeline{name: name, d: d, rules: o.Rules, retry: o.Retry, logger: o.Logger, hook: o.Hook, clock: o.Clock}
	p.td, _ = d.(TemplateDriver)
	p.cd, _ = d.(ConsumeDriver)
	if p.retry == (card.RetryPolicy{}) {
		p.retry = card.DefaultRetryPolicy()
	}
	if p.retry.Attempts < 1 {
		p.retry.Attempts = 1
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	return p
}

// Name returns the provider name.
func (p *Pipeline) Name() string { return p.name }

// Rules returns the wallet rules the pipeline applies.
func (p *Pipeline) Rules() Rules { return p.rules }

// As asks the driver; As(nil) is false.
func (p *Pipeline) As(target any) bool { return target != nil && p.d.As(target) }

// Open validates req, defaults its IdempotencyKey and opens the card.
func (p *Pipeline) Open(ctx context.Context, req card.OpenRequest) (*card.Card, error) {
	invalid := firstErr(req.Validate(), CheckProvider(p.name, req.Provider))
	if invalid == nil && p.rules.Open != nil {
		invalid = p.rules.Open(req, p.clock())
	}
	generated := req.IdempotencyKey == ""
	if generated {
		req.IdempotencyKey = card.NewIdempotencyKey()
	}
	ref := card.Ref{Provider: p.name, TemplateID: req.TemplateID}
	return run(ctx, p, card.OpOpen, &ref, invalid, generated, func(ctx context.Context, c Call) (*card.Card, error) {
		out, err := p.d.Open(ctx, c, req)
		if out != nil {
			ref = out.Ref
		}
		return out, err
	})
}

// Get validates ref and reads the card.
func (p *Pipeline) Get(ctx context.Context, ref card.Ref) (*card.Card, error) {
	invalid := p.checkRef("Ref", ref, ref.Validate())
	return run(ctx, p, card.OpGet, &ref, invalid, false, func(ctx context.Context, c Call) (*card.Card, error) {
		return p.d.Get(ctx, c, ref)
	})
}

// Update validates req and sets the card's values.
func (p *Pipeline) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	invalid := p.checkRef("Ref", req.Ref, req.Validate())
	if invalid == nil && p.rules.Update != nil {
		invalid = p.rules.Update(req)
	}
	return run(ctx, p, card.OpUpdate, &req.Ref, invalid, false, func(ctx context.Context, c Call) (*card.Card, error) {
		return p.d.Update(ctx, c, req)
	})
}

// Delete validates req, defaults its IdempotencyKey and deletes the card.
func (p *Pipeline) Delete(ctx context.Context, req card.DeleteRequest) error {
	invalid := p.checkRef("Ref", req.Ref, req.Validate())
	if invalid == nil && p.rules.Delete != nil {
		invalid = p.rules.Delete(req)
	}
	generated := req.IdempotencyKey == ""
	if generated {
		req.IdempotencyKey = card.NewIdempotencyKey()
	}
	_, err := run(ctx, p, card.OpDelete, &req.Ref, invalid, generated, func(ctx context.Context, c Call) (struct{}, error) {
		return struct{}{}, p.d.Delete(ctx, c, req)
	})
	return err
}

// ClaimLink validates req and makes a claim link.
func (p *Pipeline) ClaimLink(ctx context.Context, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	invalid := firstErr(req.Validate(), CheckProvider(p.name, req.Provider))
	if invalid == nil && p.rules.ClaimLink != nil {
		invalid = p.rules.ClaimLink(req)
	}
	ref := card.Ref{Provider: p.name, TemplateID: req.TemplateID}
	return run(ctx, p, card.OpClaimLink, &ref, invalid, false, func(ctx context.Context, c Call) (*card.ClaimLink, error) {
		return p.d.ClaimLink(ctx, c, req)
	})
}

// CreateTemplate validates spec, defaults its IdempotencyKey and creates
// the template; card.ErrUnsupported when the driver has no templates.
func (p *Pipeline) CreateTemplate(ctx context.Context, spec card.TemplateSpec) (*card.Template, error) {
	if p.td == nil {
		return nil, p.unsupported(ctx, card.OpCreateTemplate)
	}
	invalid := firstErr(spec.Validate(), CheckProvider(p.name, spec.Provider))
	if invalid == nil && p.rules.Template != nil {
		invalid = p.rules.Template(spec)
	}
	generated := spec.IdempotencyKey == ""
	if generated {
		spec.IdempotencyKey = card.NewIdempotencyKey()
	}
	ref := card.Ref{Provider: p.name}
	return run(ctx, p, card.OpCreateTemplate, &ref, invalid, generated, func(ctx context.Context, c Call) (*card.Template, error) {
		t, err := p.td.CreateTemplate(ctx, c, spec)
		if t != nil {
			ref.TemplateID = t.ID
		}
		return t, err
	})
}

// GetTemplate reads a template; card.ErrUnsupported when the driver has no
// templates.
func (p *Pipeline) GetTemplate(ctx context.Context, provider, id string) (*card.Template, error) {
	if p.td == nil {
		return nil, p.unsupported(ctx, card.OpGetTemplate)
	}
	invalid := CheckProvider(p.name, provider)
	if invalid == nil && id == "" {
		invalid = InvalidArgument("ID", "is required")
	}
	if invalid == nil && p.rules.TemplateID != nil {
		invalid = p.rules.TemplateID(id)
	}
	ref := card.Ref{Provider: p.name, TemplateID: id}
	return run(ctx, p, card.OpGetTemplate, &ref, invalid, false, func(ctx context.Context, c Call) (*card.Template, error) {
		return p.td.GetTemplate(ctx, c, id)
	})
}

// Consume validates req and redeems the code; card.ErrUnsupported when the
// driver does not redeem codes.
func (p *Pipeline) Consume(ctx context.Context, req card.ConsumeRequest) error {
	if p.cd == nil {
		return p.unsupported(ctx, card.OpConsume)
	}
	invalid := p.checkRef("Ref", req.Ref, req.Validate())
	_, err := run(ctx, p, card.OpConsume, &req.Ref, invalid, false, func(ctx context.Context, c Call) (struct{}, error) {
		return struct{}{}, p.cd.Consume(ctx, c, req)
	})
	return err
}

// checkRef adds the provider check and the wallet's Ref rule to a
// request's own validation result.
func (p *Pipeline) checkRef(field string, ref card.Ref, validated error) error {
	if validated != nil {
		return validated
	}
	if err := CheckRef(p.name, field, ref); err != nil {
		return err
	}
	if p.rules.Ref != nil {
		return p.rules.Ref(field, ref)
	}
	return nil
}

func (p *Pipeline) unsupported(ctx context.Context, op card.Op) error {
	err := &card.Error{Provider: p.name, Op: string(op), Kind: card.KindUnsupported, Message: p.name + " does not support " + string(op)}
	p.observe(ctx, op, card.Ref{Provider: p.name}, time.Now(), 0, err)
	return err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// run is every neutral call after its request was checked: refuse an
// invalid request or an ended ctx with nothing sent, else call the driver
// with retries; then build the error once and observe. ref is read after
// the call (Open learns its card number).
func run[T any](ctx context.Context, p *Pipeline, op card.Op, ref *card.Ref, invalid error, keyGenerated bool, attempt func(context.Context, Call) (T, error)) (T, error) {
	start := time.Now()
	c := Call{Op: op, KeyGenerated: keyGenerated}
	var res T
	var err error
	switch {
	case invalid != nil:
		err = Wrap(p.name, string(op), card.KindInvalidArgument, invalid)
	case ctx.Err() != nil:
		err = ctx.Err()
	default:
		for {
			c.Attempt++
			res, err = attempt(ctx, c)
			if err == nil {
				break
			}
			if errors.Is(err, card.ErrOutcomeUnknown) {
				c.OutcomeUnknown = true
			}
			if c.Attempt >= p.retry.Attempts || card.KindOf(err) != card.KindUnavailable || ctx.Err() != nil {
				break
			}
			if werr := retry.Sleep(ctx, retry.Delay(p.retry, c.Attempt)); werr != nil {
				err = werr
				break
			}
		}
		err = WrapContext(ctx, p.name, string(op), card.KindUnknown, err)
	}
	if p.logger != nil || p.hook != nil {
		p.observe(ctx, op, *ref, start, c.Attempt, err)
	}
	return res, err
}

// observe reports one finished call to the logger and the hook.
func (p *Pipeline) observe(ctx context.Context, op card.Op, ref card.Ref, start time.Time, attempts int, err error) {
	if p.logger == nil && p.hook == nil {
		return
	}
	info := card.CallInfo{Provider: p.name, Op: op, Ref: ref, Start: start, Duration: time.Since(start),
		Attempts: attempts, Err: err, Kind: card.KindOf(err), OutcomeKnown: !errors.Is(err, card.ErrOutcomeUnknown)}
	if p.hook != nil {
		p.hook(ctx, info)
	}
	if p.logger != nil {
		logCall(ctx, p.logger, info)
	}
}

// logCall writes info as one record. Errors of this module never hold
// secrets (a test walks every error path), and nothing else of the request
// is logged.
func logCall(ctx context.Context, l *slog.Logger, info card.CallInfo) {
	level, outcome := slog.LevelDebug, "ok"
	if info.Err != nil {
		level, outcome = slog.LevelWarn, info.Kind.String()
		if !info.OutcomeKnown {
			level = slog.LevelError
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("provider", info.Provider),
		slog.String("op", string(info.Op)),
		slog.Duration("duration", info.Duration),
		slog.Int("attempts", info.Attempts),
		slog.String("outcome", outcome),
		slog.Bool("outcome_known", info.OutcomeKnown))
	if !info.Ref.IsZero() {
		attrs = append(attrs, slog.String("ref", info.Ref.String()))
	}
	if info.Err != nil {
		attrs = append(attrs, slog.String("error", info.Err.Error()))
	}
	l.LogAttrs(ctx, level, "walletcard call", attrs...)
}
