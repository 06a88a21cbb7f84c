package alipay

import (
	"fmt"
	"net/url"
	"strconv"
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
	case max > 0 && utf8.RuneCountInString(s) > max:
		// Alipay's lengths count characters, as alipaytest does.
		c.fail(field, "is %d characters, the limit is %d", utf8.RuneCountInString(s), max)
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

// imageID rejects a URL where Alipay wants an image id from ImageUpload
// (alipay.offline.material.image.upload).
func (c *checker) imageID(field, s string) {
	c.optional(field, s, 0)
	if strings.Contains(s, "://") || strings.HasPrefix(s, "//") {
		c.fail(field, "is a URL; Alipay templates take an image id: upload the image with ImageUpload and pass the image_id it returns")
	}
}

// rgb requires an Alipay colour, "rgb(r,g,b)" with each part 0–255.
func (c *checker) rgb(field, s string) {
	if s != "" && !isRGB(s) {
		c.fail(field, "must be a colour written rgb(r,g,b), e.g. rgb(55,112,179)")
	}
}

// isRGB reports whether s is "rgb(r,g,b)" with each part 0–255.
func isRGB(s string) bool {
	inner, ok := strings.CutPrefix(s, "rgb(")
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return false
	}
	parts := strings.Split(inner, ",")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 255 {
			return false
		}
	}
	return true
}

// hexToRGB converts "#rrggbb" (or "#rgb") to Alipay's "rgb(r,g,b)"; other
// text is returned unchanged.
func hexToRGB(s string) string {
	h, ok := strings.CutPrefix(s, "#")
	if !ok {
		return s
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return s
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return s
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", v>>16, v>>8&0xff, v&0xff)
}
