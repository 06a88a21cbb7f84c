package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/wechat"
)

// templateFile is the JSON or YAML file of `template create`: the neutral
// card.TemplateSpec, image files to upload first, and optionally the full
// WeChat card/create "card" object for what the neutral spec does not cover
// (deposit-mode codes, custom cells …).
type templateFile struct {
	Wallet         string   `yaml:"wallet"`
	Title          string   `yaml:"title"`
	BrandName      string   `yaml:"brand_name"`
	Logo           string   `yaml:"logo"`
	LogoURL        string   `yaml:"logo_url"`
	Background     string   `yaml:"background"`
	BackgroundURL  string   `yaml:"background_url"`
	Color          string   `yaml:"color"`
	Notice         string   `yaml:"notice"`
	Description    string   `yaml:"description"`
	ServicePhone   string   `yaml:"service_phone"`
	Levels         []string `yaml:"levels"`
	Points         bool     `yaml:"points"`
	Balance        bool     `yaml:"balance"`
	Stock          int64    `yaml:"stock"`
	IdempotencyKey string   `yaml:"idempotency_key"`
	WeChatCard     any      `yaml:"wechat_card"`
}

const templateFileHelp = `The file (YAML, or JSON which is YAML too) holds the neutral template:

  wallet: wechat            # or alipay; --wallet overrides
  title: 金卡
  brand_name: 钱包卡咖啡
  logo: logo.png            # an image file, uploaded first (WeChat uploadimg,
                            # Alipay image.upload); or logo_url: an uploaded one
  color: Color010           # WeChat colour name; "#rrggbb" on Alipay
  notice: 出示会员卡
  description: Earn 1 point per yuan.
  service_phone: "400-000-0000"
  levels: [SILVER, GOLD]
  points: true
  balance: true
  stock: 1000

On WeChat, wechat_card may instead hold the whole "card" object of
card/create (card_type, member_card …, in WeChat's field names) for what the
neutral fields do not cover, such as deposit-mode codes
(base_info.get_custom_code_mode: GET_CUSTOM_CODE_MODE_DEPOSIT); logo: is
then uploaded and put in base_info.logo_url when that is empty.

Relative image paths are read from the template file's directory. Unknown
keys are refused (exit 3) so that a typo is not silently dropped.`

func (a *app) templateCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "template",
		Short: "Create, get and list card templates (Alipay template, WeChat card_id)",
	}
	c.AddCommand(a.templateCreateCmd(), a.templateGetCmd(), a.templateListCmd())
	return c
}

func (a *app) templateCreateCmd() *cobra.Command {
	var wallet string
	c := &cobra.Command{
		Use:   "create FILE",
		Short: "Create a template from a JSON or YAML file",
		Long:  "Create a card template (Alipay template.create, WeChat card/create MEMBER_CARD).\n\n" + templateFileHelp,
		Example: `  walletcard template create --wallet wechat gold.yaml
  walletcard template create --wallet alipay gold.yaml --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			tf, err := readTemplateFile(args[0])
			if err != nil {
				return err
			}
			if wallet == "" {
				wallet = tf.Wallet
			}
			if wallet == "" {
				return invalidArg("wallet", "say which wallet: --wallet alipay|wechat or wallet: in the file")
			}
			dir := filepath.Dir(args[0])
			var tpl *card.Template
			switch wallet {
			case card.WeChat:
				p, err := a.wechatProvider(ctx)
				if err != nil {
					return err
				}
				tpl, err = createWeChatTemplate(ctx, p, tf, dir)
				if err != nil {
					return err
				}
			case card.Alipay:
				p, err := a.alipayProvider(ctx)
				if err != nil {
					return err
				}
				if tf.WeChatCard != nil {
					return invalidArg("wechat_card", "is for WeChat templates only")
				}
				tpl, err = createAlipayTemplate(ctx, p, tf, dir)
				if err != nil {
					return err
				}
			default:
				return invalidArg("wallet", "must be alipay or wechat, got %q", wallet)
			}
			a.printTemplate(tpl)
			return nil
		},
	}
	c.Flags().StringVar(&wallet, "wallet", "", "alipay or wechat (default: wallet: in the file)")
	return c
}

func readTemplateFile(path string) (*templateFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, invalidArg("FILE", "%v", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	tf := &templateFile{}
	if err := dec.Decode(tf); err != nil {
		return nil, invalidArg("FILE", "%s: %s", path, strings.Join(strings.Fields(err.Error()), " "))
	}
	return tf, nil
}

func (tf *templateFile) spec(provider string) card.TemplateSpec {
	return card.TemplateSpec{
		Provider: provider, Title: tf.Title, BrandName: tf.BrandName, LogoURL: tf.LogoURL, BackgroundURL: tf.BackgroundURL,
		Color: tf.Color, Notice: tf.Notice, Description: tf.Description, ServicePhone: tf.ServicePhone,
		Levels: tf.Levels, Points: tf.Points, Balance: tf.Balance, Stock: tf.Stock, IdempotencyKey: tf.IdempotencyKey,
	}
}

func readImage(dir, path, field string) ([]byte, string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", invalidArg(field, "%v", err)
	}
	return b, filepath.Base(path), nil
}

func createWeChatTemplate(ctx context.Context, p *wechat.Provider, tf *templateFile, dir string) (*card.Template, error) {
	upload := func(file, field string) (string, error) {
		b, name, err := readImage(dir, file, field)
		if err != nil {
			return "", err
		}
		return p.UploadImage(ctx, name, b)
	}
	if tf.Logo != "" {
		u, err := upload(tf.Logo, "logo")
		if err != nil {
			return nil, err
		}
		tf.LogoURL = u
	}
	if tf.Background != "" {
		u, err := upload(tf.Background, "background")
		if err != nil {
			return nil, err
		}
		tf.BackgroundURL = u
	}
	if tf.WeChatCard == nil {
		return p.CreateTemplate(ctx, tf.spec(card.WeChat))
	}
	// The full card object: YAML → JSON → the typed request, refusing unknown keys.
	raw, err := json.Marshal(yamlToJSON(tf.WeChatCard))
	if err != nil {
		return nil, invalidArg("wechat_card", "%v", err)
	}
	var req wechat.CreateCardRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req.Card); err != nil {
		return nil, invalidArg("wechat_card", "%v", err)
	}
	if b := req.Card.Base(); b != nil && b.LogoURL == "" {
		b.LogoURL = tf.LogoURL
	}
	res, err := p.CreateCard(ctx, req)
	if err != nil {
		return nil, err
	}
	return p.GetTemplate(ctx, card.WeChat, res.CardID)
}

// yamlToJSON turns the map[string]any / []any tree yaml.v3 decodes into one
// encoding/json can marshal (it already is, except for non-string keys).
func yamlToJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = yamlToJSON(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = yamlToJSON(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = yamlToJSON(e)
		}
	}
	return v
}

func createAlipayTemplate(ctx context.Context, p *alipay.Provider, tf *templateFile, dir string) (*card.Template, error) {
	upload := func(file, field string) (string, error) {
		b, name, err := readImage(dir, file, field)
		if err != nil {
			return "", err
		}
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
		res, err := p.ImageUpload(ctx, alipay.ImageUploadRequest{ImageType: ext, ImageName: name, Content: b})
		if err != nil {
			return "", err
		}
		return res.ImageID, nil
	}
	if tf.Logo != "" {
		id, err := upload(tf.Logo, "logo")
		if err != nil {
			return nil, err
		}
		tf.LogoURL = id
	}
	if tf.Background != "" {
		id, err := upload(tf.Background, "background")
		if err != nil {
			return nil, err
		}
		tf.BackgroundURL = id
	}
	return p.CreateTemplate(ctx, tf.spec(card.Alipay))
}

type templateJSON struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	Stock    int64  `json:"stock"`
}

func (a *app) printTemplate(t *card.Template) {
	j := templateJSON{Provider: t.Provider, ID: t.ID, Title: t.Title, Status: string(t.Status), Stock: t.Stock}
	a.output(j, func() {
		stock := itoa64(t.Stock)
		if t.Stock < 0 {
			stock = "unlimited"
		}
		a.keyValues([2]string{"provider", t.Provider}, [2]string{"id", t.ID}, [2]string{"title", t.Title},
			[2]string{"status", string(t.Status)}, [2]string{"stock", stock})
	})
}

func (a *app) templateGetCmd() *cobra.Command {
	var wallet string
	c := &cobra.Command{
		Use:     "get ID",
		Short:   "Show a template (title, review status, stock)",
		Example: `  walletcard template get --wallet wechat pXYZ`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mc, err := a.wallet(cmd.Context(), wallet)
			if err != nil {
				return err
			}
			t, err := mc.(card.TemplateManager).GetTemplate(cmd.Context(), wallet, args[0])
			if err != nil {
				return err
			}
			a.printTemplate(t)
			return nil
		},
	}
	c.Flags().StringVar(&wallet, "wallet", "", "alipay or wechat (required)")
	_ = c.MarkFlagRequired("wallet")
	return c
}

func (a *app) templateListCmd() *cobra.Command {
	var wallet string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the templates of a wallet",
		Long: `List templates: Alipay template.batchquery (every page), WeChat card/batchget
(every page) with card/get for each card's title and status.`,
		Example: `  walletcard template list --wallet alipay
  walletcard template list --wallet wechat --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var out []templateJSON
			switch wallet {
			case card.Alipay:
				p, err := a.alipayProvider(ctx)
				if err != nil {
					return err
				}
				for page := 1; ; page++ {
					res, err := p.TemplateBatchQuery(ctx, alipay.TemplateBatchQueryRequest{PageNo: page, PageSize: 20})
					if err != nil {
						return err
					}
					for _, t := range res.Templates {
						out = append(out, templateJSON{Provider: card.Alipay, ID: t.TemplateID, Title: t.TemplateStyleInfo.CardShowName, Status: "-", Stock: -1})
					}
					if len(res.Templates) < 20 || len(out) >= int(res.Total) {
						break
					}
				}
			case card.WeChat:
				p, err := a.wechatProvider(ctx)
				if err != nil {
					return err
				}
				for off := 0; ; off += 50 {
					res, err := p.BatchGetCards(ctx, wechat.BatchGetCardsRequest{Offset: off, Count: 50})
					if err != nil {
						return err
					}
					for _, id := range res.CardIDList {
						t, err := p.GetTemplate(ctx, card.WeChat, id)
						if err != nil {
							return err
						}
						out = append(out, templateJSON{Provider: card.WeChat, ID: t.ID, Title: t.Title, Status: string(t.Status), Stock: t.Stock})
					}
					if len(res.CardIDList) < 50 || off+50 >= res.TotalNum {
						break
					}
				}
			default:
				return invalidArg("--wallet", "must be alipay or wechat, got %q", wallet)
			}
			if out == nil {
				out = []templateJSON{}
			}
			a.output(out, func() {
				rows := make([][]string, 0, len(out))
				for _, t := range out {
					stock := itoa64(t.Stock)
					if t.Stock < 0 {
						stock = "-"
					}
					rows = append(rows, []string{t.ID, t.Title, t.Status, stock})
				}
				a.table([]string{"ID", "TITLE", "STATUS", "STOCK"}, rows)
			})
			return nil
		},
	}
	c.Flags().StringVar(&wallet, "wallet", "", "alipay or wechat (required)")
	_ = c.MarkFlagRequired("wallet")
	return c
}
