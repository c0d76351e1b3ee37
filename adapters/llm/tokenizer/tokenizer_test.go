package tokenizer_test

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/pkoukk/tiktoken-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/tokenizer"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// newCounter returns the Counter and, as references, the encodings
// themselves straight from tiktoken-go (served by the offline loader New
// installed).
func newCounter(t testing.TB) (c *tokenizer.Counter, o200k, cl100k *tiktoken.Tiktoken) {
	t.Helper()
	c, err := tokenizer.New()
	require.NoError(t, err)
	o200k, err = tiktoken.GetEncoding("o200k_base")
	require.NoError(t, err)
	cl100k, err = tiktoken.GetEncoding("cl100k_base")
	require.NoError(t, err)
	return c, o200k, cl100k
}

func TestImplementsThePort(t *testing.T) {
	t.Parallel()
	c, _, _ := newCounter(t)
	var _ ports.TokenCounter = c
	again, err := tokenizer.New()
	require.NoError(t, err)
	assert.Same(t, c, again, "the encodings are loaded once")
}

// Reference counts from tiktoken-go's own test vectors (doc/test_result.md,
// computed with OpenAI's Python tiktoken) and tiktoken_test.go.
func TestKnownCounts(t *testing.T) {
	t.Parallel()
	c, _, _ := newCounter(t)
	tests := []struct {
		text          string
		o200k, cl100k int
	}{
		{"hello world", 2, 2},
		{"hallo world!", 4, 4},
		{"hello world!你好，世界！", 7, 10}, // cl100k: 15339 1917 0 57668 53901 3922 3574 244 98220 6447
		{"你好世界！", 3, 6},
		{"こんにちは世界！", 3, 5},
		{"안녕하세요 세계!", 4, 10},
		{"Привет мир!", 4, 6},
		{"¡Hola mundo!", 4, 4},
		{"Hallo Welt!", 3, 3},
		{"Bonjour le monde!", 4, 4},
		{"Ciao mondo!", 4, 4},
		{"Hej världen!", 3, 7},
		{"Hallo wereld!", 3, 3},
		{"Hallo verden!", 3, 4},
		{"", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			for _, model := range []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-nano", "o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "chatgpt-4o-latest", "openai/gpt-4o", "ft:gpt-4o-mini:acme::abc123", "GPT-4o"} {
				assert.Equal(t, tt.o200k, c.Count(model, tt.text), "%s (o200k_base)", model)
			}
			for _, model := range []string{"gpt-4", "gpt-4-turbo", "gpt-4-0613", "gpt-3.5-turbo", "gpt-3.5-turbo-0125"} {
				assert.Equal(t, tt.cl100k, c.Count(model, tt.text), "%s (cl100k_base)", model)
			}
		})
	}
}

// Models whose tokenizer is not public get max(o200k, cl100k) times their
// safety factor. "안녕하세요 세계!" is 4 tokens in o200k and 10 in cl100k.
func TestOtherModelsGetASafetyFactor(t *testing.T) {
	t.Parallel()
	c, _, _ := newCounter(t)
	const text = "안녕하세요 세계!"
	legacy := int(math.Ceil(10 * tokenizer.ClaudeLegacyFactor))
	conservative := int(math.Ceil(10 * tokenizer.ConservativeFactor))
	tests := []struct {
		model string
		want  int
	}{
		{"claude-3-haiku-20240307", legacy},
		{"claude-3-5-sonnet-20241022", legacy},
		{"claude-3-5-sonnet-latest", legacy},
		{"claude-3-7-sonnet-20250219", legacy},
		{"claude-sonnet-4-20250514", legacy},
		{"claude-opus-4-1-20250805", legacy},
		{"claude-sonnet-4-5", legacy},
		{"claude-haiku-4-5-20251001", legacy},
		{"claude-opus-4-6", legacy},
		{"claude-2.1", legacy},
		{"anthropic.claude-3-5-sonnet-20240620-v1:0", legacy}, // Bedrock
		{"claude-3-5-sonnet-v2@20241022", legacy},             // Vertex
		{"anthropic/claude-3.5-sonnet", legacy},               // OpenRouter
		{"claude-opus-4-7", conservative},                     // the new tokenizer
		{"claude-sonnet-5", conservative},
		{"claude-opus-4-10", conservative},
		{"claude", conservative},
		{"gemini-2.5-pro", conservative},
		{"llama-3.1-70b-instruct", conservative},
		{"mistral-large-latest", conservative},
		{"", conservative},
		{"my-azure-deployment", conservative},
		{"gpt-7-turbo", 4}, // an OpenAI model newer than the list: o200k
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.Count(tt.model, text), tt.model)
	}
}

func TestClaudeFactorAppliedOnSamples(t *testing.T) {
	t.Parallel()
	c, o200k, cl100k := newCounter(t)
	for _, s := range samples(t) {
		if len(s.text) > 10<<10 {
			continue // the same arithmetic; spare -race the big files
		}
		base := max(len(o200k.EncodeOrdinary(s.text)), len(cl100k.EncodeOrdinary(s.text)))
		assert.Equal(t, int(math.Ceil(float64(base)*tokenizer.ClaudeLegacyFactor)), c.Count("claude-sonnet-4-5", s.text), s.name)
		assert.Equal(t, int(math.Ceil(float64(base)*tokenizer.ConservativeFactor)), c.Count("claude-opus-4-7", s.text), s.name)
		assert.Greater(t, c.Count("claude-sonnet-4-5", s.text), c.Count("gpt-4o", s.text), s.name)
	}
}

func TestCountMessages(t *testing.T) {
	t.Parallel()
	c, o200k, cl100k := newCounter(t)

	// OpenAI's cookbook formula: content + role + 3 per message, + 3 for
	// the reply. "Say this is a test!" is 6 tokens, "user" 1.
	assert.Equal(t, 6+1+3+3, c.CountMessages("gpt-3.5-turbo", "", []llm.Message{{Role: llm.RoleUser, Content: "Say this is a test!"}}))
	assert.Equal(t, tokenizer.TokensReplyPrime, c.CountMessages("gpt-4o", "", nil))

	system := "You are CodeMentor, a patient programming tutor. Never give away the full solution."
	msgs := []llm.Message{
		{Role: llm.RoleUser, Content: "Why does my loop never end?\n\n" + "```python\nwhile i < 10:\n    print(i)\n```"},
		{Role: llm.RoleAssistant, Content: "Look at `i`: where does it change?"},
		{Role: llm.RoleUser, Content: "Oh! It never does. 😅"},
	}
	want := func(enc *tiktoken.Tiktoken) int {
		n := 3 + 3 + len(enc.EncodeOrdinary("system")) + len(enc.EncodeOrdinary(system))
		for _, m := range msgs {
			n += 3 + len(enc.EncodeOrdinary(string(m.Role))) + len(enc.EncodeOrdinary(m.Content))
		}
		return n
	}
	assert.Equal(t, want(o200k), c.CountMessages("gpt-4o", system, msgs))
	assert.Equal(t, want(cl100k), c.CountMessages("gpt-4", system, msgs))
	base := max(want(o200k), want(cl100k))
	assert.Equal(t, int(math.Ceil(float64(base)*tokenizer.ClaudeLegacyFactor)), c.CountMessages("claude-3-7-sonnet-latest", system, msgs))
	assert.Equal(t, int(math.Ceil(float64(base)*tokenizer.ConservativeFactor)), c.CountMessages("gemini-2.5-flash", system, msgs))

	// The framing is counted on top of the texts.
	texts := c.Count("gpt-4o", system)
	for _, m := range msgs {
		texts += c.Count("gpt-4o", m.Content)
	}
	assert.Greater(t, c.CountMessages("gpt-4o", system, msgs), texts)
	assert.Equal(t, c.CountMessages("gpt-4o", "", msgs)+3+1+c.Count("gpt-4o", system), c.CountMessages("gpt-4o", system, msgs))
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, _, _ := newCounter(t)
	texts := []string{pythonSample, javascriptSample, englishSample, chineseSample, hindiSample, emojiSample, "\xff\xfe", ""}
	models := []string{"gpt-4o", "gpt-4", "claude-sonnet-4-5", "gemini-2.5-pro"}
	want := map[string]int{}
	for _, m := range models {
		for i, s := range texts {
			want[fmt.Sprint(m, i)] = c.Count(m, s)
		}
	}
	msgs := []llm.Message{{Role: llm.RoleUser, Content: pythonSample}, {Role: llm.RoleAssistant, Content: englishSample}}
	wantMsgs := c.CountMessages("claude-opus-4-7", "Be brief.", msgs)

	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := tokenizer.New()
			if !assert.NoError(t, err) {
				return
			}
			for k := 0; k < 5; k++ {
				for _, m := range models {
					for i, s := range texts {
						assert.Equal(t, want[fmt.Sprint(m, i)], c.Count(m, s))
					}
				}
				assert.Equal(t, wantMsgs, c.CountMessages("claude-opus-4-7", "Be brief.", msgs))
			}
		}()
	}
	wg.Wait()
}

func TestOddInputNeverPanics(t *testing.T) {
	t.Parallel()
	c, o200k, _ := newCounter(t)
	for _, s := range []string{
		"",
		"\xff",
		"\xff\xfe\xfd",
		"a\xc3(b",          // a truncated sequence
		"\xed\xa0\x80",     // an encoded surrogate
		"\xf4\x90\x80\x80", // beyond U+10FFFF
		"\x00\x00\x00",     // NULs
		"<|endoftext|>",    // special tokens are plain text in a prompt
		"<|endofprompt|><|fim_prefix|>hi<|im_start|>",
		strings.Repeat("\u200d", 300),  // zero-width joiners
		strings.Repeat("🏳️‍🌈", 200),    // a long emoji sequence
		strings.Repeat("e\u0301", 500), // combining marks
	} {
		var got int
		require.NotPanics(t, func() { got = c.Count("gpt-4o", s) }, "%q", s)
		require.NotPanics(t, func() { c.Count("claude-opus-4-7", s) }, "%q", s)
		require.NotPanics(t, func() { c.CountMessages("gpt-4", s, []llm.Message{{Role: llm.RoleUser, Content: s}}) }, "%q", s)
		want := len(o200k.EncodeOrdinary(s))
		assert.GreaterOrEqual(t, got, want, "%q", s)
		assert.LessOrEqual(t, float64(got), float64(want)*1.05+1, "%q", s) // long runs are cut
		if s != "" {
			assert.Positive(t, got, "%q", s)
		}
	}
	assert.Equal(t, 7, c.Count("gpt-4o", "<|endoftext|>"), "counted as text, not as one special token")

	var zero tokenizer.Counter // not from New: counts are still safe upper bounds
	require.NotPanics(t, func() { assert.Equal(t, 5, zero.Count("gpt-4o", "hello")) })
}

// Long texts are counted in parts, and so are runs no real text has; the
// parts plus one token per cut never fall below the real count.
func TestLargeAndPathologicalInputs(t *testing.T) {
	t.Parallel()
	c, o200k, cl100k := newCounter(t)
	r := rand.New(rand.NewSource(1))
	randomLetters := make([]byte, 6000)
	for i := range randomLetters {
		randomLetters[i] = byte('a' + r.Intn(26))
	}
	big := strings.Repeat(pythonSample+javascriptSample+chineseSample+jsonSample, 70) // ~350 KB
	tests := []struct {
		name, text string
		slack      float64 // how much above the real count is fine
	}{
		{"350 KB of code and prose", big, 0.001},
		{"6 KB of one letter", strings.Repeat("a", 6000), 0.1},
		{"6 KB of spaces", strings.Repeat(" ", 6000), 1}, // 48 tokens whole, 94 in 255-byte parts
		{"6 KB of newlines", strings.Repeat("\n", 6000), 0.5},
		{"2000 CJK characters in a row", strings.Repeat("中文字", 700), 0.1},
		{"6000 digits", strings.Repeat("1234567890", 600), 0.05},
		{"6 KB of random letters", string(randomLetters), 0.05},
		{"6 KB of punctuation", strings.Repeat("!?", 3000), 0.1},
		{"3 KB of invalid bytes", strings.Repeat("\xff", 3000), 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, ref := range []struct {
				model string
				enc   *tiktoken.Tiktoken
			}{{"gpt-4o", o200k}, {"gpt-4", cl100k}} {
				want := len(ref.enc.EncodeOrdinary(tt.text))
				got := c.Count(ref.model, tt.text)
				assert.GreaterOrEqual(t, got, want, ref.model)
				assert.LessOrEqual(t, float64(got), float64(want)*(1+tt.slack)+1, ref.model)
			}
		})
	}
	// Too slow to check against the library (quadratic), but must finish.
	got := c.Count("gpt-4o", strings.Repeat("a", 1<<20))
	assert.Greater(t, got, 100000)
	assert.LessOrEqual(t, got, 1<<20)
}

// The key test: domain/llm.EstimateTokens, the stdlib-only fallback, must
// not count below either encoding on code or prose, and must stay useful.
func TestEstimateTokensOverCountsSamples(t *testing.T) {
	t.Parallel()
	c, _, _ := newCounter(t)
	lowest, highest := math.Inf(1), 0.0
	t.Logf("%-26s %7s %7s %7s %9s %9s", "sample", "o200k", "cl100k", "est", "est/o200k", "est/cl100k")
	for _, s := range samples(t) {
		o, cl := c.Count("gpt-4o", s.text), c.Count("gpt-4", s.text)
		est := llm.EstimateTokens(s.text)
		t.Logf("%-26s %7d %7d %7d %9.2f %9.2f", s.name, o, cl, est, float64(est)/float64(o), float64(est)/float64(cl))
		assert.GreaterOrEqual(t, est, o, "%s: below o200k", s.name)
		assert.GreaterOrEqual(t, est, cl, "%s: below cl100k", s.name)
		// Useful: at most 3x the larger count (o200k alone can be 3x below
		// cl100k on some scripts, and the estimate must cover both) and 2x
		// on code and English.
		larger := max(o, cl)
		assert.LessOrEqual(t, est, 3*larger, "%s: over 3x", s.name)
		if s.kind == "code" || s.kind == "english" {
			assert.LessOrEqual(t, est, 2*o, "%s: over 2x o200k", s.name)
		}
		ratio := float64(est) / float64(larger)
		lowest, highest = math.Min(lowest, ratio), math.Max(highest, ratio)
	}
	t.Logf("estimate / larger count: %.2f to %.2f", lowest, highest)
}

func BenchmarkCount(b *testing.B) {
	c, _, _ := newCounter(b)
	text := codeSample10KB()
	for _, model := range []string{"gpt-4o", "claude-sonnet-4-5"} {
		b.Run(model, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				c.Count(model, text)
			}
		})
	}
}

func codeSample10KB() string {
	s := strings.Repeat(pythonSample+javascriptSample, 10240/(len(pythonSample)+len(javascriptSample))+1)
	return s[:10240]
}

type sample struct{ name, kind, text string }

// samples returns code (inline, from the Go distribution and from this
// repository) and prose (inline, in eleven languages).
func samples(t *testing.T) []sample {
	t.Helper()
	out := []sample{
		{"python (inline)", "code", pythonSample},
		{"javascript (inline)", "code", javascriptSample},
		{"json", "data", jsonSample},
		{"markdown answer", "english", markdownSample},
		{"stack trace", "code", stackTraceSample},
		{"english", "english", englishSample},
		{"german", "prose", germanSample},
		{"french", "prose", frenchSample},
		{"spanish", "prose", spanishSample},
		{"vietnamese", "prose", vietnameseSample},
		{"russian", "prose", russianSample},
		{"chinese", "prose", chineseSample},
		{"japanese", "prose", japaneseSample},
		{"korean", "prose", koreanSample},
		{"arabic", "prose", arabicSample},
		{"hindi", "prose", hindiSample},
		{"emoji chat", "prose", emojiSample},
	}
	for _, f := range []string{"../../../domain/llm/llm.go", "../../../ports/llm.go", "tokenizer.go"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, sample{"repo " + strings.TrimPrefix(f, "../../../"), "code", string(b)})
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Logf("no go command, no GOROOT samples: %v", err)
		return out
	}
	found := 0
	for _, f := range []string{
		"src/strings/strings.go", "src/sort/sort.go", "src/bufio/scan.go", "src/fmt/print.go",
		"src/encoding/json/encode.go", "src/net/http/request.go", "src/unicode/tables.go",
		"src/runtime/runtime-gdb.py", "lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js",
		"src/cmd/vendor/github.com/google/pprof/internal/driver/html/stacks.js",
		"src/internal/trace/traceviewer/static/webcomponents.min.js",
		"src/math/big/arith_amd64.s", "CONTRIBUTING.md",
	} {
		b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), f))
		if err != nil {
			continue // files move between Go versions
		}
		found++
		if len(b) > 60000 { // a few hundred lines are enough
			b = b[:60000]
			for !utf8.Valid(b) {
				b = b[:len(b)-1]
			}
		}
		kind := "code"
		if strings.HasSuffix(f, ".md") {
			kind = "english"
		}
		out = append(out, sample{"GOROOT " + filepath.Base(f), kind, string(b)})
	}
	require.GreaterOrEqual(t, found, 8, "GOROOT samples")
	return out
}

// Inline samples: code a learner might paste and prose a tutor might write.

const pythonSample = `"""Exercise 12: word frequencies.

Read a text, count how often each word appears and print the ten most
common ones, ignoring case and punctuation.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

WORD_RE = re.compile(r"[a-zA-Z']+")


@dataclass(frozen=True)
class Stats:
    total: int
    distinct: int
    top: list[tuple[str, int]] = field(default_factory=list)

    def as_table(self, width: int = 20) -> str:
        lines = [f"{'word':<{width}} count", "-" * (width + 6)]
        for word, n in self.top:
            lines.append(f"{word:<{width}} {n:>5}")
        lines.append(f"total={self.total} distinct={self.distinct}")
        return "\n".join(lines)


def words(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        for match in WORD_RE.finditer(line):
            word = match.group(0).strip("'").lower()
            if word:
                yield word


def stats(lines: Iterable[str], n: int = 10) -> Stats:
    counts = Counter(words(lines))
    return Stats(total=sum(counts.values()), distinct=len(counts), top=counts.most_common(n))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} FILE", file=sys.stderr)
        return 2
    path = Path(argv[1])
    try:
        with path.open(encoding="utf-8") as f:
            result = stats(f)
    except FileNotFoundError:
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    except UnicodeDecodeError as e:
        print(f"{path}: not UTF-8 ({e.reason} at byte {e.start})", file=sys.stderr)
        return 1
    print(result.as_table())
    return 0


class TestStats:
    def test_counts_ignore_case(self):
        s = stats(["The cat and the hat.", "THE END"])
        assert s.top[0] == ("the", 3)
        assert s.total == 6 and s.distinct == 4

    def test_apostrophes(self):
        assert list(words(["don't 'quote' me"])) == ["don't", "quote", "me"]

    def test_empty(self):
        assert stats([]) == Stats(total=0, distinct=0, top=[])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
`

const javascriptSample = `// Exercise 7: a small debounced search box with a cache.
'use strict';

const API_URL = 'https://api.example.com/v1/search';
const cache = new Map();

/**
 * debounce returns a function that calls fn only after wait ms without calls.
 * @param {Function} fn
 * @param {number} wait
 */
export function debounce(fn, wait = 250) {
  let timer = null;
  return function debounced(...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

export async function search(query, { signal, limit = 10 } = {}) {
  const key = ` + "`${query.trim().toLowerCase()}:${limit}`" + `;
  if (cache.has(key)) return cache.get(key);
  const url = new URL(API_URL);
  url.searchParams.set('q', query);
  url.searchParams.set('limit', String(limit));
  const res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!res.ok) {
    throw new Error(` + "`search failed: ${res.status} ${res.statusText}`" + `);
  }
  const { items = [] } = await res.json();
  const results = items
    .filter((it) => it && typeof it.title === 'string')
    .map(({ id, title, score = 0 }) => ({ id, title: title.slice(0, 80), score: +score.toFixed(2) }))
    .sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
  cache.set(key, results);
  return results;
}

function render(list, results) {
  list.replaceChildren(
    ...results.map((r, i) => {
      const li = document.createElement('li');
      li.dataset.id = r.id;
      li.textContent = ` + "`${i + 1}. ${r.title} (${r.score})`" + `;
      return li;
    }),
  );
}

export function mount(root) {
  const input = root.querySelector('input[type="search"]');
  const list = root.querySelector('ul.results');
  let controller = null;
  const onInput = debounce(async () => {
    controller?.abort();
    controller = new AbortController();
    const q = input.value;
    if (q.length < 2) return render(list, []);
    try {
      render(list, await search(q, { signal: controller.signal }));
    } catch (err) {
      if (err.name !== 'AbortError') console.error(err);
    }
  }, 300);
  input.addEventListener('input', onInput);
  return () => input.removeEventListener('input', onInput);
}

// Tests (node --test)
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('debounce calls once', async () => {
  let n = 0;
  const f = debounce(() => n++, 10);
  f(); f(); f();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(n, 1);
});
`

const jsonSample = `{
  "exercise": {"id": "ex_01HZX3K9V6Q2", "title": "Two sum", "difficulty": "easy", "language": "python"},
  "submission": {"id": 48213, "learner": "u_7f3a9c", "submitted_at": "2025-03-14T09:26:53.589Z",
    "verdict": "failed", "runtime_ms": 41.7, "memory_kb": 10240,
    "tests": [
      {"name": "example_1", "input": [[2, 7, 11, 15], 9], "expected": [0, 1], "got": [0, 1], "passed": true},
      {"name": "negative", "input": [[-3, 4, 3, 90], 0], "expected": [0, 2], "got": null, "passed": false,
       "error": "IndexError: list index out of range (line 8)"},
      {"name": "large", "input": [[1000000000, -999999999, 3], 1], "expected": [0, 1], "got": [0, 1], "passed": true}
    ]},
  "hints_used": 2, "xp": 0, "streak": {"days": 12, "best": 31}
}`

const englishSample = `Recursion is a technique where a function calls itself to solve a smaller
instance of the same problem. Every recursive function needs a base case: a
condition under which it stops calling itself and returns a value directly.
Without one, the calls never end and the program eventually crashes with a
stack overflow.

Take the factorial as an example. The factorial of zero is one; that is the
base case. The factorial of any positive integer n is n multiplied by the
factorial of n - 1, which is the recursive case. Notice that each call works
on a smaller number, so the chain of calls is guaranteed to reach zero.

Beginners often try to trace every level of the recursion in their head and
quickly get lost. A better habit is to trust the recursion: check that the
base case is right, check that each call makes the problem strictly smaller,
and assume the smaller call returns the correct answer. If those three things
hold, the whole function is correct. When you're debugging, print the
argument at the top of the function; you'll see exactly how the problem
shrinks, and where it doesn't.`

const markdownSample = "Good start! Your loop works, but it checks every pair of numbers, so it runs in **O(n²)** time.\n\n" +
	"A faster approach keeps a dictionary of the numbers you've already seen:\n\n" +
	"```python\ndef two_sum(nums: list[int], target: int) -> list[int]:\n    seen: dict[int, int] = {}\n" +
	"    for i, n in enumerate(nums):\n        if target - n in seen:\n            return [seen[target - n], i]\n" +
	"        seen[n] = i\n    return []\n```\n\n" +
	"Before you look at it too closely, ask yourself:\n\n1. What does `seen` map *from* and *to*?\n" +
	"2. Why do we check `target - n` **before** storing `n`?\n3. What happens with `[3, 3]` and a target of `6`?\n\n" +
	"> Tip: run `pytest -k two_sum -v` to see which test fails first.\n"

const stackTraceSample = `Traceback (most recent call last):
  File "/home/learner/ex12/main.py", line 71, in <module>
    sys.exit(main(sys.argv))
  File "/home/learner/ex12/main.py", line 55, in main
    result = stats(f)
  File "/home/learner/ex12/main.py", line 45, in stats
    counts = Counter(words(lines))
  File "/usr/lib/python3.12/collections/__init__.py", line 607, in __init__
    self.update(iterable, **kwds)
  File "/home/learner/ex12/main.py", line 39, in words
    word = match.group(1).strip("'").lower()
IndexError: no such group
panic: runtime error: index out of range [5] with length 5

goroutine 1 [running]:
main.sum({0xc000012345, 0x5, 0x5})
	/tmp/sandbox/prog.go:9 +0x5d
main.main()
	/tmp/sandbox/prog.go:14 +0x4a
exit status 2`

const germanSample = `Eine Schleife wiederholt einen Block von Anweisungen, solange eine Bedingung
erfüllt ist. Achte darauf, dass sich die Bedingung irgendwann ändert, sonst
läuft dein Programm endlos weiter. Wenn du unsicher bist, füge vorübergehend
Ausgaben hinzu, um den Wert der Zählvariablen bei jedem Durchlauf zu sehen.
Fehlermeldungen sind keine Strafe, sondern Hinweise: Sie nennen die Datei, die
Zeile und oft auch die Ursache des Problems. Lies sie vollständig, bevor du den
Code änderst, und überprüfe anschließend, ob die Änderung das Verhalten wirklich
verbessert hat.`

const frenchSample = `Une fonction pure renvoie toujours le même résultat pour les mêmes arguments et
ne modifie rien en dehors d'elle-même. Ce genre de fonction est facile à tester,
car il suffit de comparer la valeur obtenue avec la valeur attendue. Lorsque
votre programme devient difficile à comprendre, essayez d'en extraire de petites
fonctions pures : chacune aura un nom clair, une responsabilité unique et des
tests simples. N'hésitez pas à relire votre code le lendemain ; les erreurs
sautent souvent aux yeux après une pause.`

const spanishSample = `Una lista es una colección ordenada de elementos a la que se accede mediante
un índice que empieza en cero. Si intentas leer una posición que no existe, el
programa lanzará un error de índice fuera de rango. Antes de recorrer una lista,
pregúntate si necesitas el índice o solo los valores: en muchos lenguajes existe
una forma más sencilla y legible de iterar directamente sobre los elementos.
¡Practicar con ejemplos pequeños es la mejor manera de aprender!`

const vietnameseSample = `Lập trình là một kỹ năng cần được rèn luyện hằng ngày. Khi chương trình của
bạn gặp lỗi, hãy đọc kỹ thông báo lỗi vì nó thường cho biết vị trí và nguyên
nhân của vấn đề. Hãy chia bài toán lớn thành những phần nhỏ hơn và kiểm tra
từng phần một trước khi ghép chúng lại với nhau. Viết kiểm thử giúp bạn chắc
chắn rằng những thay đổi mới không làm hỏng các chức năng đã chạy đúng.`

const russianSample = `Рекурсия — это приём, при котором функция вызывает саму себя. Чтобы
рекурсивная функция завершилась, у неё обязательно должен быть базовый случай,
в котором дальнейшие вызовы не происходят. Например, факториал нуля равен
единице, а факториал любого положительного числа равен этому числу, умноженному
на факториал предыдущего. Начинающие программисты часто пытаются мысленно
проследить каждый уровень вызовов и быстро запутываются. Гораздо полезнее
проверить две вещи: верен ли базовый случай и приближает ли каждый шаг задачу к
нему.`

const chineseSample = `递归是一种函数调用自身的编程技术。在编写递归函数时，必须先确定基本情况，也就是不再继续调用自身的条件，否则程序会无限递归，最终导致栈溢出。例如，计算阶乘时，零的阶乘等于一，这就是基本情况；而任何正整数的阶乘都等于它本身乘以前一个数的阶乘。
理解递归的关键在于相信函数能够正确地解决规模更小的同一问题。初学者常常试图在脑海中追踪每一层调用，这样很快就会感到困惑。更好的方法是关注两件事：基本情况是否正确，以及每次递归调用是否让问题更接近基本情况。`

const japaneseSample = `プログラミングを学ぶときに最も大切なのは、毎日少しずつでもコードを書き続けることです。エラーメッセージは敵ではなく、問題の場所を教えてくれる手がかりです。まずはメッセージを最後まで読み、どの行で何が起きたのかを確認しましょう。
分からない場合は、問題を小さく分けて、一つずつ確かめると原因が見つかりやすくなります。テストを書く習慣をつけると、変更を加えたときに既存の機能が壊れていないかをすぐに確認できます。`

const koreanSample = `변수는 값을 저장하는 이름이 붙은 상자라고 생각할 수 있습니다. 함수는 입력을 받아 정해진 작업을 수행한 뒤 결과를 돌려줍니다. 처음 프로그래밍을 배울 때는 오류가 자주 발생하지만, 오류 메시지를 차분히 읽으면 대부분의 문제를 스스로 해결할 수 있습니다.
반복문을 사용할 때는 종료 조건을 반드시 확인하세요. 그렇지 않으면 프로그램이 끝나지 않고 계속 실행될 수 있습니다. 코드를 작은 단위로 나누어 테스트하는 습관은 실력을 빠르게 향상시켜 줍니다.`

const arabicSample = `البرمجة مهارة تُكتسب بالممارسة المستمرة وليس بالحفظ. عندما تواجه خطأً في برنامجك، اقرأ رسالة الخطأ بعناية، فهي تخبرك غالبًا بمكان المشكلة وسببها. قسّم المشكلة الكبيرة إلى أجزاء صغيرة، واختبر كل جزء على حدة قبل أن تجمعها معًا. كتابة الاختبارات تساعدك على التأكد من أن التغييرات الجديدة لا تُفسد ما كان يعمل من قبل.`

const hindiSample = `प्रोग्रामिंग सीखने का सबसे अच्छा तरीका है रोज़ थोड़ा-थोड़ा कोड लिखना। जब आपके प्रोग्राम में कोई त्रुटि आए, तो घबराएँ नहीं, बल्कि त्रुटि संदेश को ध्यान से पढ़ें। वह अक्सर बताता है कि समस्या किस पंक्ति में है और उसका कारण क्या हो सकता है। बड़ी समस्या को छोटे हिस्सों में बाँटें और हर हिस्से को अलग से जाँचें। परीक्षण लिखने की आदत आपके कोड को अधिक भरोसेमंद बनाती है।`

const emojiSample = `Great job!!! 🎉🎉 Your solution passes all 12 tests ✅✅✅ but the loop on line 12 is O(n²) 😅 — try a map 🗺️ instead! 🚀🔥👍 Keep the streak going: day 13 of 30 📅`

func TestLazyCountsLikeTheCounter(t *testing.T) {
	t.Parallel()
	c, err := tokenizer.New()
	require.NoError(t, err)
	text := "func main() { fmt.Println(\"hello, world\") }"
	assert.Equal(t, c.Count("gpt-4o", text), tokenizer.Lazy{}.Count("gpt-4o", text))
	msgs := []llm.Message{{Role: llm.RoleUser, Content: text}}
	assert.Equal(t, c.CountMessages("claude-sonnet-4-5", "be brief", msgs), tokenizer.Lazy{}.CountMessages("claude-sonnet-4-5", "be brief", msgs))
}

// Long texts are remembered: counting them again answers the same, for
// each encoding, and concurrent use is safe.
func TestLongTextsAreCountedOnce(t *testing.T) {
	t.Parallel()
	c, o200k, _ := newCounter(t)
	long := strings.Repeat("The tutor asks a question about loops and slices. ", 40)
	want := c.Count("claude-sonnet-4-5", long) // both encodings and a factor
	require.Positive(t, want)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				assert.Equal(t, want, c.Count("claude-sonnet-4-5", long))
				assert.Equal(t, len(o200k.EncodeOrdinary(long)), c.Count("gpt-4.1-mini", long))
			}
		}()
	}
	wg.Wait()
	other := long + "And one more sentence."
	assert.NotEqual(t, c.Count("gpt-4.1-mini", long), c.Count("gpt-4.1-mini", other), "a different text is counted afresh")
}
