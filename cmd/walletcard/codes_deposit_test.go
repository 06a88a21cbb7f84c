package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestReadCodesAppliesTheLibrarysContentRules: a code the library refuses
// for its content (a control or invisible formatting character) is refused
// by readCodes, naming the line, as a long or repeated one is.
func TestReadCodesAppliesTheLibrarysContentRules(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "codes.txt")
	require.NoError(t, os.WriteFile(path, []byte("A1\nA\u200b2\nA\x013\n\xff\nA1\n"+strings.Repeat("9", wechat.MaxCodeLen+1)+"\nA 7\n"), 0o644))
	_, _, err := readCodes(path, "")
	require.Error(t, err)
	assert.Equal(t, card.KindInvalidArgument, card.KindOf(err))
	msg := err.Error()
	for _, want := range []string{
		`line 2: code "A\u200b2" contains the invisible formatting character U+200B`,
		`line 3: code "A\x013" contains the control character U+0001`,
		`line 4: code "\xff" is not valid UTF-8`,
		`line 5: code "A1" repeats line 1`,
		`line 6: code "999999999999999999999" is 21 bytes, WeChat allows 20`,
		`line 7: code "A 7" has a space`,
		"nothing was sent",
	} {
		assert.Contains(t, msg, want)
	}
}

// TestValidateDepositNamesTheFlagOrLine: the whole request is checked
// with the library's Validate before anything is sent; its complaint names
// --template or the file's line, not the request's field.
func TestValidateDepositNamesTheFlagOrLine(t *testing.T) {
	err := validateDeposit(strings.Repeat("p", 42), "codes.txt", []string{"A1"}, []int{1})
	require.Error(t, err)
	assert.Equal(t, card.KindInvalidArgument, card.KindOf(err))
	assert.Contains(t, err.Error(), "--template: is 42 bytes, the limit is 32")

	err = validateDeposit("pCard", "codes.txt", []string{"A1", "B\u200b2"}, []int{3, 9})
	require.Error(t, err)
	assert.Equal(t, card.KindInvalidArgument, card.KindOf(err))
	assert.Contains(t, err.Error(), `FILE: codes.txt: line 9: code "B\u200b2" contains the invisible formatting character U+200B; nothing was sent`)

	assert.NoError(t, validateDeposit("pCard", "codes.txt", []string{"A1"}, []int{1}))
}

// TestDepositRefusedBatchIsUnsent: a batch the library refuses without
// sending it (here its own Validate, which the command runs up front, so
// only the depositor itself can meet it) is certainly not deposited: the
// journal records it "unsent" and the summary counts no code unknown.
func TestDepositRefusedBatchIsUnsent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := wechattest.NewServer(nil)
	t.Cleanup(srv.Close)
	p, err := wechat.NewFromCredentials(srv.AppID(), srv.AppSecret(), &wechat.Options{BaseURL: srv.URL()})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logo.png"), mustPNG(t), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "deposit.yaml"), []byte(depositCardYAML), 0o644))
	tf, err := readTemplateFile(filepath.Join(dir, "deposit.yaml"))
	require.NoError(t, err)
	tpl, err := createWeChatTemplate(ctx, p, tf, dir)
	require.NoError(t, err)

	codes := make([]string, 250)
	for i := range codes {
		codes[i] = fmt.Sprintf("Z%08d", i)
	}
	codes[150] += "\u200b" // batch 1 (0-based) is refused by Validate
	var stderr bytes.Buffer
	d := &depositor{a: &app{stderr: &stderr, quiet: true}, p: p, cardID: tpl.ID, codes: codes, concurrency: 1}
	journalPath := filepath.Join(dir, "codes.txt.journal")
	sum, err := d.run(ctx, journalPath, false)
	require.Error(t, err)
	require.NotNil(t, sum)
	assert.Equal(t, card.KindInvalidArgument, card.KindOf(err))
	assert.Equal(t, 100, sum.Deposited, "batch 0 went before the refused batch 1")
	assert.Zero(t, sum.Unknown, "a batch refused before it was sent is not of unknown outcome")
	j, err := os.ReadFile(journalPath)
	require.NoError(t, err)
	assert.Contains(t, string(j), `{"batch":1,"state":"unsent"}`)
}
