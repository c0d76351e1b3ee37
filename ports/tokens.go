package ports

import "github.com/codementor/codementor/domain/llm"

// TokenCounter estimates how many tokens a model will see, so prompts can be
// kept under its context window before a call is made.
//
// Counts are estimates that err on the high side, never the low one:
//   - for OpenAI models they come from OpenAI's own tokenizer (o200k_base or
//     cl100k_base), so a text's count is the real one and a conversation's
//     count is at least the prompt tokens the API reports;
//   - for every other model (Anthropic's Claude, and any model whose
//     tokenizer is not public) they are a conservative estimate: the larger
//     of two public tokenizers' counts times a documented safety factor.
//
// Implementations are safe for concurrent use and never panic, whatever the
// input (empty, invalid UTF-8, very large).
type TokenCounter interface {
	// Count returns the tokens of text alone, as the model would encode it.
	Count(model, text string) int
	// CountMessages returns the prompt tokens of a whole request: the system
	// instructions (when not empty), every message, and the chat format's
	// overhead (per-message framing and the priming of the reply).
	CountMessages(model string, system string, msgs []llm.Message) int
}
