package reviews

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// gathered is what a review read: the packed chunks (bounded by the
// token budget), every file it did not read with why, and how many
// secrets were redacted.
type gathered struct {
	packer     *review.Packer
	skipped    []review.SkippedFile
	redactions int
}

func (g *gathered) skip(path string, why review.SkipReason) {
	g.skipped = append(g.skipped, review.SkippedFile{Path: path, Reason: why})
}

// bytesPerTokenBound is a high bound of bytes per token of source text: a
// file whose size alone cannot fit the room left is not downloaded.
const bytesPerTokenBound = 8

func (s *Service) newGathered(t review.Target, nonce string) (*gathered, error) {
	count := func(text string) int { return s.Tokens.Count("", text) }
	p, err := review.NewPacker(t, nonce, s.cfg.MaxChunks, s.cfg.ChunkTokens, count)
	if err != nil {
		return nil, err
	}
	return &gathered{packer: p}, nil
}

// gatherTree reads a repository's tree at the commit: files are judged by
// path and size first (never downloaded when skipped), the rest read one
// blob at a time in priority order until the budget is full, judged by
// content, redacted, and packed. Memory stays bounded by the budget and
// one blob, whatever the repository's size.
func (s *Service) gatherTree(ctx context.Context, tok string, link review.RepoLink, t review.Target, nonce string,
	langs []language.Language) (gathered, error) {
	g, err := s.newGathered(t, nonce)
	if err != nil {
		return gathered{}, err
	}
	tree, err := s.GitHub.Tree(ctx, tok, link.Owner(), link.Name(), t.CommitSHA)
	if err != nil {
		return gathered{}, fmt.Errorf("read tree: %w", err)
	}
	recent, err := s.GitHub.RecentlyChanged(ctx, tok, link.Owner(), link.Name(), t.CommitSHA, s.cfg.RecentPaths)
	if err != nil {
		var rl *review.RateLimitedError
		if errors.As(err, &rl) || errors.Is(err, review.ErrReauthorize) || ctx.Err() != nil {
			return gathered{}, err
		}
		// Only an ordering hint: review without it.
		s.Log.Warn("recently changed files unavailable", "repository", link.FullName, "error", err)
		recent = nil
	}
	cands := make([]review.Candidate, 0, len(tree.Entries))
	for _, e := range tree.Entries {
		if why, skip := review.SkipByPath(e.Path, e.Size, e.Mode, s.cfg.MaxFileBytes); skip {
			g.skip(e.Path, why)
			continue
		}
		cands = append(cands, review.Candidate{Path: e.Path, Size: e.Size, SHA: e.SHA, Language: review.LanguageOf(e.Path)})
	}
	tree.Entries = nil
	// refused is the smallest file read and then refused for want of room
	// (over_budget) or for being too large for any chunk (too_large). The
	// room never grows, so a file at least as large (by bytes, a close
	// proxy of tokens) is skipped unread as over_budget: without this, a
	// repository whose budget is spent, or whose files are each too large,
	// would still download (and count) most of its files one by one, only
	// to refuse them.
	refused := int64(math.MaxInt64)
	for _, c := range review.Prioritize(cands, langs, recent) {
		if g.packer.Full() || c.Size >= refused || c.Size/bytesPerTokenBound > int64(g.packer.Room()) {
			g.skip(c.Path, review.SkipBudget)
			continue
		}
		blob, err := s.GitHub.Blob(ctx, tok, link.Owner(), link.Name(), c.SHA, s.cfg.MaxFileBytes)
		if errors.Is(err, domain.ErrNotFound) {
			g.skip(c.Path, review.SkipUnreadable)
			continue
		}
		if errors.Is(err, domain.ErrTooLarge) {
			g.skip(c.Path, review.SkipTooLarge)
			continue
		}
		if err != nil {
			return gathered{}, fmt.Errorf("read %s: %w", c.Path, err)
		}
		if why := g.offer(review.File{Path: c.Path, Language: c.Language}, blob, ""); why == review.SkipBudget || why == review.SkipTooLarge {
			refused = min(refused, c.Size)
		}
	}
	return *g, nil
}

// offer judges a file by its content, redacts it and packs it; it answers
// why the file was skipped ("" when packed).
func (g *gathered) offer(f review.File, content []byte, patch string) review.SkipReason {
	if content != nil {
		if why, skip := review.SkipByContent(content); skip {
			g.skip(f.Path, why)
			return why
		}
		text, n := review.Redact(string(content))
		f.Content = text
		g.redactions += n
	}
	if patch != "" {
		text, n := review.Redact(patch)
		f.Patch = text
		g.redactions += n
	}
	if why, refused := g.packer.Offer(f); refused {
		g.skip(f.Path, why)
		return why
	}
	return ""
}

// gatherPull reads a pull request's changed files: each one's patch and
// its content at the head, judged, redacted and packed like a tree's.
func (s *Service) gatherPull(ctx context.Context, tok string, link review.RepoLink, t review.Target, nonce string,
	langs []language.Language) (gathered, error) {
	g, err := s.newGathered(t, nonce)
	if err != nil {
		return gathered{}, err
	}
	files, err := s.GitHub.PullFiles(ctx, tok, link.Owner(), link.Name(), t.PullNumber)
	if err != nil {
		return gathered{}, fmt.Errorf("read pull request files: %w", err)
	}
	byPath := make(map[string]ports.GitHubChangedFile, len(files))
	cands := make([]review.Candidate, 0, len(files))
	for _, f := range files {
		if f.Status == "removed" {
			g.skip(f.Path, review.SkipRemoved)
			continue
		}
		if why, skip := review.SkipByPath(f.Path, 0, "100644", s.cfg.MaxFileBytes); skip {
			g.skip(f.Path, why)
			continue
		}
		byPath[f.Path] = f
		cands = append(cands, review.Candidate{Path: f.Path, SHA: f.SHA, Language: review.LanguageOf(f.Path)})
	}
	for _, c := range review.Prioritize(cands, langs, nil) {
		f := byPath[c.Path]
		if g.packer.Full() {
			g.skip(c.Path, review.SkipBudget)
			continue
		}
		var content []byte
		if f.SHA != "" {
			content, err = s.GitHub.Blob(ctx, tok, link.Owner(), link.Name(), f.SHA, s.cfg.MaxFileBytes)
			switch {
			case err == nil:
			case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrTooLarge):
				// Unreadable or over the size limit: the patch alone.
				content = nil
			default:
				return gathered{}, fmt.Errorf("read %s: %w", c.Path, err)
			}
		}
		if content == nil && f.Patch == "" {
			g.skip(c.Path, review.SkipUnreadable)
			continue
		}
		g.offer(review.File{Path: c.Path, Language: c.Language, Status: f.Status}, content, f.Patch)
	}
	return *g, nil
}
