// Package tokenizer counts tokens for prompt budgeting (ports.TokenCounter).
//
// OpenAI models are counted with OpenAI's own byte-pair encodings
// (o200k_base, cl100k_base) through github.com/pkoukk/tiktoken-go. The
// encodings ship inside the binary (github.com/pkoukk/tiktoken-go-loader
// embeds the .tiktoken files with go:embed), so nothing is downloaded at run
// time: the library's default loader, which fetches the files over HTTP, is
// replaced by the offline one before any encoding is loaded.
//
// Other models' tokenizers are not public (Anthropic's among them); for them
// the count is a conservative estimate: the larger of the o200k_base and
// cl100k_base counts times a safety factor (ClaudeLegacyFactor,
// ConservativeFactor).
package tokenizer

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// Safety factors applied to the count of a public tokenizer for models whose
// own tokenizer is not public. They are deliberately generous: an
// over-count only trims a little context, an under-count gets a request
// refused for being over the window.
const (
	// ClaudeLegacyFactor covers Claude models up to 4.6 (claude-2, claude-3*,
	// claude-3-5*, claude-3-7*, claude-*-4, 4-1, 4-5, 4-6). A published
	// comparison of Claude 3.5 Sonnet with GPT-4o (o200k) on the same inputs
	// ("Hidden costs in AI deployment", VentureBeat, May 2025) measured +16%
	// tokens on English articles, +21% on maths and +30% on Python code; 1.35
	// covers code, the tutor's main input, with a margin.
	ClaudeLegacyFactor = 1.35

	// ConservativeFactor covers Claude Opus 4.7 and later (and any Claude
	// version not recognised) plus every model that is neither OpenAI's nor
	// Claude (Gemini, Llama, Mistral, DeepSeek, ...). Opus 4.7 introduced a
	// tokenizer that Anthropic's migration guide says uses "roughly 1.0 to
	// 1.35x" the tokens of 4.6; independent measurements through Anthropic's
	// count_tokens endpoint (April 2026) found up to ~1.45x on English prose
	// and 1.15-1.30x on code. On top of the legacy ~1.16-1.30x over o200k
	// that is ~1.7x, hence 1.75.
	ConservativeFactor = 1.75
)

// Chat framing, from OpenAI's guide to counting tokens for chat models
// (openai-cookbook, "How to count tokens with tiktoken"): every message
// costs its content, its role, and 3 tokens of framing
// (<|start|>role<|message|>...<|end|>); every reply is primed with 3 more
// (<|start|>assistant<|message|>). The same overhead is counted for other
// providers, whose framing is not documented, before their safety factor.
const (
	TokensPerMessage = 3
	TokensReplyPrime = 3
)

// Guards against the tokenizer's worst cases. tiktoken-go's byte-pair merge
// is quadratic in the length of a pre-tokenized piece, and a piece is a run
// of one character class (letters, digits, spaces, punctuation), so a run
// longer than maxRun bytes (a megabyte of "a", a wall of spaces) is counted
// in maxRun-byte parts (a multiple of 3: runs of digits, which the
// encodings split in groups of 3, are cut between groups). A text longer
// than maxChunk bytes is counted in chunks cut where the character class
// changes, which bounds the memory of one encoding call. Counting two parts
// apart can give one token less than counting them together (measured over
// 11,000 random cuts of code and prose: never more than one), so each cut
// adds cutSlack. Text up to maxChunk bytes without such runs (ordinary prose
// and code) is never cut and its count is exact.
const (
	maxRun   = 255
	maxChunk = 64 << 10
	cutSlack = 1
)

// Encoding names.
const (
	o200kBase  = tiktoken.MODEL_O200K_BASE
	cl100kBase = tiktoken.MODEL_CL100K_BASE
)

var _ ports.TokenCounter = (*Counter)(nil)

// Counter counts tokens. It is safe for concurrent use; the encodings are
// loaded once per process and shared by every Counter.
type Counter struct {
	o200k  *tiktoken.Tiktoken
	cl100k *tiktoken.Tiktoken
	memo   memo
}

var (
	loadOnce sync.Once
	shared   *Counter
	loadErr  error
)

// New returns a Counter, loading the embedded encodings the first time
// (a few hundred milliseconds; later calls are free).
func New() (*Counter, error) {
	loadOnce.Do(func() {
		// Before any encoding is loaded: the default loader downloads the
		// files from openaipublic.blob.core.windows.net.
		tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
		o200k, err := tiktoken.GetEncoding(o200kBase)
		if err != nil {
			loadErr = fmt.Errorf("load %s: %w", o200kBase, err)
			return
		}
		cl100k, err := tiktoken.GetEncoding(cl100kBase)
		if err != nil {
			loadErr = fmt.Errorf("load %s: %w", cl100kBase, err)
			return
		}
		shared = &Counter{o200k: o200k, cl100k: cl100k}
	})
	return shared, loadErr
}

// profile says how a model is counted: with which encodings and which
// safety factor. Models that are not OpenAI's are counted with both
// encodings, the larger count winning: o200k is tuned for many languages,
// while smaller vocabularies like cl100k's (Llama 3's is close to it) spend
// far more tokens on other scripts: 1.6x o200k's on Russian, 2.4x on Arabic
// and 3.2x on Hindi in this package's test samples.
type profile struct {
	o200k, cl100k bool
	factor        float64
}

var (
	openAIO200k  = profile{o200k: true, factor: 1}
	openAICl100k = profile{cl100k: true, factor: 1}
	claudeLegacy = profile{o200k: true, cl100k: true, factor: ClaudeLegacyFactor}
	conservative = profile{o200k: true, cl100k: true, factor: ConservativeFactor}
)

func profileFor(model string) profile {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(m, '/'); i >= 0 { // "openai/gpt-4o", "anthropic/claude-..."
		m = m[i+1:]
	}
	m = strings.TrimPrefix(m, "ft:") // fine-tuned: "ft:gpt-4o-mini:org::id"
	switch {
	case hasAnyPrefix(m, "gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "chatgpt-", "codex-"),
		isOSeries(m):
		return openAIO200k
	case hasAnyPrefix(m, "gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada-002"):
		return openAICl100k
	case strings.HasPrefix(m, "gpt-"): // an OpenAI model newer than this list
		return openAIO200k
	}
	if i := strings.Index(m, "claude"); i >= 0 {
		if major, minor, ok := claudeVersion(m[i:]); ok && (major < 4 || major == 4 && minor <= 6) {
			return claudeLegacy
		}
	}
	return conservative
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// isOSeries matches OpenAI's reasoning models: o1, o1-mini, o3-pro, o4-mini...
func isOSeries(m string) bool {
	for _, p := range []string{"o1", "o3", "o4"} {
		if m == p || strings.HasPrefix(m, p+"-") {
			return true
		}
	}
	return false
}

// claudeVersion reads the model version from an Anthropic model name in any
// of its spellings: claude-3-5-sonnet-20241022, claude-sonnet-4-20250514,
// claude-opus-4-1, claude-2.1, anthropic.claude-3-haiku-20240307-v1:0,
// claude-3-5-sonnet@20240620. Dates (8 digits) are skipped.
func claudeVersion(name string) (major, minor int, ok bool) {
	name, _, _ = strings.Cut(name, "@")
	var nums []int
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '.' }) {
		if len(part) == 0 || len(part) > 2 || strings.TrimLeft(part, "0123456789") != "" {
			if len(nums) > 0 {
				break // the version is the first run of small numbers
			}
			continue
		}
		n := 0
		for _, c := range part {
			n = n*10 + int(c-'0')
		}
		nums = append(nums, n)
		if len(nums) == 2 {
			break
		}
	}
	switch len(nums) {
	case 0:
		return 0, 0, false
	case 1:
		return nums[0], 0, true
	}
	return nums[0], nums[1], true
}

// Count returns the tokens of text for model.
func (c *Counter) Count(model, text string) int {
	p := profileFor(model)
	return scale(c.countMax(p, text), p.factor)
}

// CountMessages returns the prompt tokens of a request: the system
// instructions as a first message when not empty, each message's role and
// content with TokensPerMessage of framing, and TokensReplyPrime.
func (c *Counter) CountMessages(model string, system string, msgs []llm.Message) int {
	p := profileFor(model)
	total := 0
	if p.o200k {
		total = c.conversation(c.o200k, system, msgs)
	}
	if p.cl100k {
		total = max(total, c.conversation(c.cl100k, system, msgs))
	}
	return scale(total, p.factor)
}

func (c *Counter) conversation(enc *tiktoken.Tiktoken, system string, msgs []llm.Message) int {
	n := TokensReplyPrime
	if system != "" {
		n += TokensPerMessage + count(enc, string(llm.RoleSystem)) + c.count(enc, system)
	}
	for _, m := range msgs {
		n += TokensPerMessage + count(enc, string(m.Role)) + c.count(enc, m.Content)
	}
	return n
}

func (c *Counter) countMax(p profile, text string) int {
	n := 0
	if p.o200k {
		n = c.count(c.o200k, text)
	}
	if p.cl100k {
		n = max(n, c.count(c.cl100k, text))
	}
	return n
}

// scale multiplies a count by a safety factor, rounding up.
func scale(n int, factor float64) int {
	if factor == 1 {
		return n
	}
	return int(math.Ceil(float64(n) * factor))
}

// count encodes text as ordinary text (a special token's spelling in a
// prompt is text to the API, not a control token), in parts when it is
// pathological or very large (see maxRun).
// memo remembers the counts of long texts: the same system prompt and
// history are counted on every turn (by the tutor's window and again by the
// quota reservation), and counting a few thousand tokens costs about a
// millisecond on the path to the first token. Bounded: it starts over when
// full.
type memo struct {
	mu     sync.Mutex
	counts map[memoKey]int
}

type memoKey struct {
	enc  *tiktoken.Tiktoken
	hash [32]byte
}

const (
	memoMinBytes = 512
	memoMax      = 20_000
)

func (c *Counter) count(enc *tiktoken.Tiktoken, text string) int {
	if len(text) < memoMinBytes {
		return count(enc, text)
	}
	key := memoKey{enc: enc, hash: sha256.Sum256([]byte(text))}
	c.memo.mu.Lock()
	n, ok := c.memo.counts[key]
	c.memo.mu.Unlock()
	if ok {
		return n
	}
	n = count(enc, text)
	c.memo.mu.Lock()
	if c.memo.counts == nil || len(c.memo.counts) >= memoMax {
		c.memo.counts = map[memoKey]int{}
	}
	c.memo.counts[key] = n
	c.memo.mu.Unlock()
	return n
}

func count(enc *tiktoken.Tiktoken, text string) (n int) {
	if text == "" {
		return 0
	}
	defer func() {
		if recover() != nil {
			// Not expected; if the library ever panics, fall back to a
			// bound no byte-level BPE can exceed: one token per byte of the
			// text as encoded (invalid bytes become U+FFFD, 3 bytes).
			n = utf8Bytes(text)
		}
	}()
	cuts := split(text, func(part string) { n += len(enc.EncodeOrdinary(part)) })
	return n + cuts*cutSlack
}

// utf8Bytes is the length of text with every invalid byte replaced by U+FFFD.
func utf8Bytes(text string) int {
	n := 0
	for _, r := range text {
		n += utf8.RuneLen(r)
	}
	return n
}

// Character classes the encodings' pre-tokenizers split on.
const (
	classOther = iota
	classLetter
	classNumber
	classSpace
)

func classOf(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return classLetter
		case '0' <= r && r <= '9':
			return classNumber
		case r == ' ', r == '\t', r == '\n', r == '\r', r == '\v', r == '\f':
			return classSpace
		}
		return classOther
	}
	switch {
	case unicode.IsLetter(r), unicode.IsMark(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// split hands text to fn in parts: whole when it has no run of one
// character class longer than maxRun bytes and is at most maxChunk bytes,
// else cut inside over-long runs and, past maxChunk, where the class
// changes. Cuts fall on rune boundaries. It returns the number of cuts.
func split(text string, fn func(string)) (cuts int) {
	start, runStart, runClass := 0, 0, -1
	for i, r := range text {
		c := classOf(r)
		switch {
		case c != runClass:
			if i-start >= maxChunk {
				fn(text[start:i])
				start, cuts = i, cuts+1
			}
			runStart, runClass = i, c
		case i-runStart >= maxRun:
			fn(text[start:i])
			start, runStart, cuts = i, i, cuts+1
		}
	}
	fn(text[start:])
	return cuts
}

// Lazy is a TokenCounter that loads the encodings on first use, so a
// server that never counts (offline mode) never holds them: they are tens
// of megabytes of maps that every garbage collection must scan.
type Lazy struct{}

var _ ports.TokenCounter = Lazy{}

// counter loads the shared Counter; should the embedded encodings ever
// fail to load, counts fall back to the domain's conservative estimate.
func (Lazy) counter() ports.TokenCounter {
	if c, err := New(); err == nil {
		return c
	}
	return estimateCounter{}
}

// Count counts text's tokens for model.
func (l Lazy) Count(model, text string) int { return l.counter().Count(model, text) }

// CountMessages counts a request's prompt tokens for model.
func (l Lazy) CountMessages(model, system string, msgs []llm.Message) int {
	return l.counter().CountMessages(model, system, msgs)
}

type estimateCounter struct{}

func (estimateCounter) Count(_, text string) int { return llm.EstimateTokens(text) }
func (e estimateCounter) CountMessages(model, system string, msgs []llm.Message) int {
	n := TokensReplyPrime
	if system != "" {
		n += e.Count(model, system) + TokensPerMessage + 1
	}
	for _, m := range msgs {
		n += e.Count(model, m.Content) + TokensPerMessage + 1
	}
	return n
}
