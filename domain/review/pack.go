package review

import (
	"fmt"
)

// Packer puts the files of a review into at most maxChunks chunks, each
// one user message of at most chunkTokens tokens as ChunkPrompt renders
// it (header, file blocks with their framing and line numbers, footer).
// The caller reads blobs one at a time, in priority order, and offers
// each file; the packer keeps only files it accepted, so its memory is
// bounded by the budget whatever the size of the repository. Files go to
// the first chunk with room (first fit), so a small file can still fill
// the end of an earlier chunk. A Packer is not safe for concurrent use.
type Packer struct {
	target      Target
	nonce       string
	maxChunks   int
	chunkTokens int
	count       func(string) int
	// reserve is what every chunk spends besides its files (header and
	// footer, counted with the largest chunk numbers); minCost is the cost
	// of the smallest possible file.
	reserve int
	minCost int
	chunks  []Chunk
}

// Chunk is a set of files reviewed by one model call.
type Chunk struct {
	Files []File
	// Tokens is the chunk's estimated prompt size (header and footer
	// included).
	Tokens int
}

// Lines maps each path of the chunk to its line count, for CheckAnswer.
func (c Chunk) Lines() map[string]int {
	out := make(map[string]int, len(c.Files))
	for _, f := range c.Files {
		out[f.Path] = f.Lines()
	}
	return out
}

// NewPacker builds a packer for target's review. nonce is the one later
// given to ChunkPrompt; count counts a text's tokens.
func NewPacker(t Target, nonce string, maxChunks, chunkTokens int, count func(string) int) (*Packer, error) {
	if count == nil {
		return nil, fmt.Errorf("review packer: a token counter is required")
	}
	if maxChunks < 1 {
		return nil, fmt.Errorf("review packer: at least one chunk is required, got %d", maxChunks)
	}
	p := &Packer{target: t, nonce: normalizeNonce(nonce), maxChunks: maxChunks, chunkTokens: chunkTokens, count: count}
	p.reserve = count(chunkHeader(t, p.nonce, maxChunks, maxChunks)) + count(chunkFooter)
	p.minCost = p.cost(File{Path: "x", Content: "x"})
	if p.room() < p.minCost {
		return nil, fmt.Errorf("review packer: %d tokens per chunk leave no room for a file (the framing takes %d)",
			chunkTokens, p.reserve)
	}
	return p, nil
}

// Offer adds a file (its content already redacted) to the first chunk
// with room. A refused file gets SkipTooLarge when it fits no chunk even
// alone, SkipBudget when the chunks are too full for it.
func (p *Packer) Offer(f File) (reason SkipReason, refused bool) {
	c := p.cost(f)
	if c > p.room() {
		return SkipTooLarge, true
	}
	for i := range p.chunks {
		if p.chunks[i].Tokens+c <= p.chunkTokens {
			p.chunks[i].Files = append(p.chunks[i].Files, f)
			p.chunks[i].Tokens += c
			return "", false
		}
	}
	if len(p.chunks) == p.maxChunks {
		return SkipBudget, true
	}
	p.chunks = append(p.chunks, Chunk{Files: []File{f}, Tokens: p.reserve + c})
	return "", false
}

// Full says that no further file can be accepted, not even the smallest:
// the caller stops reading blobs and records the rest as SkipBudget.
func (p *Packer) Full() bool { return p.Room() < p.minCost }

// Room is the largest file cost, in tokens, the packer could still accept.
func (p *Packer) Room() int {
	if len(p.chunks) < p.maxChunks {
		return p.room()
	}
	best := 0
	for _, c := range p.chunks {
		best = max(best, p.chunkTokens-c.Tokens)
	}
	return best
}

// Chunks are the filled chunks, in order (none when nothing was
// accepted). Each renders with ChunkPrompt(target, nonce, i+1,
// len(chunks), chunk.Files) within the chunk budget.
func (p *Packer) Chunks() []Chunk {
	out := make([]Chunk, len(p.chunks))
	for i, c := range p.chunks {
		out[i] = Chunk{Files: append([]File(nil), c.Files...), Tokens: c.Tokens}
	}
	return out
}

// room is what an empty chunk offers to files.
func (p *Packer) room() int { return p.chunkTokens - p.reserve }

// cost is a file's share of a chunk prompt: its whole block.
func (p *Packer) cost(f File) int { return p.count(fileBlock(f, p.nonce)) }
