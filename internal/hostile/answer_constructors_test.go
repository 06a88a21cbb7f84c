package hostile

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConstructorsRefuseWhatNoAnswerIs: a negative size, a 2xx or invalid
// error status and a non-redirect status panic, like a misused httptest
// helper.
func TestConstructorsRefuseWhatNoAnswerIs(t *testing.T) {
	assert.Panics(t, func() { OversizedBody(-1) })
	assert.Panics(t, func() { ErrorStatus(http.StatusOK, 1) })
	assert.Panics(t, func() { ErrorStatus(http.StatusNoContent, 1) })
	assert.Panics(t, func() { ErrorStatus(99, 1) })
	assert.Panics(t, func() { ErrorStatus(600, 1) })
	assert.Panics(t, func() { ErrorStatus(http.StatusBadGateway, -1) })
	assert.Panics(t, func() { Redirect(http.StatusOK, "http://x") })
	assert.Panics(t, func() { Redirect(300, "http://x") })
	assert.NotPanics(t, func() { ErrorStatus(http.StatusNotFound, 0) })
	assert.NotPanics(t, func() { Redirect(http.StatusPermanentRedirect, "http://x") })
}

// TestAnswerString names the answer and its size, never its body.
func TestAnswerString(t *testing.T) {
	for want, a := range map[string]Answer{
		"RawBody(HTTP 200, 6 bytes)":  RawBody([]byte("secret")),
		"OversizedBody(10)":           OversizedBody(10),
		"EndlessBody()":               EndlessBody(),
		"ErrorStatus(502, 1048576)":   ErrorStatus(http.StatusBadGateway, 1<<20),
		`Redirect(307, "http://x/y")`: Redirect(http.StatusTemporaryRedirect, "http://x/y"),
		"Hostile{}":                   {},
	} {
		assert.Equal(t, want, a.String())
	}
}
