package fleettest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/ledger"
)

// EnvVar carries a worker's Config (JSON) to a child process; its presence
// tells the child's TestMain and TestHelperProcess that they are a worker.
const EnvVar = "LEDGER_HELPER_PROCESS"

// IsHelper reports whether this process is a worker child.
func IsHelper() bool { return os.Getenv(EnvVar) != "" }

// HelperMain is the body of TestHelperProcess in a worker child: it opens
// the store with open, runs ledger.Run until SIGTERM or SIGINT, and exits
// the process (0 on a clean stop).
func HelperMain(open func(ctx context.Context, cfg Config) (ledger.Store, error)) {
	var cfg Config
	if err := json.Unmarshal([]byte(os.Getenv(EnvVar)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker: bad config:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	code := 0
	if err := runWorker(ctx, cfg, open); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		code = 1
	}
	os.Exit(code)
}

func runWorker(ctx context.Context, cfg Config, open func(ctx context.Context, cfg Config) (ledger.Store, error)) error {
	store, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	router, err := cfg.Router()
	if err != nil {
		return err
	}
	l, err := ledger.New(store, router, cfg.Options())
	if err != nil {
		return err
	}
	if err := l.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Worker is a running worker child.
type Worker struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
	out     *syncBuffer
	t       testing.TB
}

// StartWorker re-executes the test binary as a worker with cfg; the test
// package must have a TestHelperProcess calling HelperMain when IsHelper.
// The worker is killed when t ends, if still running.
func StartWorker(t testing.TB, cfg Config) *Worker {
	t.Helper()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), EnvVar+"="+string(b))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	w := &Worker{cmd: cmd, exited: make(chan struct{}), out: out, t: t}
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-w.exited:
		default:
			_ = cmd.Process.Kill()
			<-w.exited
		}
	})
	return w
}

// Kill kills the worker with SIGKILL (no chance to finish anything) and waits.
func (w *Worker) Kill() {
	w.t.Helper()
	require.NoError(w.t, w.cmd.Process.Signal(syscall.SIGKILL))
	<-w.exited
}

// Stop asks the worker to stop (SIGTERM) and waits for a clean exit.
func (w *Worker) Stop() {
	w.t.Helper()
	require.NoError(w.t, w.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-w.exited:
		require.NoError(w.t, w.waitErr, "worker output:\n%s", w.out.String())
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		w.t.Fatalf("worker did not stop; output:\n%s", w.out.String())
	}
}

// Output is what the worker printed.
func (w *Worker) Output() string { return w.out.String() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
