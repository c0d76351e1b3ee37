package llm_test

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain/llm"
)

// The comparison with real tokenizers lives in adapters/llm/tokenizer; here
// the rules themselves and the estimate's basic properties.

func TestEstimateTokensRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int
	}{
		{"empty", "", 0},
		{"a word: max(1, bytes/4) + 1/4", "hello", 2},           // 1.5
		{"a space before a word is free", "hello world", 3},     // 1.5 + 1.5
		{"capitals cost 1 per 2", "Hello, world!", 6},           // 1.75 + 1 + 1.5 + 1
		{"long words 1 per 4 bytes", "internationalization", 6}, // 20/4 + 1/4
		{"digits in groups of 3", "1234567", 3},                 // 123 456 7
		{"camelCase splits", "getUserByID", 6},                  // get User By ID
		{"all capitals", "SIGSEGV", 4},                          // 7/2 + 1/4
		{"no vowel: 3/4 per letter", "HTTP", 3},                 // max(4/2+1/4, 3)
		{"punctuation 1 per 2", "();", 2},
		{"one newline", "\n", 1},
		{"indentation", "\n\t\t", 3},                          // 2 + 3/64
		{"a space takes the punctuation", " (x", 3},           // " (" and "x"
		{"punctuation joins a word", "(x", 2},                 // "(x"
		{"other scripts 1 per 2 bytes", "你好", 4},              // 6/2 + 1/4
		{"symbols 1 per 2 bytes", "🎉", 2},                     // 4/2
		{"random-looking runs", "eyJhbGciOiJIUzI1NiJ9", 15},   // min(1.3 x 15 case runs, 0.75 x 20 bytes)
		{"mixed letters and digits", "a1b2c3d4", 9},           // the parts cost more than the random rule
		{"invalid bytes count as U+FFFD", "\xff\xfe", 3},      // 2 x 3/2
		{"special tokens are plain text", "<|endoftext|>", 5}, // "<|" "endoftext" "|>"
		{"code", "x := f(a, b)", 8},
		{"a long run of spaces", strings.Repeat(" ", 640), 12}, // 2 + 640/64
		{"a long number", strings.Repeat("9", 3000), 1000},
		{"other scripts' digits", "٣٤٥", 3},                        // Arabic-Indic: 6/2
		{"combining marks stay in the word", "e\u0301te\u0301", 3}, // 3 ASCII + 4 other bytes: 3/4 + 4/2 + 1/4
		{"tabs and CR", "a\tb\r\nc", 7},
		{"no-break space is white space", "a\u00a0b", 4}, // 1.25 + 1 + 1.25
		{"a vowel-less pair", "fc", 2},                   // max(2/4+1/4 -> 1.25, 1.5)
		{"a single upper-case letter", "A", 2},           // 1.25
		{"lower then upper is a new part", "aB", 3},      // a, B
		{"upper then lower is one part", "Ab", 2},        // max(1, 1/2 + 1/4) + 1/4
		{"digits then letters", "42abc", 3},              // 1 + 1.25
		{"letters then digits", "abc42", 3},              // 1.25 + 1
		{"a URL", "https://example.com/a?b=1", 14},       // "https" has no vowel: 5 x 3/4
		{"a space before a digit is a token", "x 1", 4},  // 1.25 + 1 + 1
		{"a space at the end is a token", "x ", 3},       // 1.25 + 1
		{"two spaces before a word", "x  y", 5},          // 1.25 + 2.03 + 1.25
		{"a lone punctuation mark", ".", 1},
		{"NUL", "\x00", 1},
		{"an emoji with a variation selector", "🗺️", 4}, // 4/2 + (3/2 + 1/4)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, llm.EstimateTokens(tt.in), "%q", tt.in)
		})
	}
}

func TestEstimateTokensIsPositiveAndAtMostTwoPerByte(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", "7", " ", "\n", "\t", "(", ".", "é", "中", "🎉", "\xff", "\xc3", "_", "-"}
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for n := 1 + r.Intn(40); n > 0; n-- {
			if r.Intn(4) == 0 {
				b.WriteByte(byte(r.Intn(256))) // anything, valid UTF-8 or not
			} else {
				b.WriteString(alphabet[r.Intn(len(alphabet))])
			}
		}
		s := b.String()
		got := llm.EstimateTokens(s)
		assert.GreaterOrEqual(t, got, 1, "%q", s)
		// Real byte-level tokenizers spend at most 1 token per byte; the
		// estimate never charges more than 1.5 per byte (+1 for rounding).
		assert.LessOrEqual(t, got, 2*len(s), "%q", s)
	}
}

func TestEstimateTokensGrowsWithTheText(t *testing.T) {
	t.Parallel()
	lines := strings.Split(prose+"\n"+code, "\n")
	prev := 0
	for k := 1; k <= len(lines); k++ {
		got := llm.EstimateTokens(strings.Join(lines[:k], "\n"))
		assert.GreaterOrEqual(t, got, prev, "after line %d", k)
		prev = got
	}
	// Repeating a text costs about as much again each time: no runaway,
	// no discount.
	one := llm.EstimateTokens(code + "\n")
	for _, k := range []int{2, 10, 100} {
		got := llm.EstimateTokens(strings.Repeat(code+"\n", k))
		assert.InDelta(t, float64(k*one), float64(got), float64(k), "%d copies", k)
	}
}

func TestEstimateTokensScale(t *testing.T) {
	t.Parallel()
	// English prose: real tokenizers spend ~1.2 tokens a word; the estimate
	// must be above that, but not absurdly so.
	words := len(strings.Fields(prose))
	got := llm.EstimateTokens(prose)
	assert.GreaterOrEqual(t, got, words*6/5)
	assert.LessOrEqual(t, got, words*5/2)
	// Code: real tokenizers spend ~1 token per 3.5 bytes.
	got = llm.EstimateTokens(code)
	assert.GreaterOrEqual(t, got, len(code)/4)
	assert.LessOrEqual(t, got, len(code)*2/3)
}

func BenchmarkEstimateTokens(b *testing.B) {
	text := strings.Repeat(code+"\n"+prose+"\n", 10240/(len(code)+len(prose)+2)+1)[:10240]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		llm.EstimateTokens(text)
	}
}

const prose = `Recursion is a technique where a function calls itself to solve a smaller
instance of the same problem. Every recursive function needs a base case: a
condition under which it stops calling itself and returns a value directly.
Without one, the calls never end and the program eventually crashes with a
stack overflow. When you're debugging, print the argument at the top of the
function; you'll see exactly how the problem shrinks, and where it doesn't.`

const code = `func fib(n int) int {
	if n < 2 {
		return n // the base case
	}
	return fib(n-1) + fib(n-2)
}

def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)

const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
console.log(` + "`fib(10) = ${fib(10)}`" + `);`
