package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/wechat"
)

func (a *app) codesCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "codes",
		Short: "WeChat card codes: deposit from a file, count, check",
		Long: `Custom codes of a WeChat deposit-mode card (base_info.get_custom_code_mode
GET_CUSTOM_CODE_MODE_DEPOSIT): users who claim the card get one of them.`,
	}
	c.AddCommand(a.codesDepositCmd(), a.codesCountCmd(), a.codesCheckCmd())
	return c
}

// maxDepositConcurrency bounds --concurrency. WeChat publishes no
// concurrency limit for code/deposit, only quotas (45009 daily, 45011 per
// minute); a handful of calls in flight is what its SDKs' users report as
// safe, and rate-limit answers are backed off and the batch resent.
const maxDepositConcurrency = 8

// depositSummary is the result of a deposit, over every run of its journal.
type depositSummary struct {
	Template        string   `json:"template"`
	Codes           int      `json:"codes"`
	Deposited       int      `json:"deposited"`
	Duplicate       int      `json:"duplicate"`
	Failed          int      `json:"failed"`
	ResentDuplicate int      `json:"resent_duplicates"`
	FailedCodes     []string `json:"failed_codes,omitempty"`
	Batches         int      `json:"batches"`
	BatchesDone     int      `json:"batches_done"`
	CallsThisRun    int      `json:"calls_this_run"`
	SkippedBatches  int      `json:"skipped_batches"`
	ResentBatches   int      `json:"resent_batches"`
	Unknown         int      `json:"unknown"` // codes of batches whose outcome is unknown
	Complete        bool     `json:"complete"`
	Interrupted     bool     `json:"interrupted"`
	Journal         string   `json:"journal"`
	WallTime        string   `json:"wall_time"`
	Error           string   `json:"error,omitempty"`
}

func (a *app) codesDepositCmd() *cobra.Command {
	var template, column, journalPath string
	var concurrency, interruptAfter int
	var restart bool
	c := &cobra.Command{
		Use:   "deposit --template CARD_ID FILE",
		Short: "Deposit codes from a CSV or text file: batches of 100, concurrent, resumable",
		Long: `Deposit custom codes into a WeChat deposit-mode card (POST /card/code/deposit)
from a text file (one code per line) or a CSV file (--column: a 1-based index,
or a header name; default the first column). Blank lines and # comments are
skipped. The whole file is checked first — codes of at most 20 bytes, no
spaces, control or invisible characters, no repeats — and so is --template;
nothing is sent if a line is bad (each is named) or the template is (exit 3).

Codes go in batches of 100 (WeChat's limit per call), --concurrency batches at
once. A journal beside the input (FILE.journal) records each batch before it
is sent and after its answer, synced to disk, so an interrupted deposit
resumes where it stopped: run the same command again. Batches answered are
not sent again; a batch whose answer never came (the process died, or WeChat
never answered) is sent again, and WeChat answers the codes it holds as
duplicates, which count as deposited for such a resent batch. The first
Ctrl-C lets the batches in flight finish and stops (exit 130); a second one
aborts them (they are resent on the next run).

The summary counts deposited, duplicate (already in the card before) and
failed (refused by WeChat) codes over every run of the journal. Exit 0 when
every code is in the card, 4 when WeChat refused some (they are listed),
5 when WeChat stayed unavailable, 6 when a batch's outcome is unknown (run
again to settle it), 130 when interrupted.`,
		Example: `  walletcard codes deposit --template pXYZ codes.txt
  walletcard codes deposit --template pXYZ export.csv --column code --concurrency 4
  walletcard codes deposit --template pXYZ codes.txt --json   # again after Ctrl-C: resumes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if concurrency < 1 || concurrency > maxDepositConcurrency {
				return invalidArg("--concurrency", "must be 1..%d, got %d", maxDepositConcurrency, concurrency)
			}
			codes, lines, err := readCodes(args[0], column)
			if err != nil {
				return err
			}
			if err := validateDeposit(template, args[0], codes, lines); err != nil {
				return err
			}
			if journalPath == "" {
				journalPath = args[0] + ".journal"
			}
			p, err := a.wechatProvider(cmd.Context())
			if err != nil {
				return err
			}
			d := &depositor{a: a, p: p, cardID: template, codes: codes, concurrency: concurrency, interruptAfter: interruptAfter}
			sum, err := d.run(cmd.Context(), journalPath, restart)
			if sum == nil {
				return err
			}
			if err != nil {
				sum.Error = err.Error()
			}
			a.printDepositSummary(sum)
			switch {
			case err != nil:
				fmt.Fprintf(a.stderr, "walletcard: %v\n", err)
				if sum.Interrupted {
					fmt.Fprintf(a.stderr, "walletcard: run the same command again to resume (journal %s)\n", sum.Journal)
				}
				return silentExit{err}
			case sum.Failed > 0:
				return silentExit{&card.Error{Provider: card.WeChat, Op: "DepositCodes", Kind: card.KindConflict, Message: fmt.Sprintf("WeChat refused %d codes", sum.Failed)}}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&template, "template", "", "the WeChat card_id of a deposit-mode card (required)")
	f.StringVar(&column, "column", "", "CSV column holding the codes: 1-based index or header name (default 1)")
	f.IntVar(&concurrency, "concurrency", 4, fmt.Sprintf("batches in flight at once (1..%d)", maxDepositConcurrency))
	f.StringVar(&journalPath, "journal", "", "journal file (default FILE.journal)")
	f.BoolVar(&restart, "restart", false, "ignore an existing journal and send every batch again")
	f.IntVar(&interruptAfter, "interrupt-after", 0, "stop as on Ctrl-C once this many batches were handed out (for tests)")
	_ = f.MarkHidden("interrupt-after")
	_ = c.MarkFlagRequired("template")
	return c
}

// depositor runs one deposit.
type depositor struct {
	a              *app
	p              *wechat.Provider
	cardID         string
	codes          []string
	concurrency    int
	interruptAfter int
}

func (d *depositor) run(ctx context.Context, journalPath string, restart bool) (*depositSummary, error) {
	start := time.Now()
	hdr := journalHeader{Version: 1, CardID: d.cardID, InputHash: codesHash(d.cardID, d.codes), Codes: len(d.codes), BatchSize: wechat.MaxCodesPerCall}
	j, known, err := openJournal(journalPath, hdr, restart)
	if err != nil {
		return nil, err
	}
	defer j.Close()

	bs := batches(d.codes)
	sum := &depositSummary{Template: d.cardID, Codes: len(d.codes), Batches: len(bs), Journal: journalPath}
	var mu sync.Mutex
	account := func(r journalRecord) {
		sum.Deposited += r.Succeeded
		sum.Duplicate += r.Duplicate
		sum.ResentDuplicate += r.Resent
		sum.Failed += len(r.Failed)
		sum.FailedCodes = append(sum.FailedCodes, r.Failed...)
		sum.BatchesDone++
	}
	var todo []int
	for i := range bs {
		if br := known[i]; br.done {
			account(br.rec)
			sum.SkippedBatches++
		} else {
			todo = append(todo, i)
		}
	}
	if sum.SkippedBatches > 0 {
		d.a.logf("walletcard: resuming from %s: %d of %d batches done", journalPath, sum.SkippedBatches, len(bs))
	}

	// stop: no new batches (first Ctrl-C, or --interrupt-after). abort: the
	// calls in flight are cut (a second Ctrl-C).
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	callCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		n := 0
		for {
			select {
			case <-sig:
				n++
				if n == 1 {
					d.a.logf("walletcard: interrupted: finishing the batches in flight (Ctrl-C again to abort them)")
				} else {
					abort()
					return
				}
			case <-callCtx.Done():
				return
			}
		}
	}()

	prog := d.a.newProgress("deposit", "codes", len(d.codes))
	codesDone := func() int { return sum.Deposited + sum.Duplicate + sum.Failed }
	prog.Update(codesDone(), sum.Failed, len(d.codes))

	next := make(chan int)
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < d.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				resent := known[i].started
				if err := j.write(journalRecord{Batch: i, State: "start"}); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					stop()
					continue
				}
				res, calls, err := d.sendBatch(callCtx, bs[i])
				mu.Lock()
				sum.CallsThisRun += calls
				if resent {
					sum.ResentBatches++
				}
				mu.Unlock()
				if err != nil {
					// Unknown: WeChat may have deposited the batch (its codes
					// are in MaybeDeposited, or the error says so). Anything
					// else was refused (by WeChat, or by the library before
					// sending): certainly not deposited, so a later send is
					// a first send again.
					unknown := errors.Is(err, card.ErrOutcomeUnknown) || (res != nil && len(res.MaybeDeposited) > 0)
					if !unknown {
						_ = j.write(journalRecord{Batch: i, State: "unsent"})
					}
					mu.Lock()
					if unknown {
						sum.Unknown += len(bs[i])
					}
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					stop()
					continue
				}
				r := journalRecord{Batch: i, State: "done", Succeeded: len(res.Succeeded), Duplicate: len(res.Duplicate), Failed: res.Failed}
				if resent {
					// The first send may have deposited them: a resent batch's
					// duplicates are its own codes.
					r.Succeeded += r.Duplicate
					r.Resent, r.Duplicate = r.Duplicate, 0
				} else {
					r.Resent = len(res.ResentDuplicates)
				}
				werr := j.write(r)
				mu.Lock()
				account(r)
				if werr != nil {
					firstErr = cmpErr(firstErr, werr)
					stop()
				}
				prog.Update(codesDone(), sum.Failed, len(d.codes))
				mu.Unlock()
			}
		}()
	}
	if d.interruptAfter > 0 && d.interruptAfter < len(todo) {
		// As a Ctrl-C that comes once this many batches were handed out:
		// they finish, nothing more is sent.
		todo = todo[:d.interruptAfter]
		defer d.a.logf("walletcard: interrupted (--interrupt-after %d)", d.interruptAfter)
	}
feed:
	for _, i := range todo {
		select {
		case next <- i:
		case <-stopCtx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	prog.Finish()

	sum.Complete = sum.BatchesDone == len(bs)
	sum.WallTime = time.Since(start).Round(time.Millisecond).String()
	if sort := sum.FailedCodes; len(sort) > 1000 {
		sum.FailedCodes = sort[:1000]
	}
	if firstErr == nil && !sum.Complete {
		sum.Interrupted = true
		return sum, fmt.Errorf("deposit %w after %d of %d batches", errInterrupted, sum.BatchesDone, len(bs))
	}
	if firstErr != nil && (errors.Is(firstErr, context.Canceled) || ctx.Err() != nil) {
		sum.Interrupted = true
		return sum, fmt.Errorf("deposit %w after %d of %d batches: %v", errInterrupted, sum.BatchesDone, len(bs), firstErr)
	}
	return sum, firstErr
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// rateLimitBackoff is how sendBatch resends a rate-limited batch: 6 calls
// in all, waiting 1 s, 2 s, 4 s, 8 s and 16 s between them (each ± 25 %
// jitter, at most 30 s).
func rateLimitBackoff() retry.Policy {
	return retry.Policy{Attempts: 6, Base: time.Second, Max: 30 * time.Second}
}

// sendBatch deposits one batch (one call, plus the library's resends of an
// answer lost or "system busy"), backing off and resending on rate limits
// (rateLimitBackoff()): a rate-limited call was not applied. It returns the
// last answer, the calls made and the last error (ctx's if it ended while
// waiting).
func (d *depositor) sendBatch(ctx context.Context, codes []string) (*wechat.DepositCodesResponse, int, error) {
	var res *wechat.DepositCodesResponse
	calls := 0
	backoff := rateLimitBackoff()
	isRateLimited := func(err error) bool { return errors.Is(err, card.ErrRateLimited) }
	err := retry.Do(ctx, backoff, isRateLimited, func(ctx context.Context) error {
		calls++
		if calls > 1 {
			d.a.vlogf("walletcard: rate limited; resending the batch (call %d of %d)", calls, backoff.Attempts)
		}
		var err error
		res, err = d.p.DepositCodes(ctx, wechat.DepositCodesRequest{CardID: d.cardID, Codes: codes})
		return err
	})
	return res, calls, err
}

func (a *app) printDepositSummary(s *depositSummary) {
	a.output(s, func() {
		state := "complete"
		if !s.Complete {
			state = fmt.Sprintf("incomplete (%d of %d batches)", s.BatchesDone, s.Batches)
		}
		a.keyValues(
			[2]string{"template", s.Template},
			[2]string{"codes", itoa(s.Codes)},
			[2]string{"deposited", itoa(s.Deposited)},
			[2]string{"duplicate", itoa(s.Duplicate)},
			[2]string{"failed", itoa(s.Failed)},
			[2]string{"state", state},
			[2]string{"calls this run", itoa(s.CallsThisRun)},
			[2]string{"wall time", s.WallTime},
			[2]string{"journal", s.Journal},
		)
		if s.ResentBatches > 0 {
			a.keyValues([2]string{"resent batches", fmt.Sprintf("%d (their duplicates counted as deposited: %d)", s.ResentBatches, s.ResentDuplicate)})
		}
		if len(s.FailedCodes) > 0 {
			shown := s.FailedCodes
			if len(shown) > 20 {
				shown = shown[:20]
			}
			a.keyValues([2]string{"failed codes", strings.Join(shown, " ")})
		}
	})
}

func (a *app) codesCountCmd() *cobra.Command {
	var template string
	c := &cobra.Command{
		Use:     "count --template CARD_ID",
		Short:   "How many codes a deposit-mode card holds (code/getdepositcount)",
		Example: `  walletcard codes count --template pXYZ`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.wechatProvider(cmd.Context())
			if err != nil {
				return err
			}
			res, err := p.GetDepositCount(cmd.Context(), wechat.GetDepositCountRequest{CardID: template})
			if err != nil {
				return err
			}
			a.output(map[string]any{"template": template, "count": res.Count}, func() {
				a.keyValues([2]string{"template", template}, [2]string{"codes", itoa64(res.Count)})
			})
			return nil
		},
	}
	c.Flags().StringVar(&template, "template", "", "the WeChat card_id (required)")
	_ = c.MarkFlagRequired("template")
	return c
}

func (a *app) codesCheckCmd() *cobra.Command {
	var template, column string
	var codes []string
	c := &cobra.Command{
		Use:   "check --template CARD_ID [FILE]",
		Short: "Check which codes a card holds (code/checkcode)",
		Long: `Check codes against the ones deposited (POST /card/code/checkcode, 100 per
call): from a file (as for deposit) or --code. Exit 0 when all are held, 4
when some are not (they are listed).`,
		Example: `  walletcard codes check --template pXYZ codes.txt
  walletcard codes check --template pXYZ --code 100001 --code 100002 --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				fromFile, _, err := readCodes(args[0], column)
				if err != nil {
					return err
				}
				codes = append(codes, fromFile...)
			}
			if len(codes) == 0 {
				return usagef("give a FILE or --code")
			}
			p, err := a.wechatProvider(cmd.Context())
			if err != nil {
				return err
			}
			res, err := p.CheckCodes(cmd.Context(), wechat.CheckCodesRequest{CardID: template, Codes: codes})
			if err != nil {
				return err
			}
			out := map[string]any{"template": template, "checked": len(codes), "exist": len(res.ExistCode), "not_exist": len(res.NotExistCode), "not_exist_codes": nonNil(res.NotExistCode)}
			a.output(out, func() {
				a.keyValues([2]string{"checked", itoa(len(codes))}, [2]string{"held", itoa(len(res.ExistCode))}, [2]string{"not held", itoa(len(res.NotExistCode))})
				if n := len(res.NotExistCode); n > 0 {
					a.keyValues([2]string{"not held codes", strings.Join(res.NotExistCode[:min(n, 20)], " ")})
				}
			})
			if len(res.NotExistCode) > 0 {
				return silentExit{&card.Error{Provider: card.WeChat, Op: "CheckCodes", Kind: card.KindNotFound, Message: fmt.Sprintf("%d codes are not held", len(res.NotExistCode))}}
			}
			return nil
		},
	}
	c.Flags().StringVar(&template, "template", "", "the WeChat card_id (required)")
	c.Flags().StringVar(&column, "column", "", "CSV column holding the codes (as for deposit)")
	c.Flags().StringArrayVar(&codes, "code", nil, "a code to check (repeatable)")
	_ = c.MarkFlagRequired("template")
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
