// Command chatstream is the tutor chat part of `make bench`. It starts a
// fake OpenAI-compatible upstream that emits one token every -token-delay
// (50 ms) and the real server binary pointed at it, then measures:
//
//  1. time to first token through POST /api/v1/chat/stream (auth, the
//     database writes, the generation, the hub, SSE) versus reading the same
//     fake upstream directly, alternating, as median and p99 overheads
//     (targets: < 2 ms and < 10 ms), with the medians split into before
//     the request reaches the upstream and after its first token;
//  2. -streams (1,000) concurrent streams held open: the server's resident
//     memory per stream (target: < 64 KiB);
//  3. after the clients are killed: how long until the server's goroutines
//     and the upstream's open connections are back to their baseline
//     (target: within one heartbeat interval plus 1 s).
//
// The upstream speaks HTTPS with HTTP/2 (-upstream h2, as OpenAI's and
// Anthropic's APIs do: streams share a few connections; the server trusts
// its certificate through SSL_CERT_FILE) or plain HTTP/1.1 (-upstream h1,
// as a local model server may: one connection per stream).
//
// It prints CHAT key=value lines for scripts to grep. The exit status is
// non-zero only when something broke, not for a missed target.
//
//	chatstream -bin bin/codementor -database-url ... -redis-url ...
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/codementor", "the server binary")
	dbURL := flag.String("database-url", "", "a database the server may use (throwaway)")
	redisURL := flag.String("redis-url", "redis://127.0.0.1:6379/0", "Redis URL")
	addr := flag.String("addr", "127.0.0.1:18090", "server address")
	pprofAddr := flag.String("pprof-addr", "127.0.0.1:18091", "server pprof address (goroutine counts)")
	runs := flag.Int("n", 40, "time-to-first-token runs per way")
	streams := flag.Int("streams", 1000, "concurrent streams")
	tokenDelay := flag.Duration("token-delay", 50*time.Millisecond, "upstream pause between tokens")
	heartbeat := flag.Duration("heartbeat", 15*time.Second, "the server's SSE heartbeat")
	hold := flag.Duration("hold", 0, "keep the streams held this much longer after measuring (to take profiles on -pprof-addr)")
	profiles := flag.String("profiles", "", "a directory to save the server's heap profiles in (base.pb.gz before the streams, held.pb.gz while held) and to print its memory statistics")
	settle := flag.Duration("settle", 10*time.Second, "after measuring, wait this long and print the held streams' memory again (information, 0 = skip)")
	proto := flag.String("upstream", "h2", "how the fake upstream speaks: h2 (HTTPS with HTTP/2, as OpenAI's and Anthropic's APIs do; the server trusts its certificate through SSL_CERT_FILE) or h1 (plain HTTP/1.1, as a local model server may)")
	flag.Parse()
	if *proto != "h1" && *proto != "h2" {
		fail(errors.New("-upstream is h1 or h2"))
	}
	if *dbURL == "" {
		fail(errors.New("-database-url is required"))
	}
	raiseFileLimit()
	up := newUpstream(*tokenDelay, *proto == "h2")
	defer up.close()
	srv, err := startServer(*bin, *addr, *pprofAddr, *dbURL, *redisURL, up, *heartbeat)
	fail(err)
	defer srv.stop()
	base := "http://" + *addr
	token, err := signIn(base)
	fail(err)

	// 1. Time to first token.
	var direct, relay []ttft
	for i := 0; i < *runs+3; i++ {
		d, err := up.firstTokenDirect(8)
		fail(err)
		r, err := up.firstTokenRelay(base, token, 8)
		fail(err)
		if i >= 3 { // warm-up
			direct, relay = append(direct, d), append(relay, r)
		}
	}
	dp50, dp99 := pct(totals(direct), 50), pct(totals(direct), 99)
	rp50, rp99 := pct(totals(relay), 50), pct(totals(relay), 99)
	fmt.Printf("time to first token, %d runs per way, upstream token every %s, upstream %s\n", *runs, *tokenDelay, *proto)
	fmt.Printf("  direct  p50 %8.2f ms  p99 %8.2f ms\n  relay   p50 %8.2f ms  p99 %8.2f ms\n", dp50, dp99, rp50, rp99)
	// Where the relay's time goes: until the request reaches the upstream
	// (auth, checks, reads, building the request), and from the upstream's
	// first token to the client's first delta.
	fmt.Printf("  medians before the upstream: direct %.2f ms, relay %.2f ms; after its first token: direct %.2f ms, relay %.2f ms\n",
		pct(befores(direct), 50), pct(befores(relay), 50), pct(afters(direct), 50), pct(afters(relay), 50))
	o50, o99 := rp50-dp50, rp99-dp99
	fmt.Printf("CHAT metric=ttft upstream=%s direct_p50_ms=%.2f relay_p50_ms=%.2f overhead_p50_ms=%.2f overhead_p99_ms=%.2f target_p50_ms=2 target_p99_ms=10 p50=%s p99=%s\n",
		*proto, dp50, rp50, o50, o99, verdict(o50 < 2), verdict(o99 < 10))

	// 2. Many concurrent streams.
	time.Sleep(2 * time.Second)
	baseG, err := goroutines(*pprofAddr)
	fail(err)
	baseRSS, err := rss(srv.cmd.Process.Pid)
	fail(err)
	baseConns, baseFlight := up.open.Load(), up.inflight.Load()
	if *profiles != "" {
		fail(memoryReport(*pprofAddr, *profiles, "base"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var started sync.WaitGroup
	var failed atomic.Int64
	for range *streams {
		started.Add(1)
		go func() {
			first := sync.OnceFunc(started.Done)
			defer first()
			if err := holdStream(ctx, base, token, first); err != nil && ctx.Err() == nil {
				failed.Add(1)
			}
		}()
	}
	started.Wait()
	if n := failed.Load(); n > 0 {
		fail(fmt.Errorf("%d of %d streams failed to start", n, *streams))
	}
	time.Sleep(2 * time.Second)
	heldRSS, err := rss(srv.cmd.Process.Pid)
	fail(err)
	heldG, _ := goroutines(*pprofAddr)
	perStream := float64(heldRSS-baseRSS) / float64(*streams)
	fmt.Printf("%d streams held: server RSS %d KiB -> %d KiB (%.1f KiB per stream), goroutines %d -> %d, upstream connections %d -> %d, requests %d -> %d\n",
		*streams, baseRSS>>10, heldRSS>>10, perStream/1024, baseG, heldG, baseConns, up.open.Load(), baseFlight, up.inflight.Load())
	fmt.Printf("CHAT metric=memory upstream=%s streams=%d rss_base_kib=%d rss_held_kib=%d per_stream_kib=%.1f target_kib=64 result=%s\n",
		*proto, *streams, baseRSS>>10, heldRSS>>10, perStream/1024, verdict(perStream < 64*1024))
	if *profiles != "" {
		fail(memoryReport(*pprofAddr, *profiles, "held"))
	}
	if *settle > 0 {
		// For information, not the verdict: the same streams later, once
		// the burst's idle connection workers are gone and the runtime had
		// time to return memory.
		time.Sleep(*settle)
		laterRSS, err := rss(srv.cmd.Process.Pid)
		fail(err)
		laterG, _ := goroutines(*pprofAddr)
		fmt.Printf("  %s later: server RSS %d KiB (%.1f KiB per stream), goroutines %d\n", *settle, laterRSS>>10,
			float64(laterRSS-baseRSS)/float64(*streams)/1024, laterG)
	}
	if *hold > 0 {
		fmt.Printf("holding the streams %s more (server pid %d, pprof on %s)\n", *hold, srv.cmd.Process.Pid, *pprofAddr)
		time.Sleep(*hold)
	}

	// 3. Kill the clients: back to baseline within heartbeat + 1 s? The
	// upstream's requests in flight, and over HTTP/1.1 its connections (one
	// per request; HTTP/2 multiplexes them on a few that stay open).
	killed := time.Now()
	cancel()
	limit := *heartbeat + time.Second
	var back time.Duration = -1
	for time.Since(killed) < limit+10*time.Second {
		g, err := goroutines(*pprofAddr)
		if err == nil && g <= baseG+10 && up.inflight.Load() <= baseFlight && (up.h2 || up.open.Load() <= baseConns) {
			back = time.Since(killed)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	g, _ := goroutines(*pprofAddr)
	fmt.Printf("after killing the clients: goroutines %d (baseline %d), upstream requests %d (baseline %d), connections %d (baseline %d), back after %s\n",
		g, baseG, up.inflight.Load(), baseFlight, up.open.Load(), baseConns, back.Round(time.Millisecond))
	fmt.Printf("CHAT metric=cleanup upstream=%s back_ms=%d limit_ms=%d result=%s\n", *proto, back.Milliseconds(), limit.Milliseconds(),
		verdict(back >= 0 && back <= limit))
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatstream:", err)
		os.Exit(1)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ttft is one time-to-first-token run, in milliseconds: in all, until the
// request reached the upstream, and from the upstream's first token on.
type ttft struct{ total, before, after float64 }

func totals(xs []ttft) []float64  { return field(xs, func(t ttft) float64 { return t.total }) }
func befores(xs []ttft) []float64 { return field(xs, func(t ttft) float64 { return t.before }) }
func afters(xs []ttft) []float64  { return field(xs, func(t ttft) float64 { return t.after }) }

func field(xs []ttft, f func(ttft) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// split makes a ttft of a run that started at start and saw its first
// token at first, with the upstream's timestamps of that run.
func (u *upstream) split(start, first time.Time) ttft {
	arrived, sent := time.Unix(0, u.arrived.Load()), time.Unix(0, u.firstSent.Load())
	return ttft{total: ms(first.Sub(start)), before: ms(arrived.Sub(start)), after: ms(first.Sub(sent))}
}

func pct(xs []float64, p int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// ---- the fake upstream: OpenAI's chat completions SSE ----

type upstream struct {
	srv      *httptest.Server
	h2       bool
	client   *http.Client // trusts the upstream's certificate
	certFile string       // its certificate (PEM), for the server's SSL_CERT_FILE
	url      string
	delay    time.Duration
	open     atomic.Int64 // connections
	inflight atomic.Int64 // requests being answered
	// When the latest request arrived and when its first token was
	// written (unix nanoseconds): the time-to-first-token runs are
	// sequential, so they split each run into before and after the
	// upstream.
	arrived, firstSent atomic.Int64
}

func newUpstream(delay time.Duration, h2 bool) *upstream {
	u := &upstream{delay: delay, h2: h2}
	u.srv = httptest.NewUnstartedServer(http.HandlerFunc(u.serve))
	u.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			u.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			u.open.Add(-1)
		}
	}
	if !h2 {
		u.srv.Start()
		u.url, u.client = u.srv.URL+"/v1", &http.Client{}
		return u
	}
	u.srv.EnableHTTP2 = true
	u.srv.StartTLS()
	u.url, u.client = u.srv.URL+"/v1", u.srv.Client()
	f, err := os.CreateTemp("", "chatstream-upstream-*.pem")
	fail(err)
	fail(pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: u.srv.Certificate().Raw}))
	fail(f.Close())
	u.certFile = f.Name()
	return u
}

func (u *upstream) close() {
	u.srv.Close()
	if u.certFile != "" {
		_ = os.Remove(u.certFile)
	}
}

var tokensRe = regexp.MustCompile(`TOKENS=(\d+)`)

// serve answers a streamed chat completion: one token every delay; the
// learner's message may ask for a number of tokens with TOKENS=n.
func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.arrived.Store(time.Now().UnixNano())
	u.inflight.Add(1)
	defer u.inflight.Add(-1)
	body, _ := io.ReadAll(r.Body)
	n := 600
	if m := tokensRe.FindSubmatch(body); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	chunk := func(delta string, finish any, usage any) {
		c := map[string]any{"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": "gpt-4.1-mini", "choices": []any{}}
		if usage == nil {
			c["choices"] = []any{map[string]any{"index": 0, "delta": map[string]any{"content": delta}, "finish_reason": finish}}
		} else {
			c["usage"] = usage
		}
		b, _ := json.Marshal(c)
		_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
		fl.Flush()
	}
	for i := 0; i < n; i++ {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(u.delay):
		}
		chunk("tok ", nil, nil)
		if i == 0 {
			u.firstSent.Store(time.Now().UnixNano())
		}
	}
	chunk("", "stop", nil)
	chunk("", nil, map[string]int{"prompt_tokens": 50, "completion_tokens": n, "total_tokens": 50 + n})
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	fl.Flush()
}

// firstTokenDirect reads the upstream directly until the first content.
func (u *upstream) firstTokenDirect(tokens int) (ttft, error) {
	body := fmt.Sprintf(`{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"TOKENS=%d"}]}`, tokens)
	start := time.Now()
	res, err := u.client.Post(u.url+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		return ttft{}, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	var first time.Time
	for sc.Scan() {
		if first.IsZero() && strings.Contains(sc.Text(), `"content":"tok`) {
			first = time.Now()
		}
	}
	return u.split(start, first), nil
}

// ---- the server ----

type server struct{ cmd *exec.Cmd }

func startServer(bin, addr, pprofAddr, dbURL, redisURL string, up *upstream, heartbeat time.Duration) (*server, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "HTTP_ADDR="+addr, "PPROF_ADDR="+pprofAddr, "DATABASE_URL="+dbURL, "REDIS_URL="+redisURL,
		"REDIS_KEY_PREFIX=bench-chat-"+strconv.FormatInt(time.Now().UnixNano(), 36)+":", "JWT_SECRET=bench-only-jwt-secret-0123456789-0123456789", "COOKIE_SECURE=false",
		"OPENAI_API_KEY=sk-bench", "OPENAI_BASE_URL="+up.url, "LLM_DAILY_TOKENS=1000000000",
		"CHAT_MESSAGES_PER_MINUTE=1000000", "CHAT_MAX_CONCURRENT=100000", "SSE_HEARTBEAT="+heartbeat.String(),
		"LOG_LEVEL=warn", "AUTH_RATE_LOGIN_IP=1000/1m", "AUTH_RATE_REGISTER_IP=1000/1m",
		"AUTH_RATE_LOGIN_ACCOUNT=1000/1m", "AUTH_RATE_REGISTER_ACCOUNT=1000/1m", "DB_MAX_CONNS=20",
		"HTTP_BODY_LIMIT_BYTES=1048576")
	if up.certFile != "" {
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+up.certFile)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// The server never outlives the benchmark, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 200; i++ {
		res, err := http.Get("http://" + addr + "/api/v1/health/live")
		if err == nil {
			res.Body.Close()
			return &server{cmd: cmd}, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, errors.New("the server did not start")
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

func signIn(base string) (string, error) {
	creds := `{"email":"chat-bench@codementor.test","password":"correct horse battery staple 42"}`
	reg := `{"email":"chat-bench@codementor.test","password":"correct horse battery staple 42","display_name":"Bench"}`
	if res, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(reg)); err == nil {
		res.Body.Close()
	}
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(creds))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("login failed (%d)", res.StatusCode)
	}
	return out.AccessToken, nil
}

func streamRequest(ctx context.Context, base, token string, tokens int) (*http.Response, error) {
	body := fmt.Sprintf(`{"message":"TOKENS=%d please explain slices"}`, tokens)
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/chat/stream", bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return nil, fmt.Errorf("chat/stream answered %d: %s", res.StatusCode, b)
	}
	return res, nil
}

// firstTokenRelay times POST /chat/stream until its first delta event,
// then reads the stream to its end.
func (u *upstream) firstTokenRelay(base, token string, tokens int) (ttft, error) {
	start := time.Now()
	res, err := streamRequest(context.Background(), base, token, tokens)
	if err != nil {
		return ttft{}, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	var first time.Time
	for sc.Scan() {
		if first.IsZero() && sc.Text() == "event: delta" {
			first = time.Now()
		}
	}
	return u.split(start, first), nil
}

// holdStream opens a long stream, signals its first delta and reads until
// ctx ends.
func holdStream(ctx context.Context, base, token string, firstDelta func()) error {
	res, err := streamRequest(ctx, base, token, 1200)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if sc.Text() == "event: delta" {
			firstDelta()
		}
	}
	return sc.Err()
}

// ---- measurements of the server process ----

// memoryReport prints the server's memory statistics (before and after a
// forced collection) and saves its heap profile as dir/name.pb.gz.
func memoryReport(pprofAddr, dir, name string) error {
	stats := func(q string) (string, error) {
		res, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?debug=1" + q)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			for _, k := range []string{"HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "Stack", "NextGC"} {
				if strings.HasPrefix(l, "# "+k+" = ") {
					out = append(out, strings.TrimPrefix(l, "# "))
				}
			}
		}
		return strings.Join(out, ", "), err
	}
	before, err := stats("")
	if err != nil {
		return err
	}
	res, err := http.Get("http://" + pprofAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dir+"/"+name+".pb.gz", b, 0o644); err != nil {
		return err
	}
	after, err := stats("")
	fmt.Printf("  memory %s: %s\n  memory %s after a collection: %s\n", name, before, name, after)
	return err
}

func goroutines(pprofAddr string) (int, error) {
	res, err := http.Get("http://" + pprofAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil {
		return 0, err
	}
	// "goroutine profile: total 42"
	f := strings.Fields(line)
	return strconv.Atoi(f[len(f)-1])
}

func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}
