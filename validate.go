package card

import "github.com/walletcard/card/internal/check"

// Neutral length limits (bytes unless noted). Each wallet's rules, applied
// by its provider, add stricter limits on top.
const (
	maxProviderLen   = 32
	maxTemplateIDLen = 64
	maxCardNoLen     = 64
	maxExternalNoLen = 64
	maxHolderLen     = 128
	maxTokenLen      = 512
	maxLevelLen      = 64
	maxNoteRunes     = 64
	maxChannelLen    = 32
	maxKeyLen        = 32
)

// validator collects the first rule a request breaks (internal/check does
// the checking; it applies the content rules too: no control or invisible
// formatting characters, not whitespace only).
type validator struct{ check.Checker }

// ref checks that every field of r is set and within length limits,
// naming fields prefix.Provider, prefix.TemplateID, prefix.CardNo.
func (v *validator) ref(prefix string, r Ref) {
	v.required(prefix+".Provider", r.Provider, maxProviderLen)
	v.required(prefix+".TemplateID", r.TemplateID, maxTemplateIDLen)
	v.required(prefix+".CardNo", r.CardNo, maxCardNoLen)
}

func (v *validator) required(field, s string, max int) {
	if v.Required(field, s) {
		v.Bytes(field, s, max)
	}
}

func (v *validator) optional(field, s string, max int) { v.Bytes(field, s, max) }

func (v *validator) err() error {
	if e := v.Err(); e != nil {
		return &Error{Kind: KindInvalidArgument, Field: e.Field, Message: e.Message}
	}
	return nil
}
