package review_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/review"
)

// Two counters: one rune per token, and one token per word (both add up
// exactly over the prompt's parts, which meet at blank lines).
var (
	runeCounter = utf8.RuneCountInString
	wordCounter = func(s string) int { return len(strings.Fields(s)) }
)

func file(path string, lines int) review.File {
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "x%d = compute(%d)\n", i, i)
	}
	return review.File{Path: path, Language: review.LanguageOf(path), Content: b.String()}
}

func TestNewPackerRefusesUnusableBudgets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		chunks, tok int
		count       func(string) int
	}{
		{"no counter", 1, 10000, nil},
		{"no chunk", 0, 10000, runeCounter},
		{"negative chunks", -1, 10000, runeCounter},
		{"chunk smaller than its framing", 3, 50, runeCounter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := review.NewPacker(target, nonce, tt.chunks, tt.tok, tt.count)
			require.Error(t, err)
			assert.Nil(t, p)
		})
	}
}

func TestPackerKeepsEveryChunkWithinBudget(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		count func(string) int
		tok   int
	}{{"runes", runeCounter, 3000}, {"words", wordCounter, 600}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := review.NewPacker(target, nonce, 3, tc.tok, tc.count)
			require.NoError(t, err)
			for i := range 40 {
				p.Offer(file(fmt.Sprintf("pkg/f%02d.py", i), 3+i%17))
			}
			chunks := p.Chunks()
			require.Len(t, chunks, 3)
			for i, c := range chunks {
				require.NotEmpty(t, c.Files)
				prompt := review.ChunkPrompt(target, nonce, i+1, len(chunks), c.Files)
				assert.LessOrEqual(t, tc.count(prompt), tc.tok, "chunk %d", i+1)
				assert.LessOrEqual(t, tc.count(prompt), c.Tokens, "the estimate bounds the prompt")
			}
		})
	}
}

func TestPackerRefusals(t *testing.T) {
	t.Parallel()
	p, err := review.NewPacker(target, nonce, 2, 1600, runeCounter)
	require.NoError(t, err)

	// A file that fits no chunk even alone is too large; the packer goes on.
	reason, refused := p.Offer(file("huge.py", 200))
	assert.True(t, refused)
	assert.Equal(t, review.SkipTooLarge, reason)
	assert.Empty(t, p.Chunks())
	assert.False(t, p.Full())

	big := file("big.py", 30)
	reason, refused = p.Offer(big)
	require.False(t, refused, "%s", reason)
	reason, refused = p.Offer(file("big2.py", 30))
	require.False(t, refused, "%s", reason)
	require.Len(t, p.Chunks(), 2, "the second big file opens a second chunk")

	// Both chunks are nearly full: another big file is over budget, but a
	// small one still fills a gap, in the first chunk with room.
	reason, refused = p.Offer(file("big3.py", 30))
	assert.True(t, refused)
	assert.Equal(t, review.SkipBudget, reason)
	reason, refused = p.Offer(file("tiny.py", 1))
	require.False(t, refused, "%s", reason)
	chunks := p.Chunks()
	assert.Equal(t, []string{"big.py", "tiny.py"}, paths(chunks[0].Files))
	assert.Equal(t, []string{"big2.py"}, paths(chunks[1].Files))

	// Fill every gap with the smallest files until the packer says it is full.
	for i := 0; !p.Full(); i++ {
		require.Less(t, i, 1000, "the packer must fill up")
		_, refused := p.Offer(review.File{Path: "x", Content: "x"})
		require.False(t, refused, "a file that fits Room is accepted")
	}
	assert.Less(t, p.Room(), runeCounter(review.ChunkPrompt(target, nonce, 1, 1, []review.File{{Path: "x", Content: "x"}}))-
		runeCounter(review.ChunkPrompt(target, nonce, 1, 1, nil)))
	reason, refused = p.Offer(review.File{Path: "y", Content: "y"})
	assert.True(t, refused)
	assert.Equal(t, review.SkipBudget, reason)
}

func TestPackerRoom(t *testing.T) {
	t.Parallel()
	p, err := review.NewPacker(target, nonce, 1, 2000, runeCounter)
	require.NoError(t, err)
	empty := p.Room()
	assert.Greater(t, empty, 0)
	f := file("a.py", 5)
	_, refused := p.Offer(f)
	require.False(t, refused)
	block := runeCounter(review.ChunkPrompt(target, nonce, 1, 1, []review.File{f})) - runeCounter(review.ChunkPrompt(target, nonce, 1, 1, nil))
	assert.Equal(t, empty-block, p.Room())
	assert.Equal(t, 2000-p.Room(), p.Chunks()[0].Tokens)
}

func TestPackerMemoryIsBoundedByTheBudget(t *testing.T) {
	t.Parallel()
	p, err := review.NewPacker(target, nonce, 2, 5000, runeCounter)
	require.NoError(t, err)
	accepted, offered := 0, 0
	for i := 0; i < 5000; i++ { // a large repository
		offered++
		if _, refused := p.Offer(file(fmt.Sprintf("src/m%04d.py", i), 1+i%40)); !refused {
			accepted++
		}
		if p.Full() {
			break
		}
	}
	held := 0
	for _, c := range p.Chunks() {
		for _, f := range c.Files {
			held += len(f.Content)
		}
	}
	assert.LessOrEqual(t, held, 2*5000)
	assert.Less(t, accepted, offered)
}

func TestPackerChunksAreCopies(t *testing.T) {
	t.Parallel()
	p, err := review.NewPacker(target, nonce, 1, 5000, runeCounter)
	require.NoError(t, err)
	p.Offer(file("a.py", 2))
	c := p.Chunks()
	c[0].Files[0].Path = "changed"
	assert.Equal(t, "a.py", p.Chunks()[0].Files[0].Path)
}

func TestChunkLines(t *testing.T) {
	t.Parallel()
	c := review.Chunk{Files: []review.File{
		{Path: "a.py", Content: "x\ny\n"},
		{Path: "b.go", Patch: "@@ -1,1 +1,3 @@\n a\n+b\n+c"},
		{Path: "c.js", Content: ""},
	}}
	assert.Equal(t, map[string]int{"a.py": 2, "b.go": 3, "c.js": 0}, c.Lines())
}

func paths(fs []review.File) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Path
	}
	return out
}
