// Package redistest starts a real redis-server for tests: on a free loopback
// port, in a temporary directory, with persistence off, stopped at cleanup.
// A test that needs Redis fails (it never skips) when the server cannot be
// started; CI installs redis-server with apt (see .ci/run).
//
// It speaks just enough of the Redis protocol (PING) to know the server is up,
// so it does not depend on a Redis client library.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one redis-server process owned by a test.
type Server struct {
	tb      testing.TB
	bin     string
	dir     string
	port    int
	cluster bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *os.File
}

// startTimeout bounds how long a start waits for the server to answer PING.
const startTimeout = 10 * time.Second

// Binary returns the path of redis-server: $REDIS_SERVER, else the one on
// PATH, else /usr/bin/redis-server.
func Binary() (string, error) {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	const fallback = "/usr/bin/redis-server"
	if _, err := os.Stat(fallback); err == nil {
		return fallback, nil
	}
	return "", errors.New("redis-server not found on PATH or at /usr/bin/redis-server (install it: apt-get install -y redis-server)")
}

// Start starts redis-server on a free loopback port and stops it when the
// test ends. It fails the test (t.Fatal) if the server cannot be started.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, false)
}

// StartCluster starts a one-node Redis Cluster (cluster mode, every hash
// slot assigned to the node) on a free loopback port. It enforces what a
// real cluster enforces on one client call, such as CROSSSLOT errors for
// scripts whose keys hash to different slots.
func StartCluster(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, true)
}

func start(tb testing.TB, cluster bool) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), cluster: cluster}
	tb.Cleanup(s.Stop)
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			last = err
			continue
		}
		s.port = port
		if last = s.start(); last == nil {
			return s
		}
	}
	tb.Fatalf("redistest: cannot start redis-server: %v", last)
	return nil
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's TCP port; it stays the same across Stop and Restart.
func (s *Server) Port() int { return s.port }

// start runs redis-server on s.port and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("already running")
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "no",
		"--protected-mode", "yes",
	}
	if s.cluster {
		_ = os.Remove(filepath.Join(s.dir, "nodes.conf")) // a restarted node starts empty
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(s.dir, "nodes.conf"))
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(s.Addr()); err == nil {
			if s.cluster {
				if err := assignAllSlots(s.Addr(), deadline); err != nil {
					_ = cmd.Process.Kill()
					<-done
					logf.Close()
					return err
				}
			}
			s.cmd, s.done, s.log = cmd, done, logf
			return nil
		}
		select {
		case <-done:
			logf.Close()
			return fmt.Errorf("redis-server exited at start: %s", s.tail())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			logf.Close()
			return fmt.Errorf("redis-server did not answer PING within %v: %s", startTimeout, s.tail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tail returns the last lines of the server log, for error messages.
func (s *Server) tail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// assignAllSlots gives every hash slot to the one node and waits until
// the cluster state is ok.
func assignAllSlots(addr string, deadline time.Time) error {
	if _, err := Command(addr, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		return fmt.Errorf("assigning cluster slots: %w", err)
	}
	for {
		info, err := Command(addr, "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster state not ok: %q %v", info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Command sends one command to the server at addr and returns its reply
// (a status, integer or bulk string reply; an error reply is an error).
// It is enough for test setup; use a Redis client for anything else.
func Command(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unsupported reply %q", line)
}

// ping sends PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("unexpected answer %q", strings.TrimSpace(line))
	}
	return nil
}

// Stop ends the server (SIGKILL: persistence is off, nothing is lost that a
// test could rely on) and waits for it to exit. Calling Stop on a stopped
// server does nothing. Data is gone after Stop.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.log.Close()
	s.cmd, s.done, s.log = nil, nil, nil
}

// Restart starts a stopped server again on the same port (empty). It fails
// the test if the server cannot be started.
func (s *Server) Restart() {
	s.tb.Helper()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port may linger for a moment
	}
	s.tb.Fatalf("redistest: cannot restart redis-server on port %d: %v", s.port, err)
}

// Running reports whether the server process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}
