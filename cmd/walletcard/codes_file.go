package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/check"
	"github.com/walletcard/card/wechat"
)

// readCodes reads the codes of a deposit or check file: a text file (one code
// per line) or, for a .csv file, one column of a CSV file (column is a
// 1-based index, or a header name, in which case the first row is the
// header). Blank lines and lines starting with # are skipped; codes are
// trimmed. It returns the codes and the line of each. Every bad line is
// reported (up to 10), naming the line: a code with a space, with a control
// or invisible formatting character (the library's content rules,
// internal/check), longer than wechat.MaxCodeLen bytes, or repeated — so
// that nothing is sent from a bad file.
func readCodes(path, column string) (codes []string, lines []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, invalidArg("FILE", "%v", err)
	}
	defer f.Close()
	isCSV := strings.EqualFold(filepath.Ext(path), ".csv") || column != ""
	var problems []string
	seen := map[string]int{}
	add := func(line int, code string) {
		code = strings.TrimSpace(code)
		if code == "" || strings.HasPrefix(code, "#") {
			return
		}
		switch p := check.Problem(code); {
		case strings.ContainsAny(code, " \t"):
			problems = append(problems, fmt.Sprintf("line %d: code %q has a space", line, code))
		case p != "":
			problems = append(problems, fmt.Sprintf("line %d: code %q %s", line, code, p))
		case len(code) > wechat.MaxCodeLen:
			problems = append(problems, fmt.Sprintf("line %d: code %q is %d bytes, WeChat allows %d", line, code, len(code), wechat.MaxCodeLen))
		case seen[code] != 0:
			problems = append(problems, fmt.Sprintf("line %d: code %q repeats line %d", line, code, seen[code]))
		default:
			seen[code] = line
			codes = append(codes, code)
			lines = append(lines, line)
		}
	}
	if isCSV {
		r := csv.NewReader(bufio.NewReader(f))
		r.FieldsPerRecord = -1
		r.Comment = '#'
		idx, header := 0, false
		if column != "" {
			if n, err := strconv.Atoi(column); err == nil {
				if n < 1 {
					return nil, nil, invalidArg("--column", "columns count from 1, got %d", n)
				}
				idx = n - 1
			} else {
				header = true
			}
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			line, _ := r.FieldPos(0)
			if err != nil {
				return nil, nil, invalidArg("FILE", "%s: %v", path, err)
			}
			if header {
				header = false
				idx = -1
				for i, h := range rec {
					if strings.TrimSpace(h) == column {
						idx = i
					}
				}
				if idx < 0 {
					return nil, nil, invalidArg("--column", "no column %q in the header of %s", column, path)
				}
				continue
			}
			if idx >= len(rec) {
				problems = append(problems, fmt.Sprintf("line %d: no column %d", line, idx+1))
				continue
			}
			add(line, rec[idx])
		}
	} else {
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			add(line, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return nil, nil, invalidArg("FILE", "%s: %v", path, err)
		}
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 10 {
			more = fmt.Sprintf(" (and %d more)", len(problems)-10)
			problems = problems[:10]
		}
		return nil, nil, &card.Error{Provider: "walletcard", Op: "read codes", Kind: card.KindInvalidArgument, Field: "FILE",
			Message: fmt.Sprintf("%s: %s%s; nothing was sent", path, strings.Join(problems, "; "), more)}
	}
	if len(codes) == 0 {
		return nil, nil, invalidArg("FILE", "%s holds no codes", path)
	}
	return codes, lines, nil
}

// validateDeposit checks the whole deposit as the library will
// (wechat.DepositCodesRequest.Validate) before anything is sent or
// journaled, so that a bad template or code is refused up front (exit 3)
// rather than when its batch comes. The complaint names --template, or the
// line of file (lines[i] is the line of codes[i]) for a code.
func validateDeposit(template, file string, codes []string, lines []int) error {
	err := wechat.DepositCodesRequest{CardID: template, Codes: codes}.Validate()
	if err == nil {
		return nil
	}
	var ce *card.Error
	if !errors.As(err, &ce) {
		return invalidArg("FILE", "%s: %v; nothing was sent", file, err)
	}
	if ce.Field == "CardID" {
		return invalidArg("--template", "%s", ce.Message)
	}
	var i int
	if _, serr := fmt.Sscanf(ce.Field, "Codes[%d]", &i); serr == nil && i >= 0 && i < len(codes) && i < len(lines) {
		return invalidArg("FILE", "%s: line %d: code %q %s; nothing was sent", file, lines[i], codes[i], ce.Message)
	}
	return invalidArg("FILE", "%s: %s: %s; nothing was sent", file, ce.Field, ce.Message)
}

// The deposit journal is a JSON-lines file beside the input
// (<input>.journal). Its first line says which deposit it belongs to; then
// a "start" record is appended (and synced) before each batch is sent and a
// "done" record after its answer. On a re-run, done batches are skipped;
// a started batch without an answer (its outcome is unknown) is sent again,
// and WeChat answers the codes it holds as duplicates, which count as
// deposited for such a resent batch.
type journalHeader struct {
	Version   int    `json:"v"`
	CardID    string `json:"card_id"`
	InputHash string `json:"input_sha256"`
	Codes     int    `json:"codes"`
	BatchSize int    `json:"batch_size"`
}

type journalRecord struct {
	Batch     int      `json:"batch"`
	State     string   `json:"state"` // "start", "done" or "unsent" (refused, certainly not deposited)
	Succeeded int      `json:"succeeded,omitempty"`
	Duplicate int      `json:"duplicate,omitempty"`
	Resent    int      `json:"resent_duplicates,omitempty"`
	Failed    []string `json:"failed,omitempty"`
}

// batchResult is what a journal knows of one batch.
type batchResult struct {
	started, done bool
	rec           journalRecord
}

func codesHash(cardID string, codes []string) string {
	h := sha256.New()
	h.Write([]byte(cardID))
	for _, c := range codes {
		h.Write([]byte{0})
		h.Write([]byte(c))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// journal appends records to the journal file, syncing each.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

// openJournal opens (or creates) the journal for hdr and returns what it
// knows of each batch. A journal for another deposit is an error unless
// restart is set, in which case it is replaced.
func openJournal(path string, hdr journalHeader, restart bool) (*journal, map[int]batchResult, error) {
	results := map[int]batchResult{}
	if restart {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, err
		}
		j := &journal{f: f}
		if err := j.write(hdr); err != nil {
			f.Close()
			return nil, nil, err
		}
		return j, results, nil
	case err != nil:
		return nil, nil, err
	}
	lines := strings.Split(string(b), "\n")
	var got journalHeader
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil || got != hdr {
		return nil, nil, invalidArg("--journal", "%s belongs to another deposit (another file, template or codes); pass --restart to start over, or remove it", path)
	}
	for i, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var r journalRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			if i == len(lines)-2 {
				break // a torn last line: the process died while writing it
			}
			return nil, nil, invalidArg("--journal", "%s: line %d is damaged; pass --restart to start over", path, i+2)
		}
		br := results[r.Batch]
		switch r.State {
		case "start":
			br.started = true
		case "unsent":
			br.started = false
		case "done":
			br.done, br.rec = true, r
		}
		results[r.Batch] = br
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, nil, err
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		if _, err := f.WriteString("\n"); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return &journal{f: f}, results, nil
}

func (j *journal) write(v any) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *journal) Close() error { return j.f.Close() }

// batches splits codes into batches of wechat.MaxCodesPerCall.
func batches(codes []string) [][]string {
	var out [][]string
	for lo := 0; lo < len(codes); lo += wechat.MaxCodesPerCall {
		out = append(out, codes[lo:min(lo+wechat.MaxCodesPerCall, len(codes))])
	}
	return out
}
