package wechat

// Special tickets: /card/boardingpass/checkin, /card/meetingticket/updateuser
// and /card/movieticket/updateuser (reference rows 37–39, §3.17).

import (
	"context"
	"fmt"
	"time"
)

// BoardingPassCheckinRequest checks a passenger in (row 37). With IsCancel the
// pass returns to not-checked-in and the other fields are ignored.
type BoardingPassCheckinRequest struct {
	Code   string `json:"code"`
	CardID string `json:"card_id,omitempty"`
	// PassengerName is ≤ 15 Chinese characters; required unless IsCancel.
	PassengerName string `json:"passenger_name,omitempty"`
	// Class is the cabin class, ≤ 5 Chinese characters; required unless IsCancel.
	Class string `json:"class,omitempty"`
	// ETKTBNR is the e-ticket number, ≤ 14 digits; required unless IsCancel.
	ETKTBNR      string    `json:"etkt_bnr,omitempty"`
	Seat         string    `json:"seat,omitempty"`
	Gate         string    `json:"gate,omitempty"`
	BoardingTime time.Time `json:"-"` // boarding_time (unix)
	IsCancel     bool      `json:"is_cancel,omitempty"`
	QRCodeData   string    `json:"qrcode_data,omitempty"`
}

// MarshalJSON sends BoardingTime as unix seconds.
func (r BoardingPassCheckinRequest) MarshalJSON() ([]byte, error) {
	type plain BoardingPassCheckinRequest
	return catMarshal(struct {
		plain
		BoardingTime int64 `json:"boarding_time,omitempty"`
	}{plain(r), catUnix(r.BoardingTime)})
}

// Validate checks the §3.17 limits.
func (r BoardingPassCheckinRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	need := !r.IsCancel
	v.zh("PassengerName", r.PassengerName, need, 15)
	v.zh("Class", r.Class, need, 5)
	switch {
	case r.ETKTBNR == "":
		if need {
			v.fail("ETKTBNR", "is required")
		}
	case len(r.ETKTBNR) > 14:
		v.fail("ETKTBNR", "is %d digits, the limit is 14", len(r.ETKTBNR))
	default:
		for i := 0; i < len(r.ETKTBNR); i++ {
			if r.ETKTBNR[i] < '0' || r.ETKTBNR[i] > '9' {
				v.fail("ETKTBNR", "must hold only digits, got %q", r.ETKTBNR)
				break
			}
		}
	}
	return v.err()
}

// BoardingPassCheckinResponse is empty.
type BoardingPassCheckinResponse struct{}

// BoardingPassCheckin checks in a boarding pass (POST /card/boardingpass/checkin).
func (p *Provider) BoardingPassCheckin(ctx context.Context, req BoardingPassCheckinRequest) (*BoardingPassCheckinResponse, error) {
	return invoke[BoardingPassCheckinResponse](ctx, p, "BoardingPassCheckin", "/card/boardingpass/checkin", req)
}

// MeetingTicketUpdateUserRequest sets a meeting ticket's seat (row 38).
type MeetingTicketUpdateUserRequest struct {
	Code       string    `json:"code"`
	CardID     string    `json:"card_id,omitempty"`
	Zone       string    `json:"zone"`        // required
	Entrance   string    `json:"entrance"`    // required
	SeatNumber string    `json:"seat_number"` // required
	BeginTime  time.Time `json:"-"`           // begin_time (unix), optional
	EndTime    time.Time `json:"-"`           // end_time (unix), optional
}

// MarshalJSON sends the times as unix seconds.
func (r MeetingTicketUpdateUserRequest) MarshalJSON() ([]byte, error) {
	type plain MeetingTicketUpdateUserRequest
	return catMarshal(struct {
		plain
		BeginTime int64 `json:"begin_time,omitempty"`
		EndTime   int64 `json:"end_time,omitempty"`
	}{plain(r), catUnix(r.BeginTime), catUnix(r.EndTime)})
}

// Validate checks the required fields.
func (r MeetingTicketUpdateUserRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	v.str("Zone", r.Zone, true, 1<<10)
	v.str("Entrance", r.Entrance, true, 1<<10)
	v.str("SeatNumber", r.SeatNumber, true, 1<<10)
	if !r.BeginTime.IsZero() && !r.EndTime.IsZero() && !r.EndTime.After(r.BeginTime) {
		v.fail("EndTime", "must be after BeginTime")
	}
	return v.err()
}

// MeetingTicketUpdateUserResponse is empty.
type MeetingTicketUpdateUserResponse struct{}

// MeetingTicketUpdateUser updates a meeting ticket (POST /card/meetingticket/updateuser).
func (p *Provider) MeetingTicketUpdateUser(ctx context.Context, req MeetingTicketUpdateUserRequest) (*MeetingTicketUpdateUserResponse, error) {
	return invoke[MeetingTicketUpdateUserResponse](ctx, p, "MeetingTicketUpdateUser", "/card/meetingticket/updateuser", req)
}

// MovieTicketUpdateUserRequest sets a movie ticket's show (row 39).
type MovieTicketUpdateUserRequest struct {
	Code   string `json:"code"`
	CardID string `json:"card_id,omitempty"`
	// TicketClass is e.g. "2D" or "3D"; required (41014).
	TicketClass string `json:"ticket_class"`
	// ShowTime is required (41015); unix on the wire.
	ShowTime time.Time `json:"-"`
	// Duration is the film's length in minutes; required.
	Duration      int      `json:"duration"`
	ScreeningRoom string   `json:"screening_room,omitempty"`
	SeatNumber    []string `json:"seat_number,omitempty"`
}

// MarshalJSON sends ShowTime as unix seconds.
func (r MovieTicketUpdateUserRequest) MarshalJSON() ([]byte, error) {
	type plain MovieTicketUpdateUserRequest
	return catMarshal(struct {
		plain
		ShowTime int64 `json:"show_time"`
	}{plain(r), catUnix(r.ShowTime)})
}

// Validate checks the required fields.
func (r MovieTicketUpdateUserRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	v.str("TicketClass", r.TicketClass, true, 1<<10)
	if r.ShowTime.IsZero() || r.ShowTime.Unix() <= 0 {
		v.fail("ShowTime", "is required")
	}
	if r.Duration <= 0 {
		v.fail("Duration", "must be a positive number of minutes, got %d", r.Duration)
	}
	for i, s := range r.SeatNumber {
		v.str(fmt.Sprintf("SeatNumber[%d]", i), s, true, 1<<10)
	}
	return v.err()
}

// MovieTicketUpdateUserResponse is empty.
type MovieTicketUpdateUserResponse struct{}

// MovieTicketUpdateUser updates a movie ticket (POST /card/movieticket/updateuser).
func (p *Provider) MovieTicketUpdateUser(ctx context.Context, req MovieTicketUpdateUserRequest) (*MovieTicketUpdateUserResponse, error) {
	return invoke[MovieTicketUpdateUserResponse](ctx, p, "MovieTicketUpdateUser", "/card/movieticket/updateuser", req)
}
