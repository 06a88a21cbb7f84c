package alipay

import (
	"strings"
)

const (
	MaxImageSize = 5 << 20  // 5 MB for images
	MaxVideoSize = 50 << 20 // 50 MB for video
)

// ImageUploadRequest is alipay.offline.material.image.upload (card art:
// logos, backgrounds, card faces). It is sent as multipart/form-data.
type ImageUploadRequest struct {
	// ImageType is the file type: jpg, jpeg, png, gif, bmp or mp4 (≤ 8). Required.
	ImageType string
	// ImageName (≤ 128). Required.
	ImageName string
	// ImagePID is Alipay-internal (≤ 16). Optional.
	ImagePID string
	// Content is the file (≤ 5 MB; video ≤ 50 MB). Required.
	Content []byte
}

// Validate checks the documented rules.
func (r ImageUploadRequest) Validate() error {
	ck := checker{}
	ck.required("ImageType", r.ImageType, 8)
	ck.oneOf("ImageType", strings.ToLower(r.ImageType), "jpg", "jpeg", "png", "gif", "bmp", "mp4")
	ck.required("ImageName", r.ImageName, 128)
	ck.optional("ImagePID", r.ImagePID, 16)
	limit := MaxImageSize
	if strings.EqualFold(r.ImageType, "mp4") {
		limit = MaxVideoSize
	}
	switch {
	case len(r.Content) == 0:
		ck.fail("Content", "is required")
	case len(r.Content) > limit:
		ck.fail("Content", "is %d bytes, the limit is %d", len(r.Content), limit)
	}
	return ck.err()
}

// ImageUploadResponse is the answer to image.upload.
type ImageUploadResponse struct {
	// ImageID is the id to use as logo_id, background_id, front_image_id ….
	ImageID  string `json:"image_id"`
	ImageURL string `json:"image_url"`
}

func (r *ImageUploadResponse) check() error { return present("image_id", r.ImageID) }

// Grant types for OAuthTokenRequest.
