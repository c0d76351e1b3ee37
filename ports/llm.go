package ports

import (
	"context"

	"github.com/codementor/codementor/domain/llm"
)

// Stream is a streamed answer. Recv returns deltas, then one usage event,
// then one done event, then io.EOF; a failure midway is an *llm.Error.
// Close releases the connection (and cancels generation) at any point.
type Stream interface {
	Recv() (llm.Event, error)
	Close() error
}

// LLMProvider is one model provider (OpenAI-compatible, Anthropic). Errors
// are *llm.Error. Providers do not retry: the router does, once.
type LLMProvider interface {
	Name() string
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
	Stream(ctx context.Context, req llm.Request) (Stream, error)
}

// LLM is what use cases call: the router over the configured providers,
// with fallback, retries and a circuit breaker per provider. Streams report
// which provider and model answered through StreamInfo.
type LLM interface {
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
	Stream(ctx context.Context, req llm.Request) (Stream, error)
	// Configured says whether any provider is; false means offline mode.
	Configured() bool
}

// StreamInfo is implemented by streams that know who answers them.
type StreamInfo interface {
	Provider() string
	Model() string
}
