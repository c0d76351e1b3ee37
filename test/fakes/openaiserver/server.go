// Package openaiserver runs a fake OpenAI-compatible server for tests. It
// speaks the real wire format of POST {prefix}/chat/completions: a JSON
// chat.completion, or with "stream": true server-sent events, one
// chat.completion.chunk per `data:` line (the role first, then the content
// deltas, then the finish reason), a final chunk with empty choices and the
// usage when stream_options.include_usage is set, and `data: [DONE]`.
// Failures use OpenAI's error body ({"error": {"message", "type", "param",
// "code"}}) and headers (retry-after). Replies are scripted, one per request
// (a queue, then a function, then a default), and can misbehave: answer late,
// break the connection midway, end without finishing, or stall. Every request
// is recorded, decoded, with the moment the server saw the client go away.
package openaiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Config sets the server up; the zero value accepts any key under /v1.
type Config struct {
	// APIKey is the key wanted as "Authorization: Bearer <key>"; "" accepts
	// any request, with or without the header (as Ollama does).
	APIKey string
	// PathPrefix is where the API lives, default "/v1"; URL() includes it.
	PathPrefix string
	// Respond answers requests when the queue is empty; nil answers
	// DefaultText.
	Respond func(Request) Reply
}

// DefaultText is the answer when nothing else is scripted.
const DefaultText = "This is the fake model's answer."

// Usage is what a reply reports as consumed.
type Usage struct {
	Prompt     int
	Completion int
	Cached     int // prompt_tokens_details.cached_tokens
}

// FaultMode is how a streamed reply fails.
type FaultMode int

const (
	// FaultBreak aborts the connection mid-body, as when a proxy or the
	// server dies: the client reads an unexpected EOF.
	FaultBreak FaultMode = iota + 1
	// FaultEnd ends the body cleanly but early: no finish reason, no usage,
	// no [DONE].
	FaultEnd
	// FaultStall sends nothing more and holds the connection open until
	// the client goes away (or the server closes).
	FaultStall
	// FaultErrorEvent sends Reply.Error as an error event (`data:
	// {"error": {...}}`, as OpenRouter reports upstream failures mid-stream),
	// then ends the body.
	FaultErrorEvent
)

// StreamFault makes a streamed reply fail after its first After content
// chunks (the opening role chunk does not count).
type StreamFault struct {
	After int
	Mode  FaultMode
}

// APIError is OpenAI's error object.
type APIError struct {
	Message string
	Type    string
	Code    string // "" is sent as null
	Param   string // "" is sent as null
}

// Reply scripts the answer to one request. The zero value answers
// DefaultText, finishing with "stop".
type Reply struct {
	// Status, when not 2xx, answers with Error as OpenAI's error body.
	Status int
	Error  APIError
	// Header is added to the response (e.g. "Retry-After": "7").
	Header http.Header
	// Delay holds the answer (its headers) back this long, or until the
	// client goes away.
	Delay time.Duration

	Text string // the message content ("" with no Chunks and no Refusal means DefaultText)
	// Chunks are the streamed content deltas; nil splits Text after each
	// space. Their concatenation should equal Text.
	Chunks     []string
	ChunkDelay time.Duration // between streamed chunks
	Refusal    string        // message.refusal, as structured outputs refuse
	// FinishReason is "stop" unless set ("length", "content_filter",
	// "tool_calls").
	FinishReason string
	Model        string // the model reported; default the requested one
	// Usage is reported as is; nil counts words of the prompt and chunks of
	// the answer.
	Usage *Usage
	// NoUsage leaves usage out even when asked for, as some servers do.
	NoUsage bool
	// Fault makes a streamed reply fail midway.
	Fault *StreamFault
}

// Message is one decoded chat message of a request.
type Message struct {
	Role    string
	Content string
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Raw    []byte         // the body as sent
	Body   map[string]any // the body decoded; nil if it was not a JSON object

	Model        string
	Messages     []Message
	Stream       bool
	IncludeUsage bool // stream_options.include_usage

	ReceivedAt time.Time
	// CanceledAt is when the server saw the client go away before the
	// answer was complete; zero if it did not.
	CanceledAt time.Time
}

// Server is a fake OpenAI-compatible API.
type Server struct {
	srv    *httptest.Server
	cfg    Config
	quit   chan struct{}
	nextID atomic.Int64

	mu       sync.Mutex
	queue    []Reply
	requests []*Request
	canceled chan struct{} // closed at the first cancellation
}

// New starts a server, closed when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.PathPrefix == "" {
		cfg.PathPrefix = "/v1"
	}
	cfg.PathPrefix = "/" + strings.Trim(cfg.PathPrefix, "/")
	s := &Server{cfg: cfg, quit: make(chan struct{}), canceled: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.quit) // stalled and delayed handlers return, so Close does not wait on them
		s.srv.Close()
	})
	return s
}

// URL is the API's base URL, prefix included, e.g. http://127.0.0.1:41234/v1.
func (s *Server) URL() string { return s.srv.URL + s.cfg.PathPrefix }

// Enqueue scripts the next replies, answered in order before Respond.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Messages = slices.Clone(r.Messages)
	}
	return out
}

// Canceled is closed when the server first sees a client go away before
// its answer was complete.
func (s *Server) Canceled() <-chan struct{} { return s.canceled }

// Errorf builds an error reply with OpenAI's error body.
func Errorf(status int, typ, code, format string, args ...any) Reply {
	return Reply{Status: status, Error: APIError{Type: typ, Code: code, Message: fmt.Sprintf(format, args...)}}
}

// RateLimited is OpenAI's 429 with a Retry-After header (seconds or an
// HTTP date).
func RateLimited(retryAfter string) Reply {
	r := Errorf(http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
		"Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.")
	r.Header = http.Header{"Retry-After": {retryAfter}}
	return r
}

// ContextTooLong is OpenAI's 400 for a prompt over the model's window.
func ContextTooLong() Reply {
	r := Errorf(http.StatusBadRequest, "invalid_request_error", "context_length_exceeded",
		"This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.")
	r.Error.Param = "messages"
	return r
}

// ServerError is OpenAI's 500.
func ServerError() Reply {
	return Errorf(http.StatusInternalServerError, "server_error", "",
		"The server had an error while processing your request. Sorry about that!")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: body, ReceivedAt: time.Now()}
	decodeInto(req, body)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	// The request's context ends when the client goes away, or after this
	// handler returns: finished tells the two apart. The watcher stamps the
	// moment; the deferred check catches a handler that saw it first.
	var finished atomic.Bool
	defer func() {
		if r.Context().Err() != nil {
			s.markCanceled(req)
		}
		finished.Store(true)
	}()
	go func() {
		<-r.Context().Done()
		if !finished.Load() {
			s.markCanceled(req)
		}
	}()

	switch {
	case r.URL.Path != s.cfg.PathPrefix+"/chat/completions":
		writeError(w, http.StatusNotFound, nil, APIError{Type: "invalid_request_error",
			Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path)})
		return
	case r.Method != http.MethodPost:
		writeError(w, http.StatusMethodNotAllowed, nil, APIError{Type: "invalid_request_error",
			Message: fmt.Sprintf("Invalid method for URL (%s %s)", r.Method, r.URL.Path)})
		return
	}
	if s.cfg.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.APIKey {
		// OpenAI masks most of the key it echoes; this fake echoes all of
		// it, so a client that shows the server's message gets caught.
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		writeError(w, http.StatusUnauthorized, nil, APIError{Type: "invalid_request_error", Code: "invalid_api_key",
			Message: fmt.Sprintf("Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", got)})
		return
	}
	if msg := validate(req); msg != "" {
		writeError(w, http.StatusBadRequest, nil, APIError{Type: "invalid_request_error", Message: msg})
		return
	}

	reply := s.next(*req)
	if !s.wait(r, reply.Delay) {
		return
	}
	if reply.Status != 0 && (reply.Status < 200 || reply.Status > 299) {
		writeError(w, reply.Status, reply.Header, reply.Error)
		return
	}
	id := fmt.Sprintf("chatcmpl-fake%06d", s.nextID.Add(1))
	if reply.Model == "" {
		reply.Model = req.Model
	}
	if reply.FinishReason == "" {
		reply.FinishReason = "stop"
	}
	if reply.Text == "" && reply.Chunks == nil && reply.Refusal == "" {
		reply.Text = DefaultText
	}
	if reply.Chunks == nil && reply.Text != "" {
		reply.Chunks = strings.SplitAfter(reply.Text, " ")
	}
	if reply.Usage == nil {
		reply.Usage = &Usage{Prompt: promptWords(req.Messages), Completion: len(reply.Chunks)}
	}
	if req.Stream {
		s.stream(w, r, req, reply, id)
		return
	}
	s.complete(w, reply, id)
}

func (s *Server) next(req Request) Reply {
	s.mu.Lock()
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return r
	}
	s.mu.Unlock()
	if s.cfg.Respond != nil {
		return s.cfg.Respond(req)
	}
	return Reply{}
}

func (s *Server) markCanceled(req *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.CanceledAt.IsZero() {
		req.CanceledAt = time.Now()
	}
	select {
	case <-s.canceled:
	default:
		close(s.canceled)
	}
}

// wait sleeps d, and reports false if the client went away meanwhile.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.quit:
		return false
	}
}

func (s *Server) complete(w http.ResponseWriter, reply Reply, id string) {
	var content any = reply.Text
	if reply.Text == "" && reply.Refusal != "" {
		content = nil
	}
	var refusal any
	if reply.Refusal != "" {
		refusal = reply.Refusal
	}
	out := map[string]any{
		"id":      id,
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   reply.Model,
		"choices": []any{map[string]any{
			"index": 0,
			"message": map[string]any{
				"role":        "assistant",
				"content":     content,
				"refusal":     refusal,
				"annotations": []any{},
			},
			"logprobs":      nil,
			"finish_reason": reply.FinishReason,
		}},
		"service_tier":       "default",
		"system_fingerprint": "fp_fake0000",
	}
	if !reply.NoUsage {
		out["usage"] = usageJSON(*reply.Usage)
	}
	for k, v := range reply.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_"+id)
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *Request, reply Reply, id string) {
	flusher, _ := w.(http.Flusher)
	for k, v := range reply.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Request-Id", "req_"+id)
	w.WriteHeader(http.StatusOK)

	created := time.Now().Unix()
	send := func(choices []any, usage any) bool {
		chunk := map[string]any{
			"id":                 id,
			"object":             "chat.completion.chunk",
			"created":            created,
			"model":              reply.Model,
			"service_tier":       "default",
			"system_fingerprint": "fp_fake0000",
			"choices":            choices,
		}
		if req.IncludeUsage {
			chunk["usage"] = usage // null on every chunk but the last
		}
		b, _ := json.Marshal(chunk)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return r.Context().Err() == nil
	}
	choice := func(delta map[string]any, finish any) []any {
		return []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}
	}

	if !send(choice(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil), nil) {
		return
	}
	pieces := reply.Chunks
	if reply.Refusal != "" {
		pieces = append(slices.Clone(pieces), "")
	}
	for i, piece := range pieces {
		if reply.Fault != nil && i == reply.Fault.After {
			s.fault(w, r, reply)
			return
		}
		if i > 0 && !s.wait(r, reply.ChunkDelay) {
			return
		}
		delta := map[string]any{"content": piece}
		if reply.Refusal != "" && i == len(pieces)-1 {
			delta = map[string]any{"refusal": reply.Refusal}
		}
		if !send(choice(delta, nil), nil) {
			return
		}
	}
	if reply.Fault != nil && reply.Fault.After >= len(pieces) {
		s.fault(w, r, reply)
		return
	}
	if !send(choice(map[string]any{}, reply.FinishReason), nil) {
		return
	}
	if req.IncludeUsage && !reply.NoUsage {
		if !send([]any{}, usageJSON(*reply.Usage)) {
			return
		}
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

func (s *Server) fault(w http.ResponseWriter, r *http.Request, reply Reply) {
	switch reply.Fault.Mode {
	case FaultBreak:
		// Aborting the handler closes the connection without the final
		// zero-length chunk, so the client's read fails mid-body.
		panic(http.ErrAbortHandler)
	case FaultEnd:
		return
	case FaultErrorEvent:
		b, _ := json.Marshal(map[string]any{"error": errorObject(reply.Error)})
		_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
	case FaultStall:
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
	}
}

func writeError(w http.ResponseWriter, status int, header http.Header, e APIError) {
	for k, v := range header {
		w.Header()[k] = v
	}
	body := map[string]any{"error": errorObject(e)}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func errorObject(e APIError) map[string]any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"message": e.Message,
		"type":    e.Type,
		"param":   nullable(e.Param),
		"code":    nullable(e.Code),
	}
}

func usageJSON(u Usage) map[string]any {
	return map[string]any{
		"prompt_tokens":     u.Prompt,
		"completion_tokens": u.Completion,
		"total_tokens":      u.Prompt + u.Completion,
		"prompt_tokens_details": map[string]any{
			"cached_tokens": u.Cached,
			"audio_tokens":  0,
		},
		"completion_tokens_details": map[string]any{
			"reasoning_tokens":           0,
			"audio_tokens":               0,
			"accepted_prediction_tokens": 0,
			"rejected_prediction_tokens": 0,
		},
	}
}

// decodeInto fills the request's decoded fields from its JSON body.
func decodeInto(req *Request, body []byte) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req.Body); err != nil {
		req.Body = nil
		return
	}
	var typed struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	_ = json.Unmarshal(body, &typed)
	req.Model, req.Stream, req.IncludeUsage = typed.Model, typed.Stream, typed.StreamOptions.IncludeUsage
	for _, m := range typed.Messages {
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: contentText(m.Content)})
	}
}

// contentText reads a message's content: a string, or an array of text
// parts.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// validate checks what OpenAI rejects with a 400 before any model runs.
func validate(req *Request) string {
	switch {
	case req.Body == nil:
		return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)"
	case req.Model == "":
		return "you must provide a model parameter"
	case len(req.Messages) == 0:
		return "[] is too short - 'messages'"
	}
	return ""
}

func promptWords(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += len(strings.Fields(m.Content))
	}
	return n
}
