package wechattest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"slices"
)

// MaxImageBytes is the largest image /cgi-bin/media/uploadimg accepts.
// WeChat documents the limit as 1MB ("上传的图片限制文件大小限制1MB，仅支持JPG、
// PNG格式"); this server reads it as 1 MiB.
const MaxImageBytes = 1 << 20

// sniffImage returns "jpg" or "png" from the first bytes of data (its magic
// number), or "".
func sniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	}
	return ""
}

// hUploadImg serves POST /cgi-bin/media/uploadimg: a multipart form whose
// field "buffer" holds a JPG or PNG of at most MaxImageBytes. The answer is
// {"url":"http://mmbiz.qpic.cn/…"} with no errcode, as in WeChat's sample;
// a missing or empty buffer answers 41005 (media data missing), an image
// over the limit 40009 (invalid image size), another type — judged by the
// content, not the file name — 40005 (invalid file type).
func hUploadImg(s *Server, rq *request) (any, *apiError) {
	data, e := uploadedBuffer(rq)
	if e != nil {
		return nil, e
	}
	typ := sniffImage(data)
	if typ == "" {
		return nil, errm(40005, "invalid file type: only JPG and PNG images are accepted")
	}
	id := make([]byte, 48)
	_, _ = rand.Read(id)
	u := "http://mmbiz.qpic.cn/mmbiz_" + typ + "/" + base64.RawURLEncoding.EncodeToString(id) + "/0"
	s.imgMu.Lock()
	s.images[u] = data
	s.imgMu.Unlock()
	return struct {
		URL string `json:"url"`
	}{u}, nil
}

// uploadedBuffer returns the content of the first "buffer" file part of a
// multipart request.
func uploadedBuffer(rq *request) ([]byte, *apiError) {
	missing := errc(41005)
	ct, params, err := mime.ParseMediaType(rq.r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, missing
	}
	mr := multipart.NewReader(bytes.NewReader(rq.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil { // io.EOF: no buffer part
			return nil, missing
		}
		if p.FormName() != "buffer" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, MaxImageBytes+1))
		if err != nil {
			return nil, missing
		}
		if len(data) == 0 {
			return nil, missing
		}
		if len(data) > MaxImageBytes {
			return nil, errm(40009, "invalid image size: an image is at most %d bytes", MaxImageBytes)
		}
		return data, nil
	}
}

// Image returns the bytes of an image uploaded with /cgi-bin/media/uploadimg,
// by the URL the upload answered, and whether the server issued that URL.
func (s *Server) Image(url string) ([]byte, bool) {
	s.imgMu.Lock()
	defer s.imgMu.Unlock()
	data, ok := s.images[url]
	if !ok {
		return nil, false
	}
	return slices.Clone(data), true
}

// checkImageURLs refuses, with Options.RequireUploadedImages, image URLs
// of a card that this server did not issue.
func (s *Server) checkImageURLs(urls map[string]*string) *apiError {
	if !s.opts.RequireUploadedImages {
		return nil
	}
	s.imgMu.Lock()
	defer s.imgMu.Unlock()
	for _, name := range []string{"logo_url", "background_pic_url"} {
		u := urls[name]
		if u == nil || *u == "" {
			continue
		}
		if _, ok := s.images[*u]; !ok {
			return errm(40141, "invalid image url: %s must be a URL /cgi-bin/media/uploadimg returned", name)
		}
	}
	return nil
}
