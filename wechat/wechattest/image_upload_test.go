package wechattest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPNG and testJPEG encode a small solid image.
func testPNG(t testing.TB) []byte {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 30, 30, 255})
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func testJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil))
	return b.Bytes()
}

// multipartImage is a multipart form with one file part.
func multipartImage(t testing.TB, field, filename string, data []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if field != "" {
		part, err := w.CreateFormFile(field, filename)
		require.NoError(t, err)
		_, _ = part.Write(data)
	} else {
		require.NoError(t, w.WriteField("other", "x"))
	}
	require.NoError(t, w.Close())
	return b.Bytes(), w.FormDataContentType()
}

// upload posts a multipart body to /cgi-bin/media/uploadimg.
func (c *tc) upload(body []byte, contentType string) map[string]any {
	c.t.Helper()
	resp, err := http.Post(c.s.URL()+"/cgi-bin/media/uploadimg?access_token="+url.QueryEscape(c.token), contentType, bytes.NewReader(body))
	require.NoError(c.t, err)
	return c.read(resp)
}

var mmbizURL = regexp.MustCompile(`^http://mmbiz\.qpic\.cn/mmbiz_(png|jpg)/[A-Za-z0-9_-]{64}/0$`)

// TestUploadImage: JPG and PNG are stored and answered with an
// mmbiz.qpic.cn URL and no errcode; the bytes can be read back.
func TestUploadImage(t *testing.T) {
	c := newTC(t, nil)
	for _, tc := range []struct {
		name, file, typ string
		data            []byte
	}{
		{"png", "logo.png", "png", testPNG(t)},
		{"jpeg", "logo.jpg", "jpg", testJPEG(t)},
		{"type by content, not name", "logo.png", "jpg", testJPEG(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartImage(t, "buffer", tc.file, tc.data)
			m := c.upload(body, ct)
			_, hasErrcode := m["errcode"]
			assert.False(t, hasErrcode, "WeChat's success sample has no errcode: %v", m)
			u, _ := m["url"].(string)
			require.Regexp(t, mmbizURL, u)
			assert.Contains(t, u, "mmbiz_"+tc.typ+"/")
			assert.LessOrEqual(t, len(u), 128, "must fit logo_url")
			got, ok := c.s.Image(u)
			require.True(t, ok)
			assert.Equal(t, tc.data, got)
		})
	}
	_, ok := c.s.Image("http://mmbiz.qpic.cn/mmbiz_png/unknown/0")
	assert.False(t, ok)

	// Exactly the limit is accepted.
	big := append(testPNG(t), make([]byte, MaxImageBytes)...)[:MaxImageBytes]
	body, ct := multipartImage(t, "buffer", "big.png", big)
	assert.Regexp(t, mmbizURL, c.upload(body, ct)["url"])
}

// TestUploadImageRefusals: each refusal with WeChat's errcode, nothing
// stored.
func TestUploadImageRefusals(t *testing.T) {
	c := newTC(t, nil)
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	tooBig := append(testPNG(t), make([]byte, MaxImageBytes)...)
	cases := []struct {
		name string
		body func() ([]byte, string)
		want int
	}{
		{"GIF named .png", func() ([]byte, string) { return multipartImage(t, "buffer", "a.png", gif) }, 40005},
		{"text", func() ([]byte, string) { return multipartImage(t, "buffer", "a.jpg", []byte("hello")) }, 40005},
		{"over 1 MiB", func() ([]byte, string) { return multipartImage(t, "buffer", "a.png", tooBig) }, 40009},
		{"empty buffer", func() ([]byte, string) { return multipartImage(t, "buffer", "a.png", nil) }, 41005},
		{"other field name", func() ([]byte, string) { return multipartImage(t, "media", "a.png", testPNG(t)) }, 41005},
		{"no file part", func() ([]byte, string) { return multipartImage(t, "", "", nil) }, 41005},
		{"JSON body", func() ([]byte, string) { return []byte(`{"buffer":"x"}`), "application/json" }, 41005},
		{"broken multipart", func() ([]byte, string) { return []byte("--x\r\nnope"), "multipart/form-data; boundary=x" }, 41005},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := tc.body()
			m := c.upload(body, ct)
			assert.Equal(t, tc.want, errcode(m), "%v", m)
			assert.Contains(t, m["errmsg"], "hint: [")
			assert.Nil(t, m["url"])
		})
	}
	c.s.imgMu.Lock()
	assert.Empty(t, c.s.images)
	c.s.imgMu.Unlock()

	saved := c.token
	c.token = ""
	body, ct := multipartImage(t, "buffer", "a.png", testPNG(t))
	assert.Equal(t, 41001, errcode(c.upload(body, ct)))
	c.token = saved
	resp, err := http.Get(c.s.URL() + "/cgi-bin/media/uploadimg?access_token=" + url.QueryEscape(c.token))
	require.NoError(t, err)
	assert.Equal(t, 43002, errcode(c.read(resp)))
}

// TestRequireUploadedImages: with the option, card/create and card/update
// take only the image URLs the server issued (40141 otherwise); without
// it any URL is accepted.
func TestRequireUploadedImages(t *testing.T) {
	c := newTC(t, &Options{RequireUploadedImages: true})
	body, ct := multipartImage(t, "buffer", "logo.png", testPNG(t))
	logo := c.upload(body, ct)["url"].(string)

	c.fail(40141, "/card/create", memberCardBody(nil)) // the helper's made-up logo
	c.fail(40141, "/card/create", memberCardBody(func(base, mc map[string]any) {
		base["logo_url"] = logo
		mc["background_pic_url"] = "https://example.com/bg.jpg"
	}))
	id := c.createMember(func(base, mc map[string]any) {
		base["logo_url"] = logo
		mc["background_pic_url"] = logo
	})
	upd := func(u string) map[string]any {
		return map[string]any{"card_id": id, "member_card": map[string]any{"base_info": map[string]any{"logo_url": u}}}
	}
	c.fail(40141, "/card/update", upd("http://mmbiz.qpic.cn/mmbiz_png/forged/0"))
	c.ok("/card/update", upd(logo))

	lax := newTC(t, nil)
	lax.createMember(nil)
}

// FuzzUploadImg feeds arbitrary multipart bodies to /cgi-bin/media/uploadimg:
// the server never panics, always answers a JSON object, and issues a URL
// only for a JPG or PNG of 1..MaxImageBytes bytes, which it stores as sent.
func FuzzUploadImg(f *testing.F) {
	png := testPNG(f)
	for _, data := range [][]byte{png, testJPEG(f), []byte("GIF89a"), nil, []byte("\xff\xd8\xff")} {
		body, ct := multipartImage(f, "buffer", "seed.png", data)
		f.Add(body, ct)
	}
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"buffer\"; filename=\"a\"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n"), "multipart/form-data; boundary=b")
	f.Add([]byte("not multipart"), "text/plain")
	s := NewServer(nil)
	defer s.Close()
	rec := httptest.NewRecorder()
	s.serveAPI(rec, httptest.NewRequest("GET", "/cgi-bin/token?grant_type=client_credential&appid="+s.AppID()+"&secret="+s.AppSecret(), nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(f, json.Unmarshal(rec.Body.Bytes(), &tok))
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/cgi-bin/media/uploadimg?access_token="+url.QueryEscape(tok.AccessToken), bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		s.serveAPI(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		var out struct {
			URL     string `json:"url"`
			Errcode *int   `json:"errcode"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "%q", rec.Body.Bytes())
		if out.Errcode != nil {
			assert.Contains(t, []int{41005, 40009, 40005}, *out.Errcode)
			assert.Empty(t, out.URL)
			return
		}
		require.Regexp(t, mmbizURL, out.URL)
		data, ok := s.Image(out.URL)
		require.True(t, ok)
		require.NotEmpty(t, data)
		require.LessOrEqual(t, len(data), MaxImageBytes)
		require.NotEmpty(t, sniffImage(data))
		require.Contains(t, out.URL, "mmbiz_"+sniffImage(data)+"/", "the URL names the type of the content")
	})
}
