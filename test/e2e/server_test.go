package e2e

import (
	"bufio"
	"encoding/json"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/testenv"
)

// server is a running codementor binary.
type server struct {
	base string
	env  []string // the environment it was started with
	cmd  *exec.Cmd
	done chan error
	mu   sync.Mutex
	out  strings.Builder
}

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// stop sends SIGTERM and returns the process's exit error (nil = code 0).
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(25 * time.Second):
		_ = s.cmd.Process.Kill()
		return <-s.done
	}
}

// freePort finds a port to listen on, so the server's public URL (which
// OAuth callbacks need) is known before it starts.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var servers atomic.Int32

// startServer runs `codementor serve` on a fresh database (unless env
// names one) and Redis prefix, and waits until it listens.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	// Each server's sandbox slots run as uids of their own, so parallel
	// servers never share a process limit or signal each other's runs.
	uidBase := 600000 + 100*int(servers.Add(1))
	full := environ("DATABASE_URL="+testenv.PostgresURL(t), "REDIS_URL="+testenv.RedisURL(t),
		"SANDBOX_UID_BASE="+strconv.Itoa(uidBase),
		"REDIS_KEY_PREFIX="+testenv.RedisPrefix(t), "HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"PUBLIC_URL="+base, "LOG_FORMAT=json", "LOG_FLUSH_INTERVAL=20ms", "COOKIE_SECURE=false")
	full = append(full, env...)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = full
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	s := &server{base: base, cmd: cmd, done: make(chan error, 1), env: full}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "listening" {
				once.Do(func() { close(listening) })
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs())
		}
	})
	select {
	case <-listening:
	case err := <-s.done:
		t.Fatalf("server exited early (%v):\n%s", err, s.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start listening:\n%s", s.logs())
	}
	return s
}
