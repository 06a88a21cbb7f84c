package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress modes (--progress).
const (
	progressAuto  = "auto"  // a bar on a terminal, lines otherwise
	progressBar   = "bar"   // always a bar (with rate and ETA)
	progressLines = "lines" // plain lines at every tenth and at least every 5 s
	progressNone  = "none"  // nothing (also --quiet)
)

// progress reports how far a long job is. It is safe for concurrent use.
type progress interface {
	// Update sets the items done and failed, and the total (which may grow).
	Update(done, failed, total int)
	// Finish ends the report (a final line or the full bar).
	Finish()
}

type noProgress struct{}

func (noProgress) Update(int, int, int) {}
func (noProgress) Finish()              {}

// newProgress returns the reporter --progress and --quiet ask for, writing
// to stderr. what names the job ("deposit"), unit the items ("codes").
func (a *app) newProgress(what, unit string, total int) progress {
	mode := a.progress
	if a.quiet {
		mode = progressNone
	}
	if mode == progressAuto {
		mode = progressLines
		if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = progressBar
		}
	}
	switch mode {
	case progressBar:
		return newBar(a.stderr, what, unit, total)
	case progressLines:
		return &lineProgress{w: a.stderr, what: what, unit: unit, total: total, start: time.Now(), every: 5 * time.Second}
	}
	return noProgress{}
}

// barProgress is a terminal progress bar (schollz/progressbar) with count,
// rate and ETA.
type barProgress struct {
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	w      io.Writer
	failed int
}

func newBar(w io.Writer, what, unit string, total int) *barProgress {
	b := progressbar.NewOptions64(int64(max(total, 1)),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	)
	return &barProgress{bar: b, w: w}
}

func (p *barProgress) Update(done, failed, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total > 0 && int64(total) != p.bar.GetMax64() {
		p.bar.ChangeMax(total)
	}
	if failed != p.failed {
		p.failed = failed
		p.bar.Describe(fmt.Sprintf("%d failed", failed))
	}
	_ = p.bar.Set(done)
}

func (p *barProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
	fmt.Fprintln(p.w)
}

// lineProgress prints plain lines, for logs and pipes: one at every tenth of
// the total and at least every `every`, with rate and ETA.
type lineProgress struct {
	mu          sync.Mutex
	w           io.Writer
	what, unit  string
	total       int
	done, fail  int
	base        int // done at the first update (work of an earlier run)
	started     bool
	start, last time.Time
	every       time.Duration
	tenth       int
	finished    bool
}

func (p *lineProgress) Update(done, failed, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started, p.base, p.start = true, done, time.Now()
		if total > 0 {
			p.tenth = done * 10 / total
		}
	}
	p.done, p.fail = done, failed
	if total > 0 {
		p.total = total
	}
	tenth := 0
	if p.total > 0 {
		tenth = p.done * 10 / p.total
	}
	now := time.Now()
	if tenth > p.tenth || (now.Sub(p.last) >= p.every && now.Sub(p.start) >= p.every) {
		p.tenth = tenth
		p.last = now
		if p.done < p.total {
			p.line(now)
		}
	}
}

func (p *lineProgress) line(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done-p.base) / el // display only
	}
	pct, eta := 0, "?"
	if p.total > 0 {
		pct = p.done * 100 / p.total
		if rate > 0 {
			eta = (time.Duration(float64(p.total-p.done)/rate*1e9) / time.Second * time.Second).String()
		}
	}
	failed := ""
	if p.fail > 0 {
		failed = fmt.Sprintf(", %d failed", p.fail)
	}
	fmt.Fprintf(p.w, "%s: %d/%d %s (%d%%)%s, %.0f %s/s, ETA %s\n", p.what, p.done, p.total, p.unit, pct, failed, rate, p.unit, eta)
}

func (p *lineProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	now := time.Now()
	failed := ""
	if p.fail > 0 {
		failed = fmt.Sprintf(", %d failed", p.fail)
	}
	fmt.Fprintf(p.w, "%s: %d/%d %s done%s in %s\n", p.what, p.done, p.total, p.unit, failed, now.Sub(p.start).Round(time.Millisecond))
}
