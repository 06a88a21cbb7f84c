package alipay

import (
	"net/url"

	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/check"
	"github.com/walletcard/card/internal/walletrules"
)

// checker is the module's one field checker (internal/check) as the typed
// requests use it: fields are named by their Go path
// (CardExtInfo.ExternalCardNo), lengths count characters as Alipay does,
// and the content rules apply (no control or invisible characters, not
// whitespace only). Messages never quote values.
type checker struct{ check.Checker }

func (c *checker) fail(field, format string, args ...any) { c.Fail(field, format, args...) }

func (c *checker) required(field, s string, max int) {
	if c.Required(field, s) {
		c.optional(field, s, max)
	}
}

func (c *checker) optional(field, s string, max int) { c.Runes(field, s, max) }

func (c *checker) oneOf(field, s string, allowed ...string) { c.OneOf(field, s, allowed...) }

func (c *checker) err() error { return driver.FromCheck(c.Err()) }

// checkCallbackURL checks an http(s) URL without a query string
// (activateurl.apply callback).
func checkCallbackURL(field, s string) error {
	c := checker{}
	c.optional(field, s, 10240)
	if !c.Failed() {
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
	if walletrules.LooksLikeURL(s) {
		c.fail(field, "is a URL; Alipay templates take an image id: upload the image with ImageUpload and pass the image_id it returns")
	}
}

// rgb requires an Alipay colour, "rgb(r,g,b)" with each part 0–255.
func (c *checker) rgb(field, s string) {
	if s != "" && !walletrules.IsRGB(s) {
		c.fail(field, "must be a colour written rgb(r,g,b), e.g. rgb(55,112,179)")
	}
}
