// Package anthropicserver is a fake Anthropic Messages API (POST
// /v1/messages) for tests. It speaks the real wire format: the message JSON,
// the server-sent event sequence (message_start, content_block_start, ping,
// content_block_delta, content_block_stop, message_delta, message_stop),
// Anthropic's error body and headers, and prompt caching of system blocks
// marked with cache_control. Faults make it slow, make it fail with any
// status, or break a stream midway (a cut connection, a stall, an `error`
// event). It records every request and every request the client abandoned.
package anthropicserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// APIVersion is the anthropic-version header the fake requires.
const APIVersion = "2023-06-01"

// DefaultAPIKey is the key the fake accepts when Config.APIKey is empty.
const DefaultAPIKey = "sk-ant-api03-fake0key0for0tests"

// Config sets the fake up; zero fields get defaults.
type Config struct {
	APIKey string // the x-api-key to accept; default DefaultAPIKey
	// DeltaDelay is the wait before each content delta of a stream.
	DeltaDelay time.Duration
	// PingInterval sends `ping` events this often while a stream waits (a
	// delta delay or a stall); 0 sends only the usual ping after the first
	// content_block_start.
	PingInterval time.Duration
	// JSONChunk is how many bytes of tool input each input_json_delta
	// carries; default 10. Text deltas are one word each.
	JSONChunk int
	// ContextWindow is the largest prompt, in tokens (4 characters each);
	// a longer one gets "prompt is too long". Default 200000.
	ContextWindow int
	// CacheMinTokens mimics the real minimum cacheable prefix: a
	// cache_control breakpoint over a shorter prefix is ignored. Default 0.
	CacheMinTokens int
}

// Reply is what the fake model answers.
type Reply struct {
	Text string // the text block (also sent with a refusal)
	// ToolInput is the input of the tool_use block sent when the request
	// forces a tool (tool_choice {type: "tool"}); default {}.
	ToolInput json.RawMessage
	// StopReason overrides the natural one (end_turn, tool_use,
	// stop_sequence, max_tokens), e.g. "refusal".
	StopReason string
	Model      string // the model reported; default the requested one
}

// StreamBreak is how a response breaks after Fault.AfterDeltas deltas.
type StreamBreak int

const (
	BreakNone StreamBreak = iota
	// BreakCut aborts the connection (no message_stop). A JSON answer
	// breaks after half its body: cut by BreakCut and BreakEnd, hanging
	// with BreakStall.
	BreakCut
	// BreakStall stops sending (no pings either) and holds the connection
	// open until the client goes away or the server closes.
	BreakStall
	// BreakEnd ends the response cleanly but early: no content_block_stop,
	// message_delta or message_stop (a proxy that gave up, say).
	BreakEnd
	// BreakError sends an `error` event (Fault.ErrorType, default
	// overloaded_error) and ends the response, as the real API does when
	// it is overloaded midway.
	BreakError
)

// Fault makes a request fail.
type Fault struct {
	// Status, when set, answers with this HTTP status and Anthropic's
	// error body {"type":"error","error":{"type","message"}}.
	Status     int
	ErrorType  string      // default from Status (rate_limit_error, overloaded_error...)
	Message    string      // default from the type
	RetryAfter string      // the retry-after header, as sent
	Header     http.Header // more response headers
	// Delay waits before answering; a client that leaves meanwhile is
	// recorded as a cancellation.
	Delay time.Duration
	// Break breaks the response after AfterDeltas content deltas.
	Break       StreamBreak
	AfterDeltas int
}

// CacheControl is a cache breakpoint on a block.
type CacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// Block is one content block of a request (text, or whatever else).
type Block struct {
	Type         string          `json:"type"`
	Text         string          `json:"text,omitempty"`
	CacheControl *CacheControl   `json:"cache_control,omitempty"`
	ID           string          `json:"id,omitempty"`
	Name         string          `json:"name,omitempty"`
	Input        json.RawMessage `json:"input,omitempty"`
}

// Blocks is a list of blocks; it also accepts the string shorthand the API
// allows for system and message content.
type Blocks []Block

// UnmarshalJSON accepts "text" or [{"type":"text","text":"..."}...].
func (b *Blocks) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = Blocks{{Type: "text", Text: s}}
		return nil
	}
	var list []Block
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*b = list
	return nil
}

// Text joins the text blocks.
func (b Blocks) Text() string {
	var sb strings.Builder
	for _, x := range b {
		sb.WriteString(x.Text)
	}
	return sb.String()
}

// Message is one turn of a request.
type Message struct {
	Role    string `json:"role"`
	Content Blocks `json:"content"`
}

// Tool is a declared tool.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// ToolChoice is how the model must use tools.
type ToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// MessagesRequest is a decoded POST /v1/messages body.
type MessagesRequest struct {
	Model         string      `json:"model"`
	MaxTokens     int         `json:"max_tokens"`
	System        Blocks      `json:"system,omitempty"`
	Messages      []Message   `json:"messages"`
	Temperature   *float64    `json:"temperature,omitempty"`
	StopSequences []string    `json:"stop_sequences,omitempty"`
	Stream        bool        `json:"stream,omitempty"`
	Tools         []Tool      `json:"tools,omitempty"`
	ToolChoice    *ToolChoice `json:"tool_choice,omitempty"`
}

// Request is a recorded request.
type Request struct {
	Index  int // from 0, in arrival order
	At     time.Time
	Path   string
	Header http.Header
	Body   MessagesRequest
	Raw    json.RawMessage // the body as sent
}

// Cancellation records a client that went away before its response was
// complete.
type Cancellation struct {
	Index int // the request's
	At    time.Time
}

// Server is the fake. Point the client's base URL at URL.
type Server struct {
	URL string

	cfg  Config
	ts   *httptest.Server
	done chan struct{}

	mu        sync.Mutex
	reply     Reply
	next      []Fault
	always    *Fault
	requests  []Request
	cancels   []Cancellation
	cacheSeen map[string]bool
}

// New starts a fake Anthropic API, closed when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.JSONChunk <= 0 {
		cfg.JSONChunk = 10
	}
	if cfg.ContextWindow <= 0 {
		cfg.ContextWindow = 200000
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), cacheSeen: map[string]bool{},
		reply: Reply{Text: "Hello! How can I help you with your code today?"}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", s.messages)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, nil)
		writeError(w, http.StatusNotFound, "not_found_error", "Not found", nil)
	})
	s.ts = httptest.NewServer(mux)
	s.URL = s.ts.URL
	t.Cleanup(s.Close)
	return s
}

// Close releases stalled and delayed handlers and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// APIKey is the key the fake accepts.
func (s *Server) APIKey() string { return s.cfg.APIKey }

// SetReply sets the answer of the following requests.
func (s *Server) SetReply(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = r
}

// FailNext makes the next requests fail, one fault each, in order.
func (s *Server) FailNext(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, f...)
}

// FailAll makes every request fail with f (after any FailNext ones) until
// Heal.
func (s *Server) FailAll(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always = &f
}

// Heal removes every fault.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next, s.always = nil, nil
}

// Requests returns what was received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// Cancellations returns the requests whose client went away midway.
func (s *Server) Cancellations() []Cancellation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Cancellation, len(s.cancels))
	copy(out, s.cancels)
	return out
}

func (s *Server) record(r *http.Request, raw []byte) int {
	req := Request{At: time.Now(), Path: r.URL.Path, Header: r.Header.Clone(), Raw: json.RawMessage(raw)}
	_ = json.Unmarshal(raw, &req.Body) // a malformed body is recorded raw and refused later
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Index = len(s.requests)
	s.requests = append(s.requests, req)
	return req.Index
}

func (s *Server) canceled(idx int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancels = append(s.cancels, Cancellation{Index: idx, At: time.Now()})
}

func (s *Server) takeFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.next) > 0 {
		f := s.next[0]
		s.next = s.next[1:]
		return f
	}
	if s.always != nil {
		return *s.always
	}
	return Fault{}
}

// errGone means the client left or the server is closing.
var errGone = errors.New("client gone")

// wait sleeps d, sending pings every PingInterval when ping is not nil.
func (s *Server) wait(ctx context.Context, d time.Duration, ping func() error) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	var tick <-chan time.Time
	if ping != nil && s.cfg.PingInterval > 0 {
		t := time.NewTicker(s.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return errGone
		case <-s.done:
			return errGone
		case <-deadline.C:
			return nil
		case <-tick:
			if err := ping(); err != nil {
				return errGone
			}
		}
	}
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	idx := s.record(r, raw)
	if err != nil {
		s.canceled(idx)
		return
	}
	ctx := r.Context()
	gone := func() {
		if ctx.Err() != nil {
			s.canceled(idx)
		}
	}

	if r.Header.Get("x-api-key") != s.cfg.APIKey {
		writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key", nil)
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required", nil)
		return
	}

	f := s.takeFault()
	if f.Delay > 0 {
		if s.wait(ctx, f.Delay, nil) != nil {
			gone()
			return
		}
	}
	if f.Status != 0 {
		h := f.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		if f.RetryAfter != "" {
			h.Set("retry-after", f.RetryAfter)
		}
		typ := f.ErrorType
		if typ == "" {
			typ = errorTypeFor(f.Status)
		}
		msg := f.Message
		if msg == "" {
			msg = messageFor(typ)
		}
		writeError(w, f.Status, typ, msg, h)
		return
	}

	req, status, typ, msg := s.validate(raw)
	if status != 0 {
		writeError(w, status, typ, msg, nil)
		return
	}
	s.mu.Lock()
	reply := s.reply
	s.mu.Unlock()
	ans := s.answer(req, reply)
	if req.Stream {
		s.stream(w, r, idx, ans, f)
	} else {
		s.writeMessage(w, r, idx, ans, f)
	}
}

// validate decodes and checks the body like the real API; status 0 means
// valid.
func (s *Server) validate(raw []byte) (MessagesRequest, int, string, string) {
	bad := func(msg string) (MessagesRequest, int, string, string) {
		return MessagesRequest{}, http.StatusBadRequest, "invalid_request_error", msg
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return bad("There was an error parsing the body: " + err.Error())
	}
	var req MessagesRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return bad("There was an error parsing the body: " + err.Error())
	}
	switch {
	case req.Model == "":
		return bad("model: Field required")
	case fields["max_tokens"] == nil:
		return bad("max_tokens: Field required")
	case req.MaxTokens < 1:
		return bad("max_tokens: Input should be greater than or equal to 1")
	case len(req.Messages) == 0:
		return bad("messages: at least one message is required")
	}
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return bad(fmt.Sprintf("messages.%d.role: Input should be 'user' or 'assistant'", i))
		}
		for j, b := range m.Content {
			if b.Type == "text" && strings.TrimSpace(b.Text) == "" {
				return bad(fmt.Sprintf("messages.%d.content.%d.text: text content blocks must contain non-whitespace text", i, j))
			}
		}
	}
	if req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1) {
		return bad("temperature: Input should be less than or equal to 1")
	}
	if req.ToolChoice != nil && req.ToolChoice.Type == "tool" {
		found := false
		for _, t := range req.Tools {
			found = found || t.Name == req.ToolChoice.Name
		}
		if !found {
			return bad("tool_choice: Tool '" + req.ToolChoice.Name + "' not found in provided tools")
		}
	}
	for i, t := range req.Tools {
		var schema struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return bad(fmt.Sprintf("tools.%d.custom.input_schema.type: Input should be 'object'", i))
		}
	}
	if p := promptTokens(req); p > s.cfg.ContextWindow {
		return bad(fmt.Sprintf("prompt is too long: %d tokens > %d maximum", p, s.cfg.ContextWindow))
	}
	return req, 0, "", ""
}

// tokens estimates like the docs' rule of thumb: 4 characters a token.
func tokens(chars int) int { return (chars + 3) / 4 }

// promptTokens counts tools, system and messages.
func promptTokens(req MessagesRequest) int {
	n := 0
	for _, t := range req.Tools {
		n += len(t.Name) + len(t.Description) + len(t.InputSchema)
	}
	n += len(req.System.Text())
	for _, m := range req.Messages {
		n += len(m.Content.Text())
	}
	return tokens(n)
}

// usage is the wire usage object.
type usage struct {
	InputTokens              int    `json:"input_tokens"`
	CacheCreationInputTokens int    `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int    `json:"cache_read_input_tokens"`
	OutputTokens             int    `json:"output_tokens"`
	ServiceTier              string `json:"service_tier,omitempty"`
}

// answer is a response ready to be sent.
type answer struct {
	id, model  string
	text       string
	tool       string          // the forced tool's name, "" for a text answer
	input      json.RawMessage // the tool input
	stopReason string
	stopSeq    *string
	usage      usage
}

func (s *Server) answer(req MessagesRequest, reply Reply) answer {
	a := answer{id: "msg_01" + randomID(22), model: req.Model, stopReason: "end_turn"}
	if reply.Model != "" {
		a.model = reply.Model
	}
	a.usage = s.promptUsage(req)
	if req.ToolChoice != nil && req.ToolChoice.Type == "tool" && reply.StopReason != "refusal" {
		a.tool, a.stopReason = req.ToolChoice.Name, "tool_use"
		a.input = reply.ToolInput
		if len(a.input) == 0 {
			a.input = json.RawMessage(`{}`)
		}
		a.usage.OutputTokens = tokens(len(a.input))
	} else {
		a.text = reply.Text
		for _, stop := range req.StopSequences {
			if i := strings.Index(a.text, stop); stop != "" && i >= 0 {
				a.text, a.stopReason = a.text[:i], "stop_sequence"
				a.stopSeq = &stop
				break
			}
		}
		if tokens(len(a.text)) > req.MaxTokens {
			cut := req.MaxTokens * 4
			for cut > 0 && !utf8.RuneStart(a.text[cut]) {
				cut--
			}
			a.text, a.stopReason, a.stopSeq = a.text[:cut], "max_tokens", nil
		}
		a.usage.OutputTokens = max(1, tokens(len(a.text)))
	}
	if reply.StopReason != "" {
		a.stopReason = reply.StopReason
	}
	return a
}

// promptUsage splits the prompt into cached and fresh tokens. The cached
// prefix runs over tools and system blocks up to the last one marked with
// cache_control: the first request with that prefix creates the cache
// entry, the following ones read it.
func (s *Server) promptUsage(req MessagesRequest) usage {
	total := promptTokens(req)
	last := -1
	for i, b := range req.System {
		if b.CacheControl != nil && b.CacheControl.Type == "ephemeral" {
			last = i
		}
	}
	if last < 0 {
		return usage{InputTokens: total, ServiceTier: "standard"}
	}
	var key strings.Builder
	key.WriteString(req.Model + "\x00")
	prefix := 0
	for _, t := range req.Tools {
		prefix += len(t.Name) + len(t.Description) + len(t.InputSchema)
		key.WriteString(t.Name + "\x00" + t.Description + "\x00" + string(t.InputSchema) + "\x00")
	}
	for _, b := range req.System[:last+1] {
		prefix += len(b.Text)
		key.WriteString(b.Text + "\x00")
	}
	cached := tokens(prefix)
	if cached < s.cfg.CacheMinTokens {
		return usage{InputTokens: total, ServiceTier: "standard"}
	}
	s.mu.Lock()
	seen := s.cacheSeen[key.String()]
	s.cacheSeen[key.String()] = true
	s.mu.Unlock()
	u := usage{InputTokens: max(0, total-cached), ServiceTier: "standard"}
	if seen {
		u.CacheReadInputTokens = cached
	} else {
		u.CacheCreationInputTokens = cached
	}
	return u
}

func (a answer) content() []map[string]any {
	if a.tool != "" {
		return []map[string]any{{"type": "tool_use", "id": "toolu_01" + randomID(22), "name": a.tool, "input": a.input}}
	}
	return []map[string]any{{"type": "text", "text": a.text}}
}

func (s *Server) writeMessage(w http.ResponseWriter, r *http.Request, idx int, a answer, f Fault) {
	body, _ := json.Marshal(map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": a.model,
		"content": a.content(), "stop_reason": a.stopReason, "stop_sequence": a.stopSeq, "usage": a.usage,
	})
	w.Header().Set("content-type", "application/json")
	w.Header().Set("request-id", "req_01"+randomID(22))
	switch f.Break {
	case BreakCut, BreakStall, BreakEnd:
		// Announce the whole body, send half of it, then break.
		w.Header().Set("content-length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		if f.Break == BreakStall {
			_ = s.wait(r.Context(), time.Hour, nil)
			if r.Context().Err() != nil {
				s.canceled(idx)
			}
			return
		}
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// sse writes one event and flushes it.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (e sse) send(name string, payload any) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", name, data); err != nil {
		return err
	}
	return e.rc.Flush()
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, idx int, a answer, f Fault) {
	ctx := r.Context()
	w.Header().Set("content-type", "text/event-stream; charset=utf-8")
	w.Header().Set("cache-control", "no-cache")
	w.Header().Set("request-id", "req_01"+randomID(22))
	w.WriteHeader(http.StatusOK)
	e := sse{w: w, rc: http.NewResponseController(w)}
	ping := func() error { return e.send("ping", map[string]string{"type": "ping"}) }
	fail := func() {
		if ctx.Err() != nil {
			s.canceled(idx)
		}
	}

	start := a.usage
	start.OutputTokens = 1
	if e.send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": a.model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": start,
	}}) != nil {
		fail()
		return
	}

	var block map[string]any
	var deltas []map[string]any
	if a.tool != "" {
		block = map[string]any{"type": "tool_use", "id": "toolu_01" + randomID(22), "name": a.tool, "input": map[string]any{}}
		// The real API opens a tool input with an empty partial_json.
		deltas = append(deltas, map[string]any{"type": "input_json_delta", "partial_json": ""})
		for in := string(a.input); in != ""; {
			n := min(len(in), s.cfg.JSONChunk)
			deltas = append(deltas, map[string]any{"type": "input_json_delta", "partial_json": in[:n]})
			in = in[n:]
		}
	} else {
		block = map[string]any{"type": "text", "text": ""}
		for _, word := range strings.SplitAfter(a.text, " ") {
			if word != "" {
				deltas = append(deltas, map[string]any{"type": "text_delta", "text": word})
			}
		}
	}
	if e.send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": block}) != nil ||
		ping() != nil {
		fail()
		return
	}

	breakNow := func(sent int) (stop bool) {
		if f.Break == BreakNone || sent != f.AfterDeltas {
			return false
		}
		switch f.Break {
		case BreakCut:
			panic(http.ErrAbortHandler)
		case BreakStall:
			_ = s.wait(ctx, time.Hour, nil)
			fail()
		case BreakEnd:
		case BreakError:
			typ := f.ErrorType
			if typ == "" {
				typ = "overloaded_error"
			}
			msg := f.Message
			if msg == "" {
				msg = messageFor(typ)
			}
			if e.send("error", errorBody(typ, msg)) != nil {
				fail()
			}
		}
		return true
	}

	for i, d := range deltas {
		if breakNow(i) {
			return
		}
		if s.cfg.DeltaDelay > 0 && s.wait(ctx, s.cfg.DeltaDelay, ping) != nil {
			fail()
			return
		}
		if e.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": d}) != nil {
			fail()
			return
		}
	}
	if breakNow(len(deltas)) {
		return
	}
	if e.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}) != nil ||
		e.send("message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": a.stopReason, "stop_sequence": a.stopSeq},
			"usage": map[string]int{"output_tokens": a.usage.OutputTokens}}) != nil ||
		e.send("message_stop", map[string]string{"type": "message_stop"}) != nil {
		fail()
	}
}

func errorBody(typ, msg string) map[string]any {
	return map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": msg}}
}

func writeError(w http.ResponseWriter, status int, typ, msg string, h http.Header) {
	for k, v := range h {
		w.Header()[k] = v
	}
	body := errorBody(typ, msg)
	body["request_id"] = "req_01" + randomID(22)
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(body)
	w.Header().Set("content-type", "application/json")
	w.Header().Set("request-id", body["request_id"].(string))
	if typ == "overloaded_error" || status >= 500 {
		w.Header().Set("x-should-retry", "true")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func errorTypeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	case 529:
		return "overloaded_error"
	}
	return "api_error"
}

func messageFor(typ string) string {
	switch typ {
	case "rate_limit_error":
		return "Number of request tokens has exceeded your per-minute rate limit"
	case "overloaded_error":
		return "Overloaded"
	case "authentication_error":
		return "invalid x-api-key"
	case "permission_error":
		return "Your API key does not have permission to use the specified resource."
	case "not_found_error":
		return "Not found"
	case "request_too_large":
		return "Request exceeds the maximum allowed number of bytes."
	case "timeout_error":
		return "Request timed out"
	case "invalid_request_error":
		return "Invalid request"
	}
	return "Internal server error"
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}
