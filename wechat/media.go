package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"unicode"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/check"
)

// Image upload (POST /cgi-bin/media/uploadimg).
const (
	// MaxImageBytes is the largest image UploadImage sends: WeChat's limit
	// for media/uploadimg, documented as 1MB (read here as 1 MiB, as
	// wechattest does).
	MaxImageBytes = 1 << 20
	// MaxImageFilenameBytes bounds the file name UploadImage sends.
	MaxImageFilenameBytes = 128
	// maxImageURLBytes bounds the URL UploadImage accepts from WeChat
	// (real answers are about 120 bytes; logo_url takes 128).
	maxImageURLBytes = 1024

	mediaUploadImgPath = "/cgi-bin/media/uploadimg"
)

// imageType returns "png" or "jpg" from the first bytes of image (its
// magic number), or "" for anything else.
func imageType(image []byte) string {
	switch {
	case bytes.HasPrefix(image, []byte{0xFF, 0xD8, 0xFF}):
		return "jpg"
	case bytes.HasPrefix(image, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	}
	return ""
}

// checkImage validates an UploadImage request and returns the file name to
// send: filename, or "image.png"/"image.jpg" when it is empty.
func checkImage(filename string, image []byte) (string, error) {
	if len(image) == 0 {
		return "", driver.InvalidArgument("image", "is empty")
	}
	if len(image) > MaxImageBytes {
		return "", driver.InvalidArgument("image", "is %d bytes; WeChat takes at most %d (1 MB)", len(image), MaxImageBytes)
	}
	typ := imageType(image)
	if typ == "" {
		return "", driver.InvalidArgument("image", "must be a JPG or PNG image (judged by its content, not its name)")
	}
	if filename == "" {
		return "image." + typ, nil
	}
	if len(filename) > MaxImageFilenameBytes {
		return "", driver.InvalidArgument("filename", "is longer than %d bytes", MaxImageFilenameBytes)
	}
	if p := check.Problem(filename); p != "" {
		return "", driver.InvalidArgument("filename", "%s", p)
	}
	if strings.ContainsAny(filename, `"/\`) {
		return "", driver.InvalidArgument("filename", "must be a plain file name without path characters or quotes")
	}
	ext := strings.ToLower(path.Ext(filename))
	nameType := map[string]string{".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}[ext]
	switch {
	case nameType == "":
		return "", driver.InvalidArgument("filename", "must end in .jpg, .jpeg or .png")
	case nameType != typ:
		return "", driver.InvalidArgument("filename", "says %s but the image is a %s", strings.TrimPrefix(ext, "."), strings.ToUpper(typ))
	}
	return filename, nil
}

// multipartImage is the request body: one file part named "buffer".
func multipartImage(filename string, image []byte) (body []byte, contentType string, err error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="buffer"; filename=%q`, filename))
	ct := "image/png"
	if imageType(image) == "jpg" {
		ct = "image/jpeg"
	}
	h.Set("Content-Type", ct)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(image); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// decodeUploadImageAnswer reads the URL from WeChat's answer to
// media/uploadimg, {"url":"http://mmbiz.qpic.cn/…"} (errcode already
// checked). The URL must be an absolute http:// or https:// URL (scheme
// in lower case, as WeChat writes it) with a host, no user info and no
// whitespace or control characters, at most 1 KiB.
func decodeUploadImageAnswer(body []byte) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("decode uploadimg answer: %w", err)
	}
	u := out.URL
	switch {
	case u == "":
		return "", errors.New("uploadimg answer has no url")
	case len(u) > maxImageURLBytes:
		return "", fmt.Errorf("uploadimg answer url is %d bytes", len(u))
	case strings.IndexFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f || !unicode.IsPrint(r) }) >= 0:
		return "", errors.New("uploadimg answer url has whitespace or control characters")
	}
	pu, err := url.Parse(u)
	if err != nil || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) || pu.Host == "" || pu.User != nil {
		return "", errors.New("uploadimg answer url is not an absolute http(s) URL")
	}
	return u, nil
}

// imageRefusals are the errcodes with which media/uploadimg refuses an
// image: 40005 (invalid file type), 40009 (invalid image size), 41005
// (media data missing). UploadImage checks all three before sending, so
// they mean WeChat is stricter than documented.
var imageRefusals = map[int64]string{
	40005: "WeChat refused the image type (JPG or PNG only)",
	40009: "WeChat refused the image size (at most 1 MB)",
	41005: "WeChat found no image data in the upload",
}

// UploadImage uploads a card image — the logo (TemplateSpec.LogoURL,
// CardBaseInfo.LogoURL) or a member card's background — to WeChat with
// POST /cgi-bin/media/uploadimg (multipart field "buffer") and returns the
// URL WeChat answers (http://mmbiz.qpic.cn/…), the only kind of image URL
// WeChat accepts in a card.
//
// image must be a JPG or PNG — judged by its content, not its name — of
// 1..MaxImageBytes bytes. filename is the name sent with it; "" sends
// image.png or image.jpg, otherwise it must end in .jpg, .jpeg or .png,
// agree with the content, and be a plain file name of at most
// MaxImageFilenameBytes bytes. A request that breaks a rule returns a
// card.ErrInvalidArgument error naming "image" or "filename", and nothing
// is sent. Read a file with os.ReadFile first; the limit keeps it small.
//
// The access token is refreshed once on errcode 40001/40014/42001. An
// errcode -1 (system busy) is retried with the Provider's backoff: a
// resent upload at worst leaves an unused copy of the image on WeChat's
// CDN. WeChat's own refusals of the image (40005, 40009, 41005) are
// card.ErrInvalidArgument errors naming "image".
func (p *Provider) UploadImage(ctx context.Context, filename string, image []byte) (string, error) {
	const op = "UploadImage"
	name, err := checkImage(filename, image)
	if err != nil {
		return "", p.invalid(op, err)
	}
	body, contentType, err := multipartImage(name, image)
	if err != nil {
		return "", &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Field: "filename", Message: "cannot encode the upload", Err: err}
	}
	raw, err := p.postMultipart(ctx, op, mediaUploadImgPath, body, contentType)
	if err != nil {
		var ce *card.Error
		if code, ok := errcodeOf(err); ok && imageRefusals[code] != "" && errors.As(err, &ce) {
			c := *ce
			c.Kind, c.Field, c.Message = card.KindInvalidArgument, "image", imageRefusals[code]
			return "", &c
		}
		return "", err
	}
	u, err := decodeUploadImageAnswer(raw)
	if err != nil {
		return "", &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "unexpected WeChat answer", Err: err}
	}
	return u, nil
}

// postMultipart POSTs a multipart body to BaseURL+path like every call
// (exchange: token refresh, -1 resent — a second upload of one image is
// harmless) and returns the answer's body once its errcode is 0 or absent.
func (p *Provider) postMultipart(ctx context.Context, op, path string, body []byte, contentType string) ([]byte, error) {
	return p.exchange(ctx, wireCall{op: op, method: http.MethodPost, path: path, body: body, contentType: contentType, safe: true})
}
