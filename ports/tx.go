package ports

import "context"

// TxManager runs a function inside one transaction that spans every
// repository touched through the returned context. The function's error
// rolls everything back; a nil error commits, and a commit failure is
// returned. Never call an LLM, GitHub or the sandbox inside fn.
type TxManager interface {
	WithinTx(ctx context.Context, fn func(ctx context.Context) error) error
}
