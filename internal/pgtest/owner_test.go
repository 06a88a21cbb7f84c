//go:build unix

package pgtest_test

import (
	"os"
	"syscall"
)

func ownerUID(fi os.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return 0
}
