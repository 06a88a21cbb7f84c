package wechat

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTickets(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	mk := func(d CardDefinition) (string, string) {
		t.Helper()
		res, err := p.CreateCard(ctx, CreateCardRequest{Card: d})
		if err != nil {
			t.Fatal(err)
		}
		code, err := s.Claim(res.CardID, "oTicket000000000000000000000001", "")
		if err != nil {
			t.Fatal(err)
		}
		return res.CardID, code
	}
	bpID, bpCode := mk(CardDefinition{CardType: CardTypeBoardingPass, BoardingPass: &BoardingPassData{BaseInfo: catBase(), From: "广州", To: "北京", Flight: "CZ3101"}})
	mtID, mtCode := mk(CardDefinition{CardType: CardTypeMeetingTicket, MeetingTicket: &MeetingTicketData{BaseInfo: catBase(), MeetingDetail: "年会"}})
	mvID, mvCode := mk(CardDefinition{CardType: CardTypeMovieTicket, MovieTicket: &MovieTicketData{BaseInfo: catBase(), Detail: "IMAX"}})

	checkin := BoardingPassCheckinRequest{CardID: bpID, Code: bpCode, PassengerName: "张三", Class: "经济舱", ETKTBNR: "78412345678",
		Seat: "12A", Gate: "B5", BoardingTime: time.Unix(1700000000, 0)}
	if _, err := p.BoardingPassCheckin(ctx, checkin); err != nil {
		t.Fatal(err)
	}
	if _, err := p.BoardingPassCheckin(ctx, BoardingPassCheckinRequest{CardID: bpID, Code: bpCode, IsCancel: true}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	b, _ := json.Marshal(checkin)
	if !strings.Contains(string(b), `"boarding_time":1700000000`) || !strings.Contains(string(b), `"etkt_bnr":"78412345678"`) || strings.Contains(string(b), "is_cancel") {
		t.Errorf("checkin wire = %s", b)
	}

	if _, err := p.MeetingTicketUpdateUser(ctx, MeetingTicketUpdateUserRequest{CardID: mtID, Code: mtCode, Zone: "A区", Entrance: "2号门", SeatNumber: "3排5座",
		BeginTime: time.Unix(1700000000, 0), EndTime: time.Unix(1700003600, 0)}); err != nil {
		t.Fatal(err)
	}
	mv := MovieTicketUpdateUserRequest{CardID: mvID, Code: mvCode, TicketClass: "3D", ShowTime: time.Unix(1700000000, 0), Duration: 120,
		ScreeningRoom: "5号厅", SeatNumber: []string{"5排14号", "5排15号"}}
	if _, err := p.MovieTicketUpdateUser(ctx, mv); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(mv)
	if !strings.Contains(string(b), `"show_time":1700000000`) || !strings.Contains(string(b), `"seat_number":["5排14号","5排15号"]`) {
		t.Errorf("movie wire = %s", b)
	}
	// a ticket code of another type is refused by WeChat
	if _, err := p.MovieTicketUpdateUser(ctx, MovieTicketUpdateUserRequest{CardID: mtID, Code: mtCode, TicketClass: "2D", ShowTime: time.Now(), Duration: 90}); err == nil {
		t.Error("movie update on a meeting ticket succeeded")
	}

	calls := s.CallCount("")
	for _, tc := range []struct {
		field string
		req   validatable
	}{
		{"PassengerName", with(checkin, func(c *BoardingPassCheckinRequest) { c.PassengerName = "" })},
		{"PassengerName", with(checkin, func(c *BoardingPassCheckinRequest) { c.PassengerName = strings.Repeat("名", 16) })},
		{"Class", with(checkin, func(c *BoardingPassCheckinRequest) { c.Class = "超级豪华头等舱" })},
		{"ETKTBNR", with(checkin, func(c *BoardingPassCheckinRequest) { c.ETKTBNR = "123456789012345" })},
		{"ETKTBNR", with(checkin, func(c *BoardingPassCheckinRequest) { c.ETKTBNR = "78412-345" })},
		{"Code", with(checkin, func(c *BoardingPassCheckinRequest) { c.Code = "" })},
		{"SeatNumber", MeetingTicketUpdateUserRequest{Code: mtCode, Zone: "A", Entrance: "1"}},
		{"TicketClass", with(mv, func(m *MovieTicketUpdateUserRequest) { m.TicketClass = "" })},
		{"ShowTime", with(mv, func(m *MovieTicketUpdateUserRequest) { m.ShowTime = time.Time{} })},
		{"Duration", with(mv, func(m *MovieTicketUpdateUserRequest) { m.Duration = 0 })},
	} {
		op, err := sendTyped(ctx, p, tc.req)
		catWantInvalid(t, err, op, tc.field)
	}
	if s.CallCount("") != calls {
		t.Error("an invalid ticket request was sent")
	}
}
