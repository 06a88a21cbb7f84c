package card

import "unicode/utf8"

// Neutral length limits (bytes unless noted). Adapters apply their wallet's
// stricter limits on top.
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

// validator collects the first rule a request breaks.
type validator struct{ first *Error }

func (v *validator) fail(field, format string, args ...any) {
	if v.first == nil {
		v.first = InvalidArgument(field, format, args...)
	}
}

// ref checks that every field of r is set and within length limits,
// naming fields prefix.Provider, prefix.TemplateID, prefix.CardNo.
func (v *validator) ref(prefix string, r Ref) {
	v.required(prefix+".Provider", r.Provider, maxProviderLen)
	v.required(prefix+".TemplateID", r.TemplateID, maxTemplateIDLen)
	v.required(prefix+".CardNo", r.CardNo, maxCardNoLen)
}

func (v *validator) required(field, s string, max int) {
	if s == "" {
		v.fail(field, "is required")
		return
	}
	v.optional(field, s, max)
}

func (v *validator) optional(field, s string, max int) {
	switch {
	case len(s) > max:
		v.fail(field, "is %d bytes, the limit is %d", len(s), max)
	case !utf8.ValidString(s):
		v.fail(field, "is not valid UTF-8")
	}
}

func (v *validator) optionalRunes(field, s string, max int) {
	if !utf8.ValidString(s) {
		v.fail(field, "is not valid UTF-8")
	} else if n := utf8.RuneCountInString(s); n > max {
		v.fail(field, "is %d characters, the limit is %d", n, max)
	}
}

func (v *validator) nonNegative(field string, n int64) {
	if n < 0 {
		v.fail(field, "must not be negative")
	}
}

func (v *validator) key(field, s string) {
	if len(s) > maxKeyLen {
		v.fail(field, "is %d bytes, the limit is %d", len(s), maxKeyLen)
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			v.fail(field, "may hold only letters, digits, '-' and '_'")
			return
		}
	}
}

func (v *validator) err() error {
	if v.first == nil {
		return nil
	}
	return v.first
}

// CheckProvider returns an InvalidArgument error when a request names a
// provider other than name. Providers call it so that a request meant for one
// wallet is never sent to another.
func CheckProvider(name, requested string) error {
	if requested != "" && requested != name {
		return InvalidArgument("Provider", "request is for %q, this provider is %q", requested, name)
	}
	return nil
}

// CheckRef is CheckProvider for a Ref: the ref must name this provider.
func CheckRef(name string, ref Ref) error {
	if ref.Provider != name {
		return InvalidArgument("Ref.Provider", "card belongs to %q, this provider is %q", ref.Provider, name)
	}
	return nil
}
