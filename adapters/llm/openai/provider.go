// Package openai is the LLM provider for OpenAI's Chat Completions API and
// every server that speaks it (Ollama, vLLM, LM Studio, OpenRouter...), on
// the official SDK. The base URL and the model come from configuration.
//
// The SDK's own retries are off: the router retries (once), and two layers
// of retries would multiply. Errors are *llm.Error, classified so the
// router knows what to retry; their messages never carry the API key nor
// the server's message (which may quote the prompt).
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/codementor/codementor/adapters/llm/drain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// Defaults for the zero Options fields.
const (
	DefaultName              = "openai"
	DefaultBaseURL           = "https://api.openai.com/v1"
	DefaultTimeout           = 60 * time.Second
	DefaultStreamIdleTimeout = 30 * time.Second
)

// transportBuffer is the read and write buffer of the provider's own
// HTTP connections.
const transportBuffer = 1 << 10

// Options configure a Provider.
type Options struct {
	// Name identifies the provider in logs and accounting, default "openai"
	// (e.g. "ollama", "openrouter").
	Name string
	// APIKey is sent as a bearer token; "" sends none (local servers).
	APIKey string
	// BaseURL is the API root that /chat/completions hangs off, default
	// https://api.openai.com/v1 (Ollama: http://localhost:11434/v1).
	BaseURL string
	// DefaultModel answers requests that name no model.
	DefaultModel string
	// Timeout bounds a whole non-streaming call, and a streaming call's
	// wait for the response headers; default 60s.
	Timeout time.Duration
	// StreamIdleTimeout is the longest wait for the next stream chunk
	// (the first one included) before the stream is given up as stalled;
	// default 30s. Only time spent waiting on the server counts, not the
	// caller's pauses between two Recv calls.
	StreamIdleTimeout time.Duration
	// LegacyMaxTokens sends Request.MaxTokens as max_tokens instead of
	// max_completion_tokens. OpenAI deprecated max_tokens (its reasoning
	// models refuse it) and most compatible servers accept the new name,
	// but some older ones only know max_tokens.
	LegacyMaxTokens bool
	// HTTPClient makes the calls; nil uses a client of its own. Leave its
	// Timeout zero: it would bound whole streams. The provider uses a copy
	// whose Transport wraps this one's (http.DefaultTransport if nil); the
	// client itself is not modified.
	HTTPClient *http.Client
}

// Provider calls one OpenAI-compatible server.
type Provider struct {
	name         string
	apiKey       string
	defaultModel string
	timeout      time.Duration
	idle         time.Duration
	legacyMax    bool
	chat         oai.ChatCompletionService
}

var _ ports.LLMProvider = (*Provider)(nil)

// New builds a Provider. It reads nothing from the environment: the SDK's
// client would pick up OPENAI_* variables (organization, project, extra
// headers) and send them to whatever server BaseURL names.
func New(o Options) (*Provider, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(o.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai provider %s: base URL must be an absolute http(s) URL", o.Name)
	}
	if o.Timeout < 0 || o.StreamIdleTimeout < 0 {
		return nil, fmt.Errorf("openai provider %s: timeouts must not be negative", o.Name)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StreamIdleTimeout == 0 {
		o.StreamIdleTimeout = DefaultStreamIdleTimeout
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport}
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone() // its own connection pool
			// A connection's buffers live as long as it does, a stream's
			// length at least: answers come in lines of a few hundred
			// bytes, so 1 KiB each instead of 4 KiB (longer lines and
			// bodies pass through all the same).
			t.ReadBufferSize, t.WriteBufferSize = transportBuffer, transportBuffer
			hc.Transport = t
		}
	}
	// Finished streams read their body to its end, so that their
	// connection serves the next request (drain.go).
	hc = drain.Client(hc)
	return &Provider{
		name:         o.Name,
		apiKey:       o.APIKey,
		defaultModel: o.DefaultModel,
		timeout:      o.Timeout,
		idle:         o.StreamIdleTimeout,
		legacyMax:    o.LegacyMaxTokens,
		chat: oai.NewChatCompletionService(
			option.WithBaseURL(o.BaseURL),
			option.WithAPIKey(o.APIKey),
			option.WithHTTPClient(hc),
			option.WithMaxRetries(0),
		),
	}, nil
}

// Name is the provider's name in logs and accounting.
func (p *Provider) Name() string { return p.name }

// Complete asks for a whole answer.
func (p *Provider) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	params, err := p.params(req)
	if err != nil {
		return llm.Response{}, err
	}
	start := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	res, err := p.chat.New(callCtx, params)
	if err != nil {
		return llm.Response{}, p.classify(ctx, err, "")
	}
	if len(res.Choices) == 0 {
		return llm.Response{}, p.errorf(llm.ErrUnavailable, nil, "the answer held no choices")
	}
	choice := res.Choices[0]
	finish := finishReason(choice.FinishReason)
	if choice.Message.Refusal != "" && choice.Message.Content == "" {
		finish = llm.FinishContentFilter
	}
	model := res.Model
	if model == "" {
		model = params.Model
	}
	return llm.Response{
		Text:         choice.Message.Content,
		Usage:        usage(res.Usage),
		FinishReason: finish,
		Provider:     p.name,
		Model:        model,
		Latency:      time.Since(start),
	}, nil
}

// Stream asks for an answer streamed as it is generated. It returns once
// the server has answered with its headers (or failed); the stream then
// yields deltas, the usage (when the server reports it), the finish reason
// and io.EOF.
func (p *Provider) Stream(ctx context.Context, req llm.Request) (ports.Stream, error) {
	params, err := p.params(req)
	if err != nil {
		return nil, err
	}
	params.StreamOptions = oai.ChatCompletionStreamOptionsParam{IncludeUsage: oai.Bool(true)}
	s, err := p.openStream(ctx, params)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return s, nil
}

// params translates a request into the SDK's, or refuses it.
func (p *Provider) params(req llm.Request) (oai.ChatCompletionNewParams, error) {
	if err := req.Validate(); err != nil {
		return oai.ChatCompletionNewParams{}, p.errorf(llm.ErrInvalidRequest, err, "%s", err.Error())
	}
	model := req.Model
	if model == "" {
		model = p.defaultModel
	}
	if model == "" {
		return oai.ChatCompletionNewParams{}, p.errorf(llm.ErrInvalidRequest, nil, "no model: the request names none and the provider has no default")
	}
	msgs := make([]oai.ChatCompletionMessageParamUnion, 0, len(req.Messages)+1)
	if req.System != "" {
		msgs = append(msgs, oai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		switch m.Role {
		case llm.RoleSystem:
			msgs = append(msgs, oai.SystemMessage(m.Content))
		case llm.RoleAssistant:
			msgs = append(msgs, oai.AssistantMessage(m.Content))
		default:
			msgs = append(msgs, oai.UserMessage(m.Content))
		}
	}
	params := oai.ChatCompletionNewParams{Model: model, Messages: msgs}
	if req.MaxTokens > 0 {
		if p.legacyMax {
			params.MaxTokens = oai.Int(int64(req.MaxTokens))
		} else {
			params.MaxCompletionTokens = oai.Int(int64(req.MaxTokens))
		}
	}
	if req.Temperature != nil {
		params.Temperature = oai.Float(*req.Temperature)
	}
	if len(req.StopSequence) > 0 {
		params.Stop = oai.ChatCompletionNewParamsStopUnion{OfStringArray: req.StopSequence}
	}
	if s := req.Schema; s != nil {
		js := shared.ResponseFormatJSONSchemaJSONSchemaParam{
			Name:   s.Name,
			Strict: oai.Bool(true),
			Schema: json.RawMessage(s.JSON),
		}
		if s.Description != "" {
			js.Description = oai.String(s.Description)
		}
		params.ResponseFormat = oai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{JSONSchema: js},
		}
	}
	return params, nil
}

func finishReason(r string) llm.FinishReason {
	switch r {
	case "length":
		return llm.FinishLength
	case "content_filter":
		return llm.FinishContentFilter
	case "tool_calls", "function_call":
		return llm.FinishToolUse
	default:
		return llm.FinishStop
	}
}

func usage(u oai.CompletionUsage) llm.Usage {
	return llm.Usage{
		PromptTokens:     int(u.PromptTokens),
		CompletionTokens: int(u.CompletionTokens),
		CachedTokens:     int(u.PromptTokensDetails.CachedTokens),
	}
}

// errorf builds a classified error. The message is ours, scrubbed of the
// API key in case anything carried it in.
func (p *Provider) errorf(kind llm.ErrorKind, cause error, format string, args ...any) *llm.Error {
	msg := fmt.Sprintf(format, args...)
	if p.apiKey != "" {
		msg = strings.ReplaceAll(msg, p.apiKey, "[redacted]")
	}
	return &llm.Error{Kind: kind, Provider: p.name, Msg: msg, Err: cause}
}

// isCanceled says whether the caller's own context was canceled (rather
// than timed out).
func isCanceled(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}
