package mock_test

import (
	"context"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

// The mock's operations through the whole pipeline (validation, keys,
// call log): the bound is 5 µs and 20 allocations each.

func BenchmarkOpen(b *testing.B) {
	p := mock.New(nil)
	tpl := template(b, p, card.TemplateSpec{})
	ctx := context.Background()
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", AuthToken: "t"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Open(ctx, req); err != nil { // no holder, no key: a new card every time
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	p := mock.New(nil)
	tpl := template(b, p, card.TemplateSpec{})
	ctx := context.Background()
	c, err := p.Open(ctx, openReq(tpl, "1"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(ctx, c.Ref); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	p := mock.New(nil)
	tpl := template(b, p, card.TemplateSpec{})
	ctx := context.Background()
	c, err := p.Open(ctx, openReq(tpl, "1"))
	if err != nil {
		b.Fatal(err)
	}
	pts := card.WholePoints(10)
	req := card.UpdateRequest{Ref: c.Ref, Points: &pts, Note: "消费获得积分"}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		pts = card.WholePoints(i)
		if _, err := p.Update(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
