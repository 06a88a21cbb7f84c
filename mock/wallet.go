package mock

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/retry"
)

// flavour says whose behaviour the in-memory wallet imitates where the
// rules table leaves choices (codes, claim links).
type flavour int

const (
	flavourNeutral flavour = iota
	flavourAlipay
	flavourWeChat
)

// state is the in-memory wallet: the driver behind a mock's pipeline.
type state struct {
	name         string
	flavour      flavour
	rules        driver.Rules
	clock        func() time.Time
	manualReview bool
	onEvent      func(card.Event)
	logLimit     int
	self         any // the *Provider, *Alipay or *WeChat this state belongs to

	mu        sync.Mutex
	seq       uint64
	evseq     uint64
	templates map[string]*template
	cards     map[string]*entry // by template + "/" + card no
	byKey     map[string]string // open idempotency key → cards key
	byHolder  map[string]string // template + "/" + holder → cards key
	codes     map[string]*code  // claimed WeChat codes, by template/code
	tokens    map[string]bool   // auth tokens seen: true valid, false expired
	revoked   bool
	faults    map[card.Op][]card.Kind
	lost      map[card.Op]int
	latency   map[card.Op]time.Duration
	calls     []Call
	reached   int
}

type template struct {
	t      card.Template
	levels map[string]bool
}

type entry struct {
	c        card.Card
	consumed bool
}

type code struct {
	holder, channel string
	used            bool
}

var (
	_ driver.Driver         = (*state)(nil)
	_ driver.TemplateDriver = (*state)(nil)
	_ driver.ConsumeDriver  = (*state)(nil)
)

func newState(o Options, fl flavour, rules driver.Rules, self any) *state {
	s := &state{
		name: o.Name, flavour: fl, rules: rules, clock: o.Clock, manualReview: o.ManualReview,
		onEvent: o.OnEvent, logLimit: o.CallLogLimit, self: self,
		templates: map[string]*template{}, cards: map[string]*entry{}, byKey: map[string]string{},
		byHolder: map[string]string{}, codes: map[string]*code{}, tokens: map[string]bool{},
		faults: map[card.Op][]card.Kind{}, lost: map[card.Op]int{}, latency: map[card.Op]time.Duration{},
	}
	switch fl {
	case flavourAlipay:
		s.name = card.Alipay
	case flavourWeChat:
		s.name = card.WeChat
	default:
		if s.name == "" {
			s.name = card.Mock
		}
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.logLimit <= 0 {
		s.logLimit = 10000
	}
	return s
}

// As fills a target of this mock's own flavour type.
func (s *state) As(target any) bool {
	switch t := target.(type) {
	case **Provider:
		if p, ok := s.self.(*Provider); ok && t != nil {
			*t = p
			return true
		}
	case **Alipay:
		if a, ok := s.self.(*Alipay); ok && t != nil {
			*t = a
			return true
		}
	case **WeChat:
		if w, ok := s.self.(*WeChat); ok && t != nil {
			*t = w
			return true
		}
	}
	return false
}

// begin runs what every call shares once the pipeline let it through:
// latency (honouring ctx), then the lock, revoked credentials and an
// injected fault. On a nil error the lock is held and the caller must call
// end.
func (s *state) begin(ctx context.Context, op card.Op) error {
	s.mu.Lock()
	d := s.latency[op]
	s.mu.Unlock()
	if d > 0 {
		if err := retry.Sleep(ctx, d); err != nil {
			return err
		}
	}
	s.mu.Lock()
	if s.revoked {
		s.mu.Unlock()
		return driver.Errorf(card.KindUnauthenticated, "the app's credentials were revoked (mock.RevokeCredentials)")
	}
	if q := s.faults[op]; len(q) > 0 {
		kind := q[0]
		s.faults[op] = q[1:]
		s.mu.Unlock()
		return driver.Errorf(kind, "injected by mock.FailNext")
	}
	return nil
}

// end releases the lock, turns a success into a lost answer when one was
// asked for (LoseAnswerNext), and fires events of an applied call.
func (s *state) end(op card.Op, err error, events ...card.Event) error {
	if err == nil && s.lost[op] > 0 {
		s.lost[op]--
		kind := card.KindUnavailable
		if op == card.OpConsume {
			kind = card.KindUnknown // redeeming again would not be safe
		}
		err = &card.Error{Kind: kind, OutcomeUnknown: true, Message: "applied, then the answer was lost (mock.LoseAnswerNext)"}
	} else if err != nil {
		events = nil
	}
	s.mu.Unlock()
	s.emit(events)
	return err
}

// emit delivers events to Options.OnEvent; s.mu must not be held.
func (s *state) emit(events []card.Event) {
	if s.onEvent == nil {
		return
	}
	for _, ev := range events {
		s.onEvent(ev)
	}
}

func (s *state) now() time.Time { return s.clock().In(card.Beijing()) }

func (s *state) nextNo() string {
	s.seq++
	return strconv.FormatUint(880000000000+s.seq, 10)
}

func key(templateID, no string) string { return templateID + "/" + no }

// event builds an event; s.mu must be held.
func (s *state) event(typ card.EventType, ref card.Ref, holder, channel string) card.Event {
	s.evseq++
	return card.Event{ID: "mockevent" + strconv.FormatUint(s.evseq, 10), Type: typ, Provider: s.name, Ref: ref, Holder: holder, Channel: channel, Time: s.now()}
}

// Open opens a card (driver.Driver).
func (s *state) Open(ctx context.Context, c driver.Call, req card.OpenRequest) (*card.Card, error) {
	if err := s.begin(ctx, card.OpOpen); err != nil {
		return nil, err
	}
	out, ev, err := s.open(c, req)
	if err = s.end(card.OpOpen, err, ev...); err != nil {
		return nil, err
	}
	return out, nil
}

// open does the work of Open with s.mu held.
func (s *state) open(c driver.Call, req card.OpenRequest) (*card.Card, []card.Event, error) {
	switch {
	case req.AuthToken == AuthTokenInvalid:
		return nil, nil, driver.Errorf(card.KindUnauthenticated, "auth token is invalid or expired; it must come from OAuth with scope auth_ecard")
	case req.Holder == HolderRateLimited:
		return nil, nil, driver.Errorf(card.KindRateLimited, "too many requests")
	case req.Holder == HolderUnavailable:
		return nil, nil, driver.Errorf(card.KindUnavailable, "system busy")
	case req.Holder == HolderPermissionDenied:
		return nil, nil, driver.Errorf(card.KindPermissionDenied, "app lacks the member-card permission")
	}
	if s.flavour == flavourAlipay {
		if valid, seen := s.tokens[req.AuthToken]; seen && !valid {
			return nil, nil, driver.Errorf(card.KindUnauthenticated, "the auth token expired (mock.ExpireCredentials); the user must authorize again (scope auth_ecard)")
		}
		s.tokens[req.AuthToken] = true
	}
	if k, ok := s.byKey[req.IdempotencyKey]; ok {
		e := s.cards[k]
		if e.c.Ref.TemplateID != req.TemplateID || e.c.ExternalNo != req.ExternalNo ||
			(req.Holder != "" && s.flavour != flavourWeChat && e.c.Holder != req.Holder) ||
			(s.flavour == flavourWeChat && e.c.Ref.CardNo != req.Code) {
			return nil, nil, driver.Errorf(card.KindConflict, "idempotency key %q was used for another open", req.IdempotencyKey)
		}
		// The same open again: the card as it is now (it may have been deleted since).
		out := e.c
		return &out, nil, nil
	}
	tpl, ok := s.templates[req.TemplateID]
	if !ok {
		return nil, nil, driver.Errorf(card.KindNotFound, "template %q does not exist", req.TemplateID)
	}
	if tpl.t.Status != card.TemplateApproved {
		return nil, nil, driver.Errorf(card.KindConflict, "template %q is %s, not approved", req.TemplateID, tpl.t.Status)
	}
	if req.Level != "" && len(tpl.levels) > 0 && !tpl.levels[req.Level] {
		return nil, nil, &card.Error{Kind: card.KindInvalidArgument, Field: "Level", Message: "level " + req.Level + " is not defined by the template"}
	}
	holder := req.Holder
	var no, channel string
	if s.flavour == flavourWeChat {
		cd, ok := s.codes[key(req.TemplateID, req.Code)]
		if !ok {
			return nil, nil, driver.Errorf(card.KindNotFound, "code %q was not claimed for template %q", req.Code, req.TemplateID)
		}
		if cd.used {
			e, live := s.cards[key(req.TemplateID, req.Code)]
			if live && e.c.Status == card.StatusActive && e.c.ExternalNo == req.ExternalNo {
				out := e.c
				return &out, nil, nil
			}
			if !live || e.c.Status == card.StatusDeleted {
				return nil, nil, driver.Errorf(card.KindNotFound, "code %q was deleted", req.Code)
			}
			return nil, nil, &card.Error{Kind: card.KindAlreadyExists, Field: "Code", Message: "the code is already activated with another membership_number"}
		}
		cd.used = true
		no, holder, channel = req.Code, cd.holder, cd.channel
	} else {
		if k, ok := s.byHolder[key(req.TemplateID, holder)]; ok && holder != "" {
			e := s.cards[k]
			if e.c.Status == card.StatusDeleted {
				return nil, nil, driver.Errorf(card.KindAlreadyExists, "holder's card %s was cancelled (CANCEL) and cannot be opened again", e.c.Ref.CardNo)
			}
			repeat := !s.rules.ReopenNeedsKey || !c.KeyGenerated || c.OutcomeUnknown
			if repeat && e.c.ExternalNo == req.ExternalNo {
				out := e.c
				s.byKey[req.IdempotencyKey] = k
				return &out, nil, nil
			}
			return nil, nil, driver.Errorf(card.KindAlreadyExists, "holder already has card %s", e.c.Ref.CardNo)
		}
		no = s.nextNo()
	}
	cd := card.Card{
		Ref:        card.Ref{Provider: s.name, TemplateID: req.TemplateID, CardNo: no},
		ExternalNo: req.ExternalNo,
		Holder:     holder,
		Level:      req.Level,
		Points:     req.Points,
		Balance:    req.Balance,
		OpenedAt:   s.now().Truncate(time.Second),
		Status:     card.StatusActive,
	}
	if !req.ValidUntil.IsZero() {
		cd.ValidUntil = req.ValidUntil.In(card.Beijing()).Truncate(time.Second)
	}
	k := key(req.TemplateID, no)
	s.cards[k] = &entry{c: cd}
	s.byKey[req.IdempotencyKey] = k
	if holder != "" {
		s.byHolder[key(req.TemplateID, holder)] = k
	}
	out := cd
	return &out, []card.Event{s.event(card.EventCardOpened, cd.Ref, holder, channel)}, nil
}

// lookup returns the live card for ref; s.mu must be held.
func (s *state) lookup(ref card.Ref) (*entry, error) {
	e, ok := s.cards[key(ref.TemplateID, ref.CardNo)]
	if !ok || e.c.Status == card.StatusDeleted {
		return nil, driver.Errorf(card.KindNotFound, "card %s does not exist", ref.CardNo)
	}
	if !e.c.ValidUntil.IsZero() && s.now().After(e.c.ValidUntil) {
		e.c.Status = card.StatusExpired
	}
	return e, nil
}

// Get returns a card (driver.Driver).
func (s *state) Get(ctx context.Context, _ driver.Call, ref card.Ref) (*card.Card, error) {
	if err := s.begin(ctx, card.OpGet); err != nil {
		return nil, err
	}
	e, err := s.lookup(ref)
	var out card.Card
	if err == nil {
		out = e.c
	}
	if err = s.end(card.OpGet, err); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update sets level, points and balance (driver.Driver).
func (s *state) Update(ctx context.Context, _ driver.Call, req card.UpdateRequest) (*card.Card, error) {
	if err := s.begin(ctx, card.OpUpdate); err != nil {
		return nil, err
	}
	e, err := s.lookup(req.Ref)
	if err == nil && e.c.Status == card.StatusExpired {
		err = driver.Errorf(card.KindConflict, "card %s expired at %s", req.Ref.CardNo, driver.FormatWalletTime(e.c.ValidUntil))
	}
	if err == nil && req.Level != nil {
		if tpl := s.templates[req.Ref.TemplateID]; tpl != nil && len(tpl.levels) > 0 && !tpl.levels[*req.Level] {
			err = &card.Error{Kind: card.KindInvalidArgument, Field: "Level", Message: "level " + *req.Level + " is not defined by the template"}
		}
	}
	var out card.Card
	if err == nil {
		if req.Level != nil {
			e.c.Level = *req.Level
		}
		if req.Points != nil {
			e.c.Points = *req.Points
		}
		if req.Balance != nil {
			e.c.Balance = *req.Balance
		}
		out = e.c
	}
	if err = s.end(card.OpUpdate, err); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a card (driver.Driver). Deleting a deleted card is
// ErrNotFound, except when it repeats this call after a lost answer, or,
// under KeyedDelete rules (Alipay), when it carries the caller's own key.
func (s *state) Delete(ctx context.Context, c driver.Call, req card.DeleteRequest) error {
	if err := s.begin(ctx, card.OpDelete); err != nil {
		return err
	}
	e, err := s.lookup(req.Ref)
	if err != nil {
		gone, ok := s.cards[key(req.Ref.TemplateID, req.Ref.CardNo)]
		if ok && gone.c.Status == card.StatusDeleted && (c.OutcomeUnknown || (s.rules.KeyedDelete && !c.KeyGenerated)) {
			err = nil // this delete, repeated
		}
		return s.end(card.OpDelete, err)
	}
	e.c.Status = card.StatusDeleted
	if req.Reason == card.ReasonUserUnbound {
		// The user may bind again; CANCEL (the default) keeps them blocked.
		delete(s.byHolder, key(req.Ref.TemplateID, e.c.Holder))
	}
	return s.end(card.OpDelete, nil, s.event(card.EventCardDeleted, e.c.Ref, e.c.Holder, ""))
}

// ClaimLink returns a mock: link (driver.Driver).
func (s *state) ClaimLink(ctx context.Context, _ driver.Call, req card.ClaimLinkRequest) (*card.ClaimLink, error) {
	if err := s.begin(ctx, card.OpClaimLink); err != nil {
		return nil, err
	}
	tpl, ok := s.templates[req.TemplateID]
	var err error
	switch {
	case !ok:
		err = driver.Errorf(card.KindNotFound, "template %q does not exist", req.TemplateID)
	case tpl.t.Status != card.TemplateApproved:
		err = driver.Errorf(card.KindConflict, "template %q is %s, not approved", req.TemplateID, tpl.t.Status)
	}
	if err != nil {
		return nil, s.end(card.OpClaimLink, err)
	}
	q := url.Values{"template_id": {req.TemplateID}}
	if req.Channel != "" {
		q.Set("channel", req.Channel)
	}
	link := &card.ClaimLink{Provider: s.name, TemplateID: req.TemplateID}
	if s.flavour != flavourAlipay { // Alipay's activation link takes neither
		if req.Holder != "" {
			q.Set("holder", req.Holder)
		}
		if req.ExpiresIn > 0 {
			link.ExpiresAt = s.now().Add(req.ExpiresIn)
		}
	}
	link.URL = "mock://claim?" + q.Encode()
	if err := s.end(card.OpClaimLink, nil); err != nil {
		return nil, err
	}
	return link, nil
}

// claim is Claim: a user takes a card of the template.
func (s *state) claim(ctx context.Context, templateID, holder, channel string) (string, error) {
	ref := card.Ref{Provider: s.name, TemplateID: templateID}
	if templateID == "" {
		err := &card.Error{Provider: s.name, Op: string(OpClaim), Kind: card.KindInvalidArgument, Field: "TemplateID", Message: "is required"}
		s.logCall(OpClaim, ref, false, err)
		return "", err
	}
	no, err := s.claimCode(ctx, templateID, holder, channel)
	err = driver.WrapContext(ctx, s.name, string(OpClaim), card.KindUnknown, err)
	ref.CardNo = no
	s.logCall(OpClaim, ref, true, err)
	return no, err
}

func (s *state) claimCode(ctx context.Context, templateID, holder, channel string) (string, error) {
	if err := s.begin(ctx, OpClaim); err != nil {
		return "", err
	}
	tpl, ok := s.templates[templateID]
	var err error
	switch {
	case !ok:
		err = driver.Errorf(card.KindNotFound, "template %q does not exist", templateID)
	case tpl.t.Status != card.TemplateApproved:
		err = driver.Errorf(card.KindConflict, "template %q is not approved", templateID)
	case tpl.t.Stock == 0:
		err = driver.Errorf(card.KindConflict, "template %q is out of stock", templateID)
	}
	if err != nil {
		return "", s.end(OpClaim, err)
	}
	if tpl.t.Stock > 0 {
		tpl.t.Stock--
	}
	no := s.nextNo()
	s.codes[key(templateID, no)] = &code{holder: holder, channel: channel}
	ref := card.Ref{Provider: s.name, TemplateID: templateID, CardNo: no}
	if err := s.end(OpClaim, nil, s.event(card.EventCardClaimed, ref, holder, channel)); err != nil {
		return "", err
	}
	return no, nil
}

// Consume redeems the card's code once (driver.ConsumeDriver).
func (s *state) Consume(ctx context.Context, _ driver.Call, req card.ConsumeRequest) error {
	if err := s.begin(ctx, card.OpConsume); err != nil {
		return err
	}
	e, err := s.lookup(req.Ref)
	if err == nil && e.c.Status == card.StatusExpired {
		err = driver.Errorf(card.KindConflict, "card %s expired at %s", req.Ref.CardNo, driver.FormatWalletTime(e.c.ValidUntil))
	}
	if err == nil && e.consumed {
		err = driver.Errorf(card.KindConflict, "code %s was already consumed", req.Ref.CardNo)
	}
	if err != nil {
		return s.end(card.OpConsume, err)
	}
	e.consumed = true
	return s.end(card.OpConsume, nil, s.event(card.EventCodeConsumed, e.c.Ref, e.c.Holder, ""))
}

// CreateTemplate creates a template (driver.TemplateDriver).
func (s *state) CreateTemplate(ctx context.Context, _ driver.Call, spec card.TemplateSpec) (*card.Template, error) {
	if err := s.begin(ctx, card.OpCreateTemplate); err != nil {
		return nil, err
	}
	var out card.Template
	if k, ok := s.byKey["tpl/"+spec.IdempotencyKey]; ok {
		out = s.templates[k].t
	} else {
		s.seq++
		id := "mocktpl" + strconv.FormatUint(s.seq, 10)
		t := &template{t: card.Template{Provider: s.name, ID: id, Title: spec.Title, Status: card.TemplateApproved, Stock: -1}}
		if spec.Stock > 0 {
			t.t.Stock = spec.Stock
		}
		if s.manualReview {
			t.t.Status = card.TemplatePending
		}
		if len(spec.Levels) > 0 {
			t.levels = map[string]bool{}
			for _, l := range spec.Levels {
				t.levels[l] = true
			}
		}
		s.templates[id] = t
		s.byKey["tpl/"+spec.IdempotencyKey] = id
		out = t.t
	}
	if err := s.end(card.OpCreateTemplate, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetTemplate returns a template (driver.TemplateDriver).
func (s *state) GetTemplate(ctx context.Context, _ driver.Call, id string) (*card.Template, error) {
	if err := s.begin(ctx, card.OpGetTemplate); err != nil {
		return nil, err
	}
	t, ok := s.templates[id]
	if !ok {
		return nil, s.end(card.OpGetTemplate, driver.Errorf(card.KindNotFound, "template %q does not exist", id))
	}
	out := t.t
	if err := s.end(card.OpGetTemplate, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// review sets a template's review state and emits the event.
func (s *state) setReview(id string, st card.TemplateStatus) error {
	s.mu.Lock()
	t, ok := s.templates[id]
	if !ok {
		s.mu.Unlock()
		return &card.Error{Provider: s.name, Op: "Review", Kind: card.KindNotFound, Message: "template " + id + " does not exist"}
	}
	t.t.Status = st
	typ := card.EventTemplateApproved
	if st == card.TemplateRejected {
		typ = card.EventTemplateRejected
	}
	ev := s.event(typ, card.Ref{Provider: s.name, TemplateID: id}, "", "")
	s.mu.Unlock()
	s.emit([]card.Event{ev})
	return nil
}
