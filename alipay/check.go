package alipay

import (
	"net/url"
	"strings"
	"unicode/utf8"

	card "github.com/walletcard/card"
)

// checker collects the first rule a request breaks. Fields are named by
// their Go path (CardExtInfo.ExternalCardNo). Messages never quote values.
type checker struct{ first *card.Error }

func (c *checker) fail(field, format string, args ...any) {
	if c.first == nil {
		c.first = card.InvalidArgument(field, format, args...)
	}
}

func (c *checker) required(field, s string, max int) {
	if s == "" {
		c.fail(field, "is required")
		return
	}
	c.optional(field, s, max)
}

func (c *checker) optional(field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		c.fail(field, "is not valid UTF-8")
	case max > 0 && len(s) > max:
		c.fail(field, "is %d bytes, the limit is %d", len(s), max)
	}
}

func (c *checker) oneOf(field, s string, allowed ...string) {
	if s == "" {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	c.fail(field, "must be one of %s", strings.Join(allowed, ", "))
}

func (c *checker) err() error {
	if c.first == nil {
		return nil
	}
	return c.first
}

// checkCallbackURL checks an http(s) URL without a query string
// (activateurl.apply callback).
func checkCallbackURL(field, s string) error {
	c := checker{}
	c.optional(field, s, 10240)
	if c.first == nil {
		u, err := url.Parse(s)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			c.fail(field, "must be an absolute http or https URL")
		case u.RawQuery != "" || u.ForceQuery:
			c.fail(field, "must carry no query string (Alipay rejects it); pass values in OutString")
		}
	}
	return c.err()
}
