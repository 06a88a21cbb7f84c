package alipay

import (
	"encoding/json"
	"time"

	"github.com/walletcard/card/internal/walletrules"
)

type Benefit struct {
	TemplateID  string
	Title       string
	BenefitDesc []string
	StartDate   time.Time
	EndDate     time.Time
	// ExtInfo is JSON text, e.g. {"openUrl":"https://…"}.
	ExtInfo string
}

// MarshalJSON writes the dates in Beijing wallet time.
func (b Benefit) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		TemplateID  string   `json:"template_id,omitempty"`
		Title       string   `json:"title,omitempty"`
		BenefitDesc []string `json:"benefit_desc,omitempty"`
		StartDate   string   `json:"start_date,omitempty"`
		EndDate     string   `json:"end_date,omitempty"`
		ExtInfo     string   `json:"ext_info,omitempty"`
	}{b.TemplateID, b.Title, b.BenefitDesc, formatTime(b.StartDate), formatTime(b.EndDate), b.ExtInfo})
}

func (b Benefit) validate(ck *checker, prefix string, create bool) {
	// Alipay documents no title length (reference 1.3.14).
	if create {
		ck.required(prefix+".TemplateID", b.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
		ck.required(prefix+".Title", b.Title, 0)
	} else {
		ck.optional(prefix+".TemplateID", b.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
		ck.optional(prefix+".Title", b.Title, 0)
	}
	if !b.StartDate.IsZero() && !b.EndDate.IsZero() && b.EndDate.Before(b.StartDate) {
		ck.fail(prefix+".EndDate", "is before StartDate")
	}
	if b.ExtInfo != "" && !json.Valid([]byte(b.ExtInfo)) {
		ck.fail(prefix+".ExtInfo", "must be JSON text")
	}
}

// BenefitCreateRequest is alipay.marketing.card.benefit.create.
type BenefitCreateRequest struct {
	Benefit Benefit `json:"mcard_template_benefit"`
}

// Validate checks the documented rules.
func (r BenefitCreateRequest) Validate() error {
	ck := checker{}
	r.Benefit.validate(&ck, "Benefit", true)
	return ck.err()
}

// BenefitCreateResponse is the answer to benefit.create.
type BenefitCreateResponse struct {
	BenefitID string `json:"benefit_id"`
}

func (r *BenefitCreateResponse) check() error { return present("benefit_id", r.BenefitID) }

// BenefitModifyRequest is alipay.marketing.card.benefit.modify.
type BenefitModifyRequest struct {
	BenefitID string  `json:"benefit_id"`
	Benefit   Benefit `json:"mcard_template_benefit"`
}

// Validate checks the documented rules.
func (r BenefitModifyRequest) Validate() error {
	ck := checker{}
	ck.required("BenefitID", r.BenefitID, 64)
	r.Benefit.validate(&ck, "Benefit", false)
	return ck.err()
}

// BenefitResult is the answer to benefit.modify and benefit.delete.
type BenefitResult struct {
	Result bool
}

// UnmarshalJSON accepts result as a boolean or a string.
func (r *BenefitResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Result flexBool `json:"result"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.Result = bool(w.Result)
	return nil
}

// BenefitQueryRequest is alipay.marketing.card.benefit.query.
type BenefitQueryRequest struct {
	TemplateID string `json:"template_id,omitempty"`
	BenefitID  string `json:"benefit_id,omitempty"`
}

// Validate checks the documented rules: one of the two ids is required.
func (r BenefitQueryRequest) Validate() error {
	ck := checker{}
	if r.TemplateID == "" && r.BenefitID == "" {
		ck.fail("TemplateID", "is required (or BenefitID)")
	}
	ck.optional("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	ck.optional("BenefitID", r.BenefitID, 64)
	return ck.err()
}

// BenefitInfo is a benefit as benefit.query returns it.
type BenefitInfo struct {
	BenefitID  string
	TemplateID string
	Title      string
	// BenefitDesc is a single string in query answers.
	BenefitDesc string
	StartDate   time.Time
	EndDate     time.Time
	ExtInfo     string
}

// UnmarshalJSON reads wallet-time dates.
func (b *BenefitInfo) UnmarshalJSON(data []byte) error {
	var w struct {
		BenefitID   flexString      `json:"benefit_id"`
		TemplateID  flexString      `json:"template_id"`
		Title       string          `json:"title"`
		BenefitDesc json.RawMessage `json:"benefit_desc"`
		StartDate   flexString      `json:"start_date"`
		EndDate     flexString      `json:"end_date"`
		ExtInfo     json.RawMessage `json:"ext_info"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	s, e, err := parseSpan(w.StartDate, w.EndDate)
	if err != nil {
		return err
	}
	*b = BenefitInfo{BenefitID: string(w.BenefitID), TemplateID: string(w.TemplateID), Title: w.Title,
		BenefitDesc: rawText(w.BenefitDesc), StartDate: s, EndDate: e, ExtInfo: rawText(w.ExtInfo)}
	return nil
}

// rawText returns a JSON string's value, or other JSON as its text.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// BenefitQueryResponse is the answer to benefit.query.
type BenefitQueryResponse struct {
	Benefits []BenefitInfo `json:"mcard_template_benefit_query"`
}

// BenefitDeleteRequest is alipay.marketing.card.benefit.delete.
type BenefitDeleteRequest struct {
	TemplateID string `json:"template_id"`
	BenefitID  string `json:"benefit_id"`
}

// Validate checks the documented rules.
func (r BenefitDeleteRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	ck.required("BenefitID", r.BenefitID, 64)
	return ck.err()
}

// Image upload limits.
