package mock_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

// templater is any mock flavour.
type templater interface {
	CreateTemplate(context.Context, card.TemplateSpec) (*card.Template, error)
}

// template creates an approved template with a logo on m (the WeChat
// flavour requires one).
func template(t testing.TB, m templater, spec card.TemplateSpec) string {
	t.Helper()
	if spec.Title == "" {
		spec.Title, spec.BrandName = "Gold", "Walletcard"
	}
	if _, alipay := m.(*mock.Alipay); spec.LogoURL == "" && alipay {
		spec.LogoURL = "logo-image-id" // Alipay takes the id ImageUpload returned
	} else if spec.LogoURL == "" {
		spec.LogoURL = "https://mmbiz.qpic.cn/mmbiz/logo.png" // WeChat, the URL media/uploadimg returned
	}
	tpl, err := m.CreateTemplate(context.Background(), spec)
	require.NoError(t, err)
	return tpl.ID
}

func openReq(tpl, n string) card.OpenRequest {
	return card.OpenRequest{TemplateID: tpl, ExternalNo: "E" + n, Holder: "2088" + n, AuthToken: "tok" + n}
}

// kindAndField returns the kind and field of a *card.Error.
func kindAndField(t *testing.T, err error) (card.Kind, string) {
	t.Helper()
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	return ce.Kind, ce.Field
}
