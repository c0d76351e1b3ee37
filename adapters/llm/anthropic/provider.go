// Package anthropic is the ports.LLMProvider for Anthropic's Messages API,
// on the official Go SDK. It translates llm.Request into a Messages call
// (the system prompt cached with cache_control, structured output through a
// forced tool call), the answer and its SSE events back into llm types, and
// every failure into an *llm.Error. It never retries: the router does.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/anthropics/anthropic-sdk-go/packages/param"
	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/codementor/codementor/adapters/llm/drain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// Options configure the provider; zero fields get defaults.
type Options struct {
	Name         string // default "anthropic"
	APIKey       string // required
	BaseURL      string // default https://api.anthropic.com
	DefaultModel string // used when a request names none
	// DefaultMaxTokens is used when a request sets none: Anthropic
	// requires max_tokens. Default 1024.
	DefaultMaxTokens int
	// Timeout bounds a Complete call, and a stream's wait for its response
	// headers. Default 60s.
	Timeout time.Duration
	// StreamIdleTimeout bounds each wait for the next bytes of a stream
	// (pings count). Default 30s.
	StreamIdleTimeout time.Duration
	// HTTPClient makes the calls; nil uses a clone of http.DefaultTransport.
	// Leave its Timeout zero: it would bound whole streams. The provider
	// uses a copy whose Transport wraps this one's (http.DefaultTransport if
	// nil); the client itself is not modified.
	HTTPClient *http.Client
	// CacheMinChars: the system prompt gets cache_control only when it is
	// at least this long. Anthropic ignores breakpoints below about 1024
	// tokens, so marking short prompts buys nothing. Default 2048.
	CacheMinChars int
}

const (
	defaultName      = "anthropic"
	defaultBaseURL   = "https://api.anthropic.com"
	defaultMaxTokens = 1024
	defaultTimeout   = 60 * time.Second
	defaultIdle      = 30 * time.Second
	defaultCacheMin  = 2048
	maxTemperature   = 1.0 // Anthropic's range is 0..1; ours goes to 2
	maxProviderMsg   = 200
)

// Provider talks to Anthropic.
type Provider struct {
	opts   Options
	client sdk.Client
}

var _ ports.LLMProvider = (*Provider)(nil)

// New builds a provider from o.
func New(o Options) (*Provider, error) {
	if o.APIKey == "" {
		return nil, errors.New("anthropic: an API key is required")
	}
	if o.Name == "" {
		o.Name = defaultName
	}
	if o.BaseURL == "" {
		o.BaseURL = defaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("anthropic: base URL %q is not an absolute URL", o.BaseURL)
	}
	if o.DefaultMaxTokens <= 0 {
		o.DefaultMaxTokens = defaultMaxTokens
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.StreamIdleTimeout <= 0 {
		o.StreamIdleTimeout = defaultIdle
	}
	if o.CacheMinChars <= 0 {
		o.CacheMinChars = defaultCacheMin
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			hc.Transport = t.Clone() // our own pool, not the process-wide one
		}
	}
	// Finished streams read their body to its end, so that their
	// connection serves the next request (drain.go).
	hc = drain.Client(hc)
	client := sdk.NewClient(
		// Configuration comes from Options only: no ANTHROPIC_* variables
		// or profile files picked up behind the config's back.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(o.APIKey),
		option.WithBaseURL(o.BaseURL),
		option.WithHTTPClient(hc),
		// The router retries (once, maybe on another provider); SDK retries
		// on top would multiply the attempts.
		option.WithMaxRetries(0),
		option.WithMiddleware(watchBody),
	)
	return &Provider{opts: o, client: client}, nil
}

// Name is the provider's name in routes, logs and errors.
func (p *Provider) Name() string { return p.opts.Name }

// Complete sends one Messages request and waits for the whole answer.
func (p *Provider) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	params, tool, err := p.params(req)
	if err != nil {
		return llm.Response{}, err
	}
	start := time.Now()
	// An explicit request timeout also stops the SDK from refusing large
	// max_tokens without streaming.
	msg, err := p.client.Messages.New(ctx, params, option.WithRequestTimeout(p.opts.Timeout))
	if err != nil {
		return llm.Response{}, p.classify(ctx, "", err, req)
	}
	resp := llm.Response{
		Usage:        usage(msg.Usage.InputTokens, msg.Usage.CacheReadInputTokens, msg.Usage.CacheCreationInputTokens, msg.Usage.OutputTokens),
		FinishReason: finishReason(msg.StopReason),
		Provider:     p.opts.Name,
		Model:        msg.Model,
		Latency:      time.Since(start),
	}
	if resp.Model == "" {
		resp.Model = string(params.Model)
	}
	if tool != "" {
		for _, b := range msg.Content {
			if b.Type == "tool_use" && b.Name == tool {
				resp.Text = string(b.Input)
				break
			}
		}
		return resp, nil
	}
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	resp.Text = text.String()
	return resp, nil
}

// Stream sends one streaming Messages request. It returns once the
// response headers arrived (or the request failed); events follow on Recv.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (ports.Stream, error) {
	params, tool, err := p.params(req)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &stream{
		p:      p,
		req:    req,
		parent: ctx,
		cancel: cancel,
		idle:   p.opts.StreamIdleTimeout,
		tool:   tool,
		model:  string(params.Model),
	}
	s.dog = &watchdog{cancel: cancel}
	sctx = context.WithValue(sctx, activityKey{}, s.dog.touch)
	sctx = drain.WithDrain(sctx, &s.finished)

	s.dog.arm(p.opts.Timeout, "timed out waiting for the response")
	s.events = p.client.Messages.NewStreaming(sctx, params)
	s.dog.disarm()
	if err := s.events.Err(); err != nil {
		_ = s.events.Close()
		cancel()
		return nil, p.classify(ctx, s.dog.cause(), err, req)
	}
	return s, nil
}

// params translates a request into the SDK's. tool is the forced tool's
// name when the request asks for structured output.
func (p *Provider) params(req llm.Request) (sdk.MessageNewParams, string, error) {
	if err := req.Validate(); err != nil {
		return sdk.MessageNewParams{}, "", &llm.Error{Kind: llm.ErrInvalidRequest, Provider: p.opts.Name, Msg: err.Error(), Err: err}
	}
	model := req.Model
	if model == "" {
		model = p.opts.DefaultModel
	}
	if model == "" {
		return sdk.MessageNewParams{}, "", p.invalid("no model: the request names none and there is no default")
	}
	maxTokens := req.MaxTokens
	if maxTokens == 0 {
		maxTokens = p.opts.DefaultMaxTokens
	}
	params := sdk.MessageNewParams{Model: sdk.Model(model), MaxTokens: int64(maxTokens), StopSequences: req.StopSequence}
	if req.Temperature != nil {
		params.Temperature = param.NewOpt(min(*req.Temperature, maxTemperature))
	}

	// The long, stable instructions come first so that they are the cached
	// prefix; system-role messages follow as blocks of their own (Anthropic
	// has no system role in messages) without moving the breakpoint.
	if req.System != "" {
		b := sdk.TextBlockParam{Text: req.System}
		if len(req.System) >= p.opts.CacheMinChars {
			b.CacheControl = sdk.NewCacheControlEphemeralParam()
		}
		params.System = append(params.System, b)
	}
	for _, m := range req.Messages {
		switch m.Role {
		case llm.RoleSystem:
			params.System = append(params.System, sdk.TextBlockParam{Text: m.Content})
		case llm.RoleUser, llm.RoleAssistant:
			role := sdk.MessageParamRoleUser
			if m.Role == llm.RoleAssistant {
				role = sdk.MessageParamRoleAssistant
			}
			// Consecutive turns of one role (left by folding system
			// messages away) become one turn of several blocks.
			if n := len(params.Messages); n > 0 && params.Messages[n-1].Role == role {
				params.Messages[n-1].Content = append(params.Messages[n-1].Content, sdk.NewTextBlock(m.Content))
				continue
			}
			params.Messages = append(params.Messages, sdk.MessageParam{Role: role, Content: []sdk.ContentBlockParamUnion{sdk.NewTextBlock(m.Content)}})
		}
	}
	if len(params.Messages) == 0 {
		return sdk.MessageNewParams{}, "", p.invalid("the request has system messages only")
	}

	tool := ""
	if req.Schema != nil {
		var top struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(req.Schema.JSON, &top); err != nil || top.Type != "object" {
			return sdk.MessageNewParams{}, "", p.invalid("structured output needs an object schema (a tool's input is an object)")
		}
		tool = req.Schema.Name
		t := sdk.ToolParam{
			Name: tool,
			// The schema goes as it is: the SDK's typed schema knows
			// properties and required only.
			InputSchema: param.Override[sdk.ToolInputSchemaParam](json.RawMessage(req.Schema.JSON)),
		}
		if req.Schema.Description != "" {
			t.Description = param.NewOpt(req.Schema.Description)
		}
		params.Tools = []sdk.ToolUnionParam{{OfTool: &t}}
		// One call of the one tool: its input is the answer.
		params.ToolChoice = sdk.ToolChoiceUnionParam{OfTool: &sdk.ToolChoiceToolParam{
			Name: tool, DisableParallelToolUse: param.NewOpt(true)}}
	}
	return params, tool, nil
}

func (p *Provider) invalid(msg string) *llm.Error {
	return &llm.Error{Kind: llm.ErrInvalidRequest, Provider: p.opts.Name, Msg: msg}
}

// usage sums the prompt the way llm.Usage counts it. Anthropic reports
// input_tokens net of the cache: the whole prompt is input_tokens plus
// cache_read_input_tokens plus cache_creation_input_tokens, and only the
// reads are cheap, so those are CachedTokens.
func usage(input, cacheRead, cacheCreation, output int64) llm.Usage {
	return llm.Usage{
		PromptTokens:     int(input + cacheRead + cacheCreation),
		CompletionTokens: int(output),
		CachedTokens:     int(cacheRead),
	}
}

func finishReason(r sdk.StopReason) llm.FinishReason {
	switch r {
	case sdk.StopReasonMaxTokens, sdk.StopReasonModelContextWindowExceeded:
		return llm.FinishLength
	case sdk.StopReasonToolUse:
		return llm.FinishToolUse
	case sdk.StopReasonRefusal:
		return llm.FinishContentFilter
	}
	return llm.FinishStop // end_turn, stop_sequence, pause_turn
}

// classify turns any failure into an *llm.Error. ctx is the caller's;
// cause is set when our own watchdog cut the request.
func (p *Provider) classify(ctx context.Context, cause string, err error, req llm.Request) *llm.Error {
	e := &llm.Error{Provider: p.opts.Name, Err: err}
	var apiErr *sdk.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		e.Kind, e.Msg = llm.ErrCanceled, "the caller went away"
	case ctx.Err() != nil:
		e.Kind, e.Msg = llm.ErrUnavailable, "deadline exceeded"
	case cause != "":
		e.Kind, e.Msg = llm.ErrUnavailable, cause
	case errors.As(err, &apiErr):
		p.classifyAPI(e, apiErr, req)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Kind, e.Msg = llm.ErrUnavailable, "timed out"
	case errors.Is(err, context.Canceled):
		e.Kind, e.Msg = llm.ErrCanceled, "canceled"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Kind, e.Msg = llm.ErrUnavailable, "connection dropped"
	default:
		e.Kind, e.Msg = llm.ErrUnavailable, "connection failed"
		if strings.HasPrefix(err.Error(), "received error while streaming") {
			// An `error` event whose body was not JSON; the SDK's text
			// carries that body, so it is not kept.
			e.Msg, e.Err = "error event in the stream", errors.New("anthropic: error event in the stream")
		}
	}
	return e
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// classifyAPI reads the status and Anthropic's error type. An `error`
// event in a stream arrives with the stream's status, 200, so the type
// decides there.
func (p *Provider) classifyAPI(e *llm.Error, apiErr *sdk.Error, req llm.Request) {
	typ, msg := apiError(apiErr)
	// Keep the status, type and request id, not the SDK error itself: its
	// text carries the whole response body.
	e.Err = &apiFailure{status: apiErr.StatusCode, typ: typ, requestID: apiErr.RequestID}
	e.Status = apiErr.StatusCode
	if e.Status == http.StatusOK {
		e.Status = 0
	}
	detail := p.sanitize(msg, req)
	switch {
	case e.Status == http.StatusTooManyRequests || (e.Status == 0 && typ == "rate_limit_error"):
		e.Kind, e.Msg = llm.ErrRateLimited, "rate limited"
		if apiErr.Response != nil {
			e.RetryAfter = retryAfter(apiErr.Response.Header)
		}
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden ||
		(e.Status == 0 && (typ == "authentication_error" || typ == "permission_error")):
		e.Kind, e.Msg = llm.ErrAuth, "authentication failed"
	case (e.Status == http.StatusBadRequest || e.Status == http.StatusRequestEntityTooLarge || e.Status == 0) &&
		strings.Contains(strings.ToLower(msg), "prompt is too long"):
		e.Kind, e.Msg = llm.ErrContextTooLong, "prompt too long"
	case e.Status == http.StatusBadRequest || e.Status == http.StatusNotFound || e.Status == http.StatusRequestEntityTooLarge ||
		e.Status == http.StatusUnprocessableEntity || e.Status == http.StatusPaymentRequired ||
		(e.Status == 0 && (typ == "invalid_request_error" || typ == "not_found_error" || typ == "request_too_large")):
		e.Kind, e.Msg = llm.ErrInvalidRequest, "invalid request"
	case e.Status == 529 || typ == "overloaded_error":
		e.Kind, e.Msg = llm.ErrUnavailable, "overloaded"
	default:
		// 5xx, 408, 409, api_error, timeout_error, and whatever else.
		e.Kind, e.Msg = llm.ErrUnavailable, "server error"
	}
	if typ != "" {
		e.Msg = typ // Anthropic's own word is more precise than ours
	}
	if detail != "" {
		e.Msg += ": " + detail
	}
}

// apiFailure is what an *llm.Error keeps of an API error.
type apiFailure struct {
	status    int
	typ       string
	requestID string
}

func (a *apiFailure) Error() string {
	s := "anthropic API error"
	if a.status != 0 && a.status != http.StatusOK {
		s += fmt.Sprintf(" %d", a.status)
	}
	if a.typ != "" {
		s += " " + a.typ
	}
	if a.requestID != "" {
		s += " (request-id " + a.requestID + ")"
	}
	return s
}

// apiError reads {"type":"error","error":{"type","message"}}.
func apiError(apiErr *sdk.Error) (typ, msg string) {
	var body struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(apiErr.RawJSON()), &body)
	typ = body.Error.Type
	if typ == "" {
		typ = string(apiErr.Type())
	}
	return typ, body.Error.Message
}

// sanitize keeps the provider's message short and free of the API key and
// of the prompt (were it ever echoed).
func (p *Provider) sanitize(msg string, req llm.Request) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	if p.opts.APIKey != "" {
		msg = strings.ReplaceAll(msg, p.opts.APIKey, "[redacted]")
	}
	texts := []string{req.System}
	for _, m := range req.Messages {
		texts = append(texts, m.Content)
	}
	for _, t := range texts {
		if len(t) >= 8 && strings.Contains(msg, t) {
			msg = strings.ReplaceAll(msg, t, "[prompt]")
		}
	}
	if r := []rune(msg); len(r) > maxProviderMsg {
		msg = string(r[:maxProviderMsg]) + "…"
	}
	return msg
}

// retryAfter reads retry-after (seconds or an HTTP date), or
// retry-after-ms.
func retryAfter(h http.Header) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("retry-after")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t).Round(time.Second))
	}
	return 0
}

// stream is one streamed answer. Recv runs in the caller's goroutine; Close
// may come from any goroutine.
type stream struct {
	p      *Provider
	req    llm.Request
	parent context.Context
	cancel context.CancelFunc
	dog    *watchdog
	idle   time.Duration
	tool   string
	events *ssestream.Stream[sdk.MessageStreamEventUnion]
	closed atomic.Bool
	// finished is set on message_stop: from then on, closing the body
	// reads it to its end first, keeping the connection (drain.go).
	finished atomic.Bool

	infoMu sync.Mutex
	model  string

	mu                          sync.Mutex // Recv, and Close's release of the body
	input, cacheRead, cacheMade int64
	output                      int64
	stop                        sdk.StopReason
	block                       string // type of the content block being received
	blockTool                   string // its tool name, for tool_use blocks
	pending                     []llm.Event
	err                         error // sticky: io.EOF at the end, or the failure
}

var _ ports.StreamInfo = (*stream)(nil)

func (s *stream) Provider() string { return s.p.opts.Name }

// Model is the requested model until message_start names the one
// answering.
func (s *stream) Model() string {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	return s.model
}

// Recv returns the next event: deltas, then usage, then done, then io.EOF.
func (s *stream) Recv() (llm.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) > 0 {
		ev := s.pending[0]
		s.pending = s.pending[1:]
		return ev, nil
	}
	if s.err != nil {
		return llm.Event{}, s.err
	}
	if s.closed.Load() {
		s.fail(nil)
		return llm.Event{}, s.err
	}

	s.dog.arm(s.idle, "stream stalled")
	defer s.dog.disarm()
	for s.events.Next() {
		ev := s.events.Current()
		switch ev.Type {
		case "message_start":
			u := ev.Message.Usage
			s.input, s.cacheRead, s.cacheMade, s.output = u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens, u.OutputTokens
			if ev.Message.Model != "" {
				s.infoMu.Lock()
				s.model = ev.Message.Model
				s.infoMu.Unlock()
			}
		case "content_block_start":
			s.block, s.blockTool = ev.ContentBlock.Type, ev.ContentBlock.Name
		case "content_block_delta":
			if text := s.deltaText(ev.Delta); text != "" {
				return llm.Event{Kind: llm.EventDelta, Text: text}, nil
			}
		case "content_block_stop":
			s.block, s.blockTool = "", ""
		case "message_delta":
			s.stop = ev.Delta.StopReason
			// message_delta's usage is cumulative; newer API versions
			// repeat the input counts there too.
			u := ev.Usage
			s.output = max(s.output, u.OutputTokens)
			s.input = max(s.input, u.InputTokens)
			s.cacheRead = max(s.cacheRead, u.CacheReadInputTokens)
			s.cacheMade = max(s.cacheMade, u.CacheCreationInputTokens)
		case "message_stop":
			s.pending = []llm.Event{{Kind: llm.EventDone, FinishReason: finishReason(s.stop)}}
			s.err = io.EOF
			s.finish()
			return llm.Event{Kind: llm.EventUsage, Usage: usage(s.input, s.cacheRead, s.cacheMade, s.output)}, nil
		}
	}
	s.fail(s.events.Err())
	return llm.Event{}, s.err
}

// deltaText is the text a delta adds to the answer: text deltas for a
// plain answer, the forced tool's input JSON for structured output.
func (s *stream) deltaText(d sdk.MessageStreamEventUnionDelta) string {
	switch {
	case s.tool == "" && d.Type == "text_delta":
		return d.Text
	case s.tool != "" && d.Type == "input_json_delta" && s.block == "tool_use" && s.blockTool == s.tool:
		return d.PartialJSON
	}
	return ""
}

// fail ends the stream with err classified; err nil means the events
// stopped without message_stop, or Close came first.
func (s *stream) fail(err error) {
	switch {
	case s.closed.Load():
		s.err = &llm.Error{Kind: llm.ErrCanceled, Provider: s.p.opts.Name, Msg: "stream closed", Err: err}
	case err == nil && s.parent.Err() == nil && s.dog.cause() == "":
		s.err = &llm.Error{Kind: llm.ErrUnavailable, Provider: s.p.opts.Name, Msg: "stream ended before message_stop"}
	default:
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		s.err = s.p.classify(s.parent, s.dog.cause(), err, s.req)
	}
	s.release()
}

// release aborts the request; s.mu is held. The context goes first, so
// that the body's Close does not wait for anything.
func (s *stream) release() {
	s.cancel()
	_ = s.events.Close()
}

// finish frees the connection of a stream that ended well; s.mu is held.
// The body goes first, while the request is live, so that it can be read
// to its end and the connection kept; then the context.
func (s *stream) finish() {
	s.finished.Store(true)
	_ = s.events.Close()
	s.cancel()
}

// Close cancels the request and releases the connection. A Recv blocked in
// another goroutine returns ErrCanceled.
func (s *stream) Close() error {
	s.closed.Store(true)
	s.cancel() // unblocks a Recv waiting on the network before we take s.mu
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.events.Close()
	return nil
}

// activityKey carries a stream's watchdog touch func in the request
// context, for watchBody.
type activityKey struct{}

// watchBody is SDK middleware that reports every read of a response body
// to the stream's watchdog. The SDK swallows `ping` events, so the body is
// the only place where pings can count as activity.
func watchBody(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if touch, ok := req.Context().Value(activityKey{}).(func()); ok && err == nil && res != nil && res.Body != nil {
		res.Body = &activityBody{ReadCloser: res.Body, touch: touch}
	}
	return res, err
}

type activityBody struct {
	io.ReadCloser
	touch func()
}

func (b *activityBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.touch()
	}
	return n, err
}

// watchdog cancels a stream's request when nothing arrives for limit while
// it is armed: while the stream opens, and while Recv waits.
type watchdog struct {
	cancel context.CancelFunc

	mu     sync.Mutex
	timer  *time.Timer
	armed  bool
	limit  time.Duration
	last   time.Time
	reason string
	fired  string
}

func (w *watchdog) arm(limit time.Duration, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed, w.limit, w.reason, w.last = true, limit, reason, time.Now()
	if w.timer == nil {
		w.timer = time.AfterFunc(limit, w.check)
	} else {
		w.timer.Reset(limit)
	}
}

func (w *watchdog) disarm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	if w.timer != nil {
		w.timer.Stop()
	}
}

func (w *watchdog) touch() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

func (w *watchdog) check() {
	w.mu.Lock()
	if !w.armed || w.fired != "" {
		w.mu.Unlock()
		return
	}
	if quiet := time.Since(w.last); quiet < w.limit {
		w.timer.Reset(w.limit - quiet)
		w.mu.Unlock()
		return
	}
	w.fired = w.reason
	w.mu.Unlock()
	w.cancel()
}

// cause is why the watchdog cut the request, "" if it did not.
func (w *watchdog) cause() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fired
}
