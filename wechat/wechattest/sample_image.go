package wechattest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// SamplePNG returns a 300×300 single-colour PNG, small enough for
// /cgi-bin/media/uploadimg, for tests and examples that need a logo to
// upload (wechat.Provider.UploadImage). Each call returns a fresh slice.
func SamplePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	c := color.RGBA{R: 0x37, G: 0x70, B: 0xb3, A: 0xff}
	for y := 0; y < 300; y++ {
		for x := 0; x < 300; x++ {
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding an in-memory RGBA image cannot fail
	return buf.Bytes()
}
