package reviews_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/reviews"
	learnerprefs "github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

// words counts tokens as the fixture's counter does: one per word.
func words(s string) int { return len(strings.Fields(s)) }

// module is a small Python module; every index gives the same number of
// words and lines, so every module costs the same tokens.
func module(i int) string {
	return fmt.Sprintf("def total_%02d(values):\n    result = 0\n    for v in values:\n        result += v\n    return result\n", i)
}

// packCosts answers what the packer charges every chunk (header and
// footer) and each file's block, in the fixture's tokens.
func packCosts(t *testing.T, maxChunks int, files ...review.File) (reserve int, costs []int) {
	t.Helper()
	target := review.Target{FullName: "owner/repo", Ref: "main", CommitSHA: strings.Repeat("a", 40)}
	for _, f := range files {
		p, err := review.NewPacker(target, "0123456789abcdef01234567", maxChunks, 1<<20, words)
		require.NoError(t, err)
		_, refused := p.Offer(f)
		require.False(t, refused)
		costs = append(costs, p.Chunks()[0].Tokens)
	}
	p, err := review.NewPacker(target, "0123456789abcdef01234567", maxChunks, 1<<20, words)
	require.NoError(t, err)
	for _, f := range files[:2] {
		_, refused := p.Offer(f)
		require.False(t, refused)
	}
	reserve = costs[0] + costs[1] - p.Chunks()[0].Tokens
	for i := range costs {
		costs[i] -= reserve
	}
	return reserve, costs
}

// Once a file read from the repository is refused for want of room,
// files at least as large are skipped unread; smaller ones are still read
// and may fill the room left.
func TestRunReviewStopsReadingFilesTheRoomCannotHold(t *testing.T) {
	t.Parallel()
	medium := strings.Repeat("x = 1\n", 10) // 60 bytes, about 4 tokens a line
	small := "y = 2\n"
	files := []review.File{
		{Path: "app/a1.py", Language: "python", Content: module(1)},
		{Path: "app/a2.py", Language: "python", Content: module(2)},
		{Path: "app/b1.py", Language: "python", Content: medium},
		{Path: "app/c1.py", Language: "python", Content: small},
	}
	reserve, costs := packCosts(t, 1, files...)
	const left = 20
	require.Less(t, len(medium)/8, left, "the size bound lets a medium file be read")
	require.Greater(t, costs[2], left, "a medium file does not fit the room left")
	require.LessOrEqual(t, costs[3], left, "a small file does")
	e := newEnv(t, func(c *reviews.Config) { c.ChunkTokens, c.MaxChunks = reserve+costs[0]+costs[1]+left, 1 })
	l := e.learner(t, "read:user")
	e.repo(l.Login, "repo", map[string]string{"app/a1.py": module(1), "app/a2.py": module(2), "app/b1.py": medium,
		"app/b2.py": medium + "\n", "app/b3.py": medium + "z = 3\n", "app/b4.py": "w" + medium[1:], "app/c1.py": small})
	link := e.link(t, l.ID, l.Login+"/repo")
	e.gh.ResetStats()
	e.llm.Answer(plainAnswer())
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	got := e.get(t, r)
	require.Equal(t, review.StatusCompleted, got.Status, got.FailureReason)
	assert.Equal(t, []string{"app/a1.py", "app/a2.py", "app/c1.py"}, got.Result.ReviewedFiles)
	assert.Equal(t, map[string]review.SkipReason{"app/b1.py": review.SkipBudget, "app/b2.py": review.SkipBudget,
		"app/b3.py": review.SkipBudget, "app/b4.py": review.SkipBudget}, skippedAs(got.Result))
	assert.Equal(t, []string{"app/a1.py", "app/a2.py", "app/b1.py", "app/c1.py"}, e.gh.ServedPaths(l.Login, "repo", "main"),
		"b1 was read and refused; b2 to b4, as large or larger, were not read")
}

// chunkFor answers the chunk size, in the fixture's tokens, that holds
// exactly perChunk modules and no further file, however small.
func chunkFor(t *testing.T, maxChunks, perChunk int) int {
	t.Helper()
	target := review.Target{FullName: "owner/repo", Ref: "main", CommitSHA: strings.Repeat("a", 40)}
	p, err := review.NewPacker(target, "0123456789abcdef01234567", maxChunks, 1<<20, words)
	require.NoError(t, err)
	_, refused := p.Offer(review.File{Path: "app/mod_01.py", Language: "python", Content: module(1)})
	require.False(t, refused)
	one := p.Chunks()[0].Tokens
	_, refused = p.Offer(review.File{Path: "app/mod_02.py", Language: "python", Content: module(2)})
	require.False(t, refused)
	cost := p.Chunks()[0].Tokens - one
	reserve := one - cost
	return reserve + perChunk*cost + 1 // the 1 left is less than any file's block
}

func TestRunReviewOverTheBudgetIsChunkedAndBounded(t *testing.T) {
	t.Parallel()
	const maxChunks, perChunk, modules = 3, 2, 20
	chunk := chunkFor(t, maxChunks, perChunk)
	e := newEnv(t, func(c *reviews.Config) {
		c.ChunkTokens, c.MaxChunks, c.MaxFileBytes = chunk, maxChunks, 2000
	})
	l := e.learner(t, "read:user")
	files := map[string]string{
		"app/huge.py":       strings.Repeat("x = 1\n", 1000), // 6,000 bytes: over MaxFileBytes
		".env":              "SECRET=" + secretEnvValue + "\n",
		"node_modules/a.js": "module.exports = 1;\n",
	}
	var paths []string
	for i := 1; i <= modules; i++ {
		p := fmt.Sprintf("app/mod_%02d.py", i)
		files[p] = module(i)
		paths = append(paths, p)
	}
	e.repo(l.Login, "big", files)
	link := e.link(t, l.ID, l.Login+"/big")
	e.gh.ResetStats()
	e.llm.Func(func(n int, req llm.Request) (string, error) {
		blocks, _ := blocks(t, req.Messages[0].Content)
		first := slices.Sorted(maps.Keys(blocks))[0]
		return wireAnswer{Summary: fmt.Sprintf("Chunk %d.", n+1), Strengths: []string{fmt.Sprintf("Strength %d.", n+1)},
			Findings: []wireFinding{
				{Path: first, StartLine: 3, EndLine: 4, Severity: "minor", Category: "readability",
					Message: fmt.Sprintf("Use sum() in chunk %d.", n+1)},
				{Path: "app/mod_20.py", StartLine: 1, EndLine: 1, Severity: "major", Category: "bug", Message: "Not sent."},
			},
			PracticeTopics: []string{"loops"}}.JSON(), nil
	})

	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	got := e.get(t, r)
	require.Equal(t, review.StatusCompleted, got.Status, got.FailureReason)
	res := got.Result

	// Three model calls of two files each, merged.
	reqs := e.llm.Requests()
	require.Len(t, reqs, maxChunks)
	assert.Equal(t, maxChunks, res.Chunks)
	var sent []string
	for i, req := range reqs {
		prompt := userPrompt(t, req)
		assert.Contains(t, prompt, fmt.Sprintf("This is chunk %d of %d", i+1, maxChunks))
		assert.LessOrEqual(t, words(prompt), chunk, "chunk %d fits its budget", i+1)
		blocks, _ := blocks(t, prompt)
		assert.Len(t, blocks, perChunk)
		sent = append(sent, slices.Sorted(maps.Keys(blocks))...)
		assert.Equal(t, reqs[0].System, req.System)
	}
	assert.Equal(t, paths[:maxChunks*perChunk], sent, "the first files in priority order, each in one chunk")
	assert.Equal(t, sent, res.ReviewedFiles)
	require.Len(t, res.Findings, maxChunks, "one finding kept per chunk")
	for i, f := range res.Findings {
		assert.Equal(t, fmt.Sprintf("Use sum() in chunk %d.", i+1), f.Message)
	}
	assert.Equal(t, maxChunks, res.DroppedFindings, "mod_20 was sent in no chunk")
	assert.Equal(t, "Chunk 1.\n\nChunk 2.\n\nChunk 3.", res.Summary)
	assert.Equal(t, []string{"Strength 1.", "Strength 2.", "Strength 3."}, res.Strengths)
	assert.Equal(t, "loops", res.Topics[0])

	// The rest is skipped, and was never downloaded.
	want := map[string]review.SkipReason{"app/huge.py": review.SkipTooLarge, ".env": review.SkipSecretFile,
		"node_modules/a.js": review.SkipVendored}
	for _, p := range paths[maxChunks*perChunk:] {
		want[p] = review.SkipBudget
	}
	assert.Equal(t, want, skippedAs(res))
	assert.Equal(t, sent, e.gh.ServedPaths(l.Login, "big", "main"), "only the files reviewed were downloaded")
	assert.Equal(t, maxChunks*perChunk, e.gh.Stats().BlobsServed)
}

// A file the budget cannot hold is not downloaded when its size alone
// says so; smaller files still fill the room left.
func TestRunReviewSkipsFilesTooBigForTheRoomLeft(t *testing.T) {
	t.Parallel()
	chunk := chunkFor(t, 1, 3)
	e := newEnv(t, func(c *reviews.Config) { c.ChunkTokens, c.MaxChunks = chunk, 1 })
	l := e.learner(t, "read:user")
	big := strings.Repeat("value = compute(value, 1)  # step\n", 400) // ~14 KB: far more than a chunk
	e.repo(l.Login, "mixed", map[string]string{
		"app/a_big.py":  big,
		"app/mod_01.py": module(1), "app/mod_02.py": module(2), "app/mod_03.py": module(3), "app/mod_04.py": module(4),
	})
	link := e.link(t, l.ID, l.Login+"/mixed")
	e.gh.ResetStats()
	e.llm.Answer(plainAnswer())
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	got := e.get(t, r)
	require.Equal(t, review.StatusCompleted, got.Status, got.FailureReason)
	assert.Equal(t, []string{"app/mod_01.py", "app/mod_02.py", "app/mod_03.py"}, got.Result.ReviewedFiles)
	assert.Equal(t, map[string]review.SkipReason{"app/a_big.py": review.SkipBudget, "app/mod_04.py": review.SkipBudget},
		skippedAs(got.Result))
	assert.Equal(t, []string{"app/mod_01.py", "app/mod_02.py", "app/mod_03.py"}, e.gh.ServedPaths(l.Login, "mixed", "main"),
		"the big file was judged by its size, unread")
}

// A large synthetic repository (vendored code, lock files, images, an LFS
// pointer, multi-megabyte data files, planted credentials): the review
// stays within its chunks, reads a small share of the files, never reads
// what the path rules skip, and sends no planted credential.
func TestRunReviewOfALargeSyntheticRepository(t *testing.T) {
	t.Parallel()
	const maxChunks = 2
	e := newEnv(t, func(c *reviews.Config) { c.ChunkTokens, c.MaxChunks = 4000, maxChunks })
	l := e.learner(t, "read:user")
	_, err := e.f.Service.Onboard(ctx, l.ID, learnerprefs.Onboarding{Languages: []string{"python"}, SkillLevel: "intermediate"})
	require.NoError(t, err)
	syn := e.gh.AddSyntheticRepo(l.Login, "monorepo", 400, 8<<20, 7)
	link := e.link(t, l.ID, l.Login+"/monorepo")
	e.gh.ResetStats()
	e.llm.Func(func(int, llm.Request) (string, error) { return plainAnswer(), nil })
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	got := e.get(t, r)
	require.Equal(t, review.StatusCompleted, got.Status, got.FailureReason)
	res := got.Result

	assert.Equal(t, len(e.llm.Requests()), res.Chunks)
	assert.LessOrEqual(t, res.Chunks, maxChunks)
	require.NotEmpty(t, res.ReviewedFiles)
	assert.Len(t, syn.Files, len(res.ReviewedFiles)+len(res.Skipped), "every file reviewed or skipped, once")
	reasons := skippedAs(res)
	assert.Equal(t, review.SkipSecretFile, reasons[".env"])
	for _, p := range syn.Paths(githubserver.KindVendored, githubserver.KindNodeModules) {
		assert.Equal(t, review.SkipVendored, reasons[p], p)
	}
	assert.Equal(t, review.SkipTooLarge, reasons["data/fixtures/dump.sql"])

	served := e.gh.ServedPaths(l.Login, "monorepo", "main")
	for _, f := range syn.Files {
		if why, skip := review.SkipByPath(f.Path, f.Size, "100644", reviews.DefaultConfig().MaxFileBytes); skip {
			assert.NotContains(t, served, f.Path, "skipped by its path (%s), never downloaded", why)
		}
	}
	reviewed := map[string]bool{}
	for _, p := range res.ReviewedFiles {
		reviewed[p] = true
	}
	budgetRead := 0
	for _, p := range served {
		if !reviewed[p] && reasons[p] == review.SkipBudget {
			budgetRead++ // read, then refused by a full chunk
		}
	}
	t.Logf("files %d reviewed %d skipped %d served %d budgetRead %d chunks %d redactions %d settings %v",
		len(syn.Files), len(res.ReviewedFiles), len(res.Skipped), len(served), budgetRead, res.Chunks, res.Redactions,
		reviewed["config/settings.py"])
	assert.LessOrEqual(t, budgetRead, 2*maxChunks, "reading stops once the budget is spent")
	assert.Less(t, len(served), len(syn.Files)/4)
	assertNoPlanted(t, e.llm, syn.Secrets)
	assert.True(t, reviewed["config/settings.py"], "a shallow module in the learner's language comes early")
	assert.GreaterOrEqual(t, res.Redactions, 3, "its planted token and AWS key pair")
}

// assertNoPlanted checks that no planted credential reached the model.
func assertNoPlanted(t *testing.T, l *scriptedLLM, secrets []githubserver.Secret) {
	t.Helper()
	require.NotEmpty(t, secrets)
	for i, r := range l.Requests() {
		text := requestText(r)
		for _, s := range secrets {
			assert.NotContains(t, text, s.Value, "request %d: %s of %s", i, s.Kind, s.Path)
		}
	}
}
