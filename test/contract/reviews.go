package contract

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// ReviewStore is the linked-repository and review repositories of one
// adapter, sharing one database, plus what links reference: owners.
type ReviewStore struct {
	Links   ports.RepoLinkRepository
	Reviews ports.ReviewRepository
	Tx      ports.TxManager
	Owner   func(t *testing.T) string
	// SkipRollback, when set, says why the store's writes are not undone
	// by a rolled-back Tx transaction; the rollback subtests skip.
	SkipRollback string
}

var githubIDs struct {
	sync.Mutex
	next int64
}

// newGitHubID answers a repository id no other test uses.
func newGitHubID() int64 {
	githubIDs.Lock()
	defer githubIDs.Unlock()
	githubIDs.next++
	return 1_000_000 + githubIDs.next
}

func newRepoLink(owner string, at time.Time) review.RepoLink {
	gid := newGitHubID()
	return review.RepoLink{ID: newID(), OwnerID: owner, GitHubID: gid, FullName: fmt.Sprintf("ada/project-%d", gid),
		DefaultBranch: "main", Visibility: review.Public, Language: "Go", Status: review.LinkActive,
		CreatedAt: at, UpdatedAt: at}
}

func seedRepoLink(t *testing.T, s ReviewStore, owner string, at time.Time) review.RepoLink {
	t.Helper()
	l := newRepoLink(owner, at)
	require.NoError(t, s.Links.Create(context.Background(), l))
	return l
}

// newQueuedReview builds a queued review of link the way the use case does.
func newQueuedReview(t *testing.T, link review.RepoLink, ref string, pull int, at time.Time) review.Review {
	t.Helper()
	rv, err := review.NewReview(newID(), link, ref, pull, at)
	require.NoError(t, err)
	return rv
}

// seedReview stores a new queued review and requires it to be created.
func seedReview(t *testing.T, s ReviewStore, link review.RepoLink, ref string, pull int, at time.Time) review.Review {
	t.Helper()
	rv := newQueuedReview(t, link, ref, pull, at)
	stored, created, err := s.Reviews.Create(context.Background(), rv)
	require.NoError(t, err)
	require.True(t, created, "review %s of %q/%d created", rv.ID, ref, pull)
	return stored
}

// finishReview runs a review to completion (or failure when failCode is set).
func finishReview(t *testing.T, s ReviewStore, id, failCode string) review.Review {
	t.Helper()
	rv, err := s.Reviews.Update(context.Background(), id, func(r *review.Review) error {
		if failCode != "" {
			return r.Fail(failCode, "It did not work out.", t0.Add(time.Hour))
		}
		if err := r.Start("0123456789abcdef0123456789abcdef01234567", t0.Add(time.Minute)); err != nil {
			return err
		}
		return r.Complete(review.Result{Summary: "Fine."}, t0.Add(time.Hour))
	})
	require.NoError(t, err)
	return rv
}

// fullReviewResult sets every part of a result.
func fullReviewResult() review.Result {
	return review.Result{
		Summary:   "Readable code; the parser misses an edge case.\nSee the findings.",
		Strengths: []string{"Small functions", "Clear names", ""},
		Findings: []review.Finding{
			{Path: "parse/lexer.go", StartLine: 12, EndLine: 18, Severity: review.SeverityMajor,
				Category: review.CategoryBug, Message: "An empty input reads past the end.",
				Suggestion: "Return early when len(src) == 0."},
			{Path: "main.go", StartLine: 3, EndLine: 3, Severity: review.SeverityInfo,
				Category: review.CategoryReadability, Message: `Use "const" for ünicode ✓ <tags> & 'quotes'.`},
		},
		Topics:             []string{"strings", "edge-cases"},
		SuggestedExercises: []string{newID(), newID()},
		ReviewedFiles:      []string{"main.go", "parse/lexer.go"},
		Skipped: []review.SkippedFile{
			{Path: "vendor/x/y.go", Reason: review.SkipVendored},
			{Path: "go.sum", Reason: review.SkipLockFile},
			{Path: ".env", Reason: review.SkipSecretFile},
		},
		DroppedFindings: 2, Redactions: 1, Chunks: 3,
	}
}

func assertSameRepoLink(t *testing.T, want, got review.RepoLink) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at %s != %s", want.UpdatedAt, got.UpdatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assert.Equal(t, time.UTC, got.UpdatedAt.Location())
	want.CreatedAt, got.CreatedAt, want.UpdatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func assertSameTimePtr(t *testing.T, name string, want, got *time.Time) {
	t.Helper()
	if want == nil {
		assert.Nil(t, got, "%s is nil", name)
		return
	}
	if assert.NotNil(t, got, "%s is set", name) {
		assert.True(t, want.Equal(*got), "%s %s != %s", name, *want, *got)
		assert.Equal(t, time.UTC, got.Location(), name)
	}
}

func assertSameReview(t *testing.T, want, got review.Review) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	assertSameTimePtr(t, "started_at", want.StartedAt, got.StartedAt)
	assertSameTimePtr(t, "completed_at", want.CompletedAt, got.CompletedAt)
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.StartedAt, got.StartedAt, want.CompletedAt, got.CompletedAt = nil, nil, nil, nil
	assert.Equal(t, want, got)
}

func repoLinkIDs(items []review.RepoLink) []string {
	out := make([]string, len(items))
	for i, l := range items {
		out[i] = l.ID
	}
	return out
}

func reviewIDs(items []review.Review) []string {
	out := make([]string, len(items))
	for i, r := range items {
		out[i] = r.ID
	}
	return out
}

func timePtr(t time.Time) *time.Time { return &t }

// pageAll follows a list's cursors to the end with the given limit.
func pageAll[T any](t *testing.T, limit int, list func(p ports.Page) ([]T, string, error)) (all []T, pages int) {
	t.Helper()
	cursor := ""
	for {
		items, next, err := list(ports.Page{Cursor: cursor, Limit: limit})
		require.NoError(t, err)
		require.LessOrEqual(t, len(items), limit)
		all = append(all, items...)
		pages++
		if next == "" {
			return all, pages
		}
		require.Less(t, pages, 20, "pagination does not end")
		cursor = next
	}
}

// createdCursorCases are malformed (created_at, id) cursors.
func createdCursorCases() []string {
	b64 := base64.RawURLEncoding.EncodeToString
	return append(badCursors(), b64([]byte(`[1, "not-a-uuid"]`)), b64([]byte(`["1", "`+newID()+`"]`)),
		b64([]byte(`[1]`)), b64([]byte(`[1, "`+newID()+`", 2]`)))
}

// RepoLinks runs the linked-repository repository contract.
func RepoLinks(t *testing.T, newStore func(t *testing.T) ReviewStore) {
	ctx := context.Background()

	t.Run("find by GitHub id is the owner's link of that repository", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada, bob := s.Owner(t), s.Owner(t)
		a := seedRepoLink(t, s, ada, t0)
		b := newRepoLink(bob, t0)
		b.GitHubID = a.GitHubID // the same repository, linked by another learner
		require.NoError(t, s.Links.Create(ctx, b))
		seedRepoLink(t, s, ada, t0.Add(time.Minute))

		got, err := s.Links.FindByGitHubID(ctx, ada, a.GitHubID)
		require.NoError(t, err)
		assert.Equal(t, a.ID, got.ID)
		got, err = s.Links.FindByGitHubID(ctx, strings.ToUpper(bob), a.GitHubID)
		require.NoError(t, err)
		assert.Equal(t, b.ID, got.ID)
		for _, c := range []struct {
			owner string
			id    int64
		}{{ada, a.GitHubID + 1_000_000}, {newID(), a.GitHubID}, {"not-a-uuid", a.GitHubID}, {"", a.GitHubID}} {
			_, err := s.Links.FindByGitHubID(ctx, c.owner, c.id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "%q %d", c.owner, c.id)
		}
	})

	t.Run("create and get round trip every field; another owner's, unknown or malformed ids are not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)

		// Stored to the microsecond, answered in UTC.
		at := t0.Add(789 * time.Nanosecond).In(time.FixedZone("X", 7200))
		l := review.RepoLink{ID: newID(), OwnerID: owner, GitHubID: 1 << 40, FullName: "Ada-L/analytical_engine.go",
			DefaultBranch: "trunk/v2", Visibility: review.Private, Language: "", Status: review.LinkBroken,
			BrokenReason: "The repository was deleted on GitHub.", CreatedAt: at, UpdatedAt: at.Add(time.Second)}
		require.NoError(t, s.Links.Create(ctx, l))
		want := l
		want.CreatedAt, want.UpdatedAt = t0, t0.Add(time.Second)
		got, err := s.Links.Get(ctx, owner, l.ID)
		require.NoError(t, err)
		assertSameRepoLink(t, want, got)
		assert.Equal(t, "Ada-L", got.Owner())
		assert.Equal(t, "analytical_engine.go", got.Name())
		got, err = s.Links.GetByID(ctx, l.ID)
		require.NoError(t, err)
		assertSameRepoLink(t, want, got)

		// Ids in upper case find the same link, answered in lower case.
		got, err = s.Links.Get(ctx, strings.ToUpper(owner), strings.ToUpper(l.ID))
		require.NoError(t, err)
		assert.Equal(t, l.ID, got.ID)
		assert.Equal(t, owner, got.OwnerID)

		plain := seedRepoLink(t, s, owner, t0)
		got, err = s.Links.Get(ctx, owner, plain.ID)
		require.NoError(t, err)
		assertSameRepoLink(t, plain, got)

		for _, tc := range []struct{ owner, id string }{
			{other, l.ID}, {owner, newID()}, {owner, "not-a-uuid"}, {"not-a-uuid", l.ID}, {"", l.ID}, {owner, ""},
		} {
			_, err := s.Links.Get(ctx, tc.owner, tc.id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get(%q, %q)", tc.owner, tc.id)
		}
		for _, id := range []string{newID(), "not-a-uuid", ""} {
			_, err := s.Links.GetByID(ctx, id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get by id %q", id)
		}
	})

	t.Run("one owner links a repository once; two owners may link the same one", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)

		again := newRepoLink(owner, t0.Add(time.Minute))
		again.GitHubID, again.FullName = l.GitHubID, "ada/renamed"
		assert.ErrorIs(t, s.Links.Create(ctx, again), domain.ErrConflict, "same repository, same owner")
		_, err := s.Links.Get(ctx, owner, again.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound, "nothing stored")

		theirs := newRepoLink(other, t0)
		theirs.GitHubID, theirs.FullName = l.GitHubID, l.FullName
		require.NoError(t, s.Links.Create(ctx, theirs), "another learner links the same repository")

		sameID := newRepoLink(owner, t0)
		sameID.ID = l.ID
		assert.ErrorIs(t, s.Links.Create(ctx, sameID), domain.ErrConflict, "id taken")
		sameID.ID, sameID.OwnerID = l.ID, other
		assert.ErrorIs(t, s.Links.Create(ctx, sameID), domain.ErrConflict, "id taken by another owner's link")
	})

	t.Run("create refuses a malformed id, unknown owners and values the columns refuse", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)

		bad := newRepoLink(owner, t0)
		bad.ID = "not-a-uuid"
		var ve *domain.ValidationError
		assert.ErrorAs(t, s.Links.Create(ctx, bad), &ve)

		for _, mod := range []func(*review.RepoLink){
			func(l *review.RepoLink) { l.OwnerID = newID() },
			func(l *review.RepoLink) { l.OwnerID = "not-a-uuid" },
			func(l *review.RepoLink) { l.OwnerID = "" },
		} {
			l := newRepoLink(owner, t0)
			mod(&l)
			assert.ErrorIs(t, s.Links.Create(ctx, l), domain.ErrNotFound)
			_, err := s.Links.GetByID(ctx, l.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "nothing stored")
		}
		for name, mod := range map[string]func(*review.RepoLink){
			"visibility": func(l *review.RepoLink) { l.Visibility = "internal" },
			"status":     func(l *review.RepoLink) { l.Status = "gone" },
			"no status":  func(l *review.RepoLink) { l.Status = "" },
			"github id":  func(l *review.RepoLink) { l.GitHubID = 0 },
		} {
			l := newRepoLink(owner, t0)
			mod(&l)
			err := s.Links.Create(ctx, l)
			assert.Error(t, err, name)
			assert.NotErrorIs(t, err, domain.ErrConflict, name)
			_, err = s.Links.GetByID(ctx, l.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "%s: nothing stored", name)
		}
		items, _, err := s.Links.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Empty(t, items)
	})

	t.Run("list answers the owner's links newest first", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		a := seedRepoLink(t, s, owner, t0)
		b := seedRepoLink(t, s, owner, t0.Add(time.Minute))
		c := seedRepoLink(t, s, owner, t0.Add(2*time.Minute))
		seedRepoLink(t, s, other, t0.Add(time.Hour))

		items, next, err := s.Links.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID, b.ID, a.ID}, repoLinkIDs(items))
		assert.Empty(t, next)
		assertSameRepoLink(t, c, items[0])

		// Activity does not reorder: the list is by creation.
		require.NoError(t, s.Links.SetStatus(ctx, a.ID, review.LinkBroken, "gone", t0.Add(3*time.Hour)))
		items, _, err = s.Links.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID, b.ID, a.ID}, repoLinkIDs(items))

		for _, who := range []string{s.Owner(t), newID(), "not-a-uuid", ""} {
			items, next, err := s.Links.List(ctx, who, ports.Page{})
			require.NoError(t, err)
			assert.Empty(t, items, "owner %q", who)
			assert.Empty(t, next)
		}
	})

	t.Run("list pages through everything without gaps or duplicates", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		var all []review.RepoLink
		for i := range 25 {
			// Groups of three share a time: the id breaks the tie.
			all = append(all, seedRepoLink(t, s, owner, t0.Add(time.Duration(i/3)*time.Second)))
		}
		seedRepoLink(t, s, s.Owner(t), t0.Add(time.Second))
		slices.SortFunc(all, cmpLinks)

		got, pages := pageAll(t, 7, func(p ports.Page) ([]review.RepoLink, string, error) {
			return s.Links.List(ctx, owner, p)
		})
		assert.Equal(t, repoLinkIDs(all), repoLinkIDs(got))
		assert.Equal(t, 4, pages)

		items, next, err := s.Links.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 20, "default limit")
		assert.NotEmpty(t, next)
		items, _, err = s.Links.List(ctx, owner, ports.Page{Limit: 1000})
		require.NoError(t, err)
		assert.Len(t, items, 25)
		items, next, err = s.Links.List(ctx, owner, ports.Page{Limit: 25})
		require.NoError(t, err)
		assert.Len(t, items, 25)
		assert.Empty(t, next, "an exact last page has no next")
	})

	t.Run("a malformed cursor is a validation error on cursor", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		for _, cur := range createdCursorCases() {
			_, _, err := s.Links.List(ctx, owner, ports.Page{Cursor: cur})
			assertBadCursor(t, err)
		}
	})

	t.Run("set status marks a link broken with a reason and active again", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		keep := seedRepoLink(t, s, owner, t0)

		at := t0.Add(time.Hour + 999*time.Nanosecond)
		require.NoError(t, s.Links.SetStatus(ctx, strings.ToUpper(l.ID), review.LinkBroken, "Access was revoked.", at))
		got, err := s.Links.Get(ctx, owner, l.ID)
		require.NoError(t, err)
		want := l
		want.Status, want.BrokenReason, want.UpdatedAt = review.LinkBroken, "Access was revoked.", t0.Add(time.Hour)
		assertSameRepoLink(t, want, got)

		require.NoError(t, s.Links.SetStatus(ctx, l.ID, review.LinkActive, "ignored", t0.Add(2*time.Hour)))
		got, err = s.Links.Get(ctx, owner, l.ID)
		require.NoError(t, err)
		want.Status, want.BrokenReason, want.UpdatedAt = review.LinkActive, "", t0.Add(2*time.Hour)
		assertSameRepoLink(t, want, got)

		assert.Error(t, s.Links.SetStatus(ctx, l.ID, review.LinkStatus("paused"), "", t0.Add(3*time.Hour)))
		got, err = s.Links.Get(ctx, owner, l.ID)
		require.NoError(t, err)
		assertSameRepoLink(t, want, got)

		for _, id := range []string{newID(), "not-a-uuid", ""} {
			assert.ErrorIs(t, s.Links.SetStatus(ctx, id, review.LinkBroken, "x", at), domain.ErrNotFound, "id %q", id)
		}
		got, err = s.Links.Get(ctx, owner, keep.ID)
		require.NoError(t, err)
		assertSameRepoLink(t, keep, got)
	})

	t.Run("delete is the owner's and removes the link's reviews", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		keep := seedRepoLink(t, s, owner, t0)
		gone := []review.Review{seedReview(t, s, l, "", 0, t0), seedReview(t, s, l, "dev", 0, t0), seedReview(t, s, l, "", 7, t0)}
		finishReview(t, s, gone[0].ID, "")
		kept := seedReview(t, s, keep, "", 0, t0)

		for _, tc := range []struct{ owner, id string }{
			{other, l.ID}, {owner, newID()}, {owner, "not-a-uuid"}, {"not-a-uuid", l.ID}, {"", l.ID},
		} {
			assert.ErrorIs(t, s.Links.Delete(ctx, tc.owner, tc.id), domain.ErrNotFound, "delete(%q, %q)", tc.owner, tc.id)
		}
		_, err := s.Links.Get(ctx, owner, l.ID)
		require.NoError(t, err, "a refused delete removed nothing")
		n, err := s.Reviews.CountSince(ctx, owner, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, 4, n)

		require.NoError(t, s.Links.Delete(ctx, strings.ToUpper(owner), strings.ToUpper(l.ID)))
		_, err = s.Links.Get(ctx, owner, l.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, err = s.Links.GetByID(ctx, l.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound)
		for _, rv := range gone {
			_, err := s.Reviews.GetByID(ctx, rv.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "review %s went with its link", rv.ID)
		}
		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Empty(t, items)
		_, _, err = s.Reviews.Create(ctx, newQueuedReview(t, l, "", 0, t0))
		assert.ErrorIs(t, err, domain.ErrNotFound, "no review of a deleted link")
		assert.ErrorIs(t, s.Links.Delete(ctx, owner, l.ID), domain.ErrNotFound, "already gone")

		// The other link and its review are untouched; the repository can be
		// linked again.
		got, err := s.Reviews.Get(ctx, owner, keep.ID, kept.ID)
		require.NoError(t, err)
		assertSameReview(t, kept, got)
		links, _, err := s.Links.List(ctx, owner, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{keep.ID}, repoLinkIDs(links))
		relink := newRepoLink(owner, t0.Add(time.Hour))
		relink.GitHubID = l.GitHubID
		require.NoError(t, s.Links.Create(ctx, relink))
	})

	t.Run("writes join the caller's transaction", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		kept := seedRepoLink(t, s, owner, t0)
		var inTx review.RepoLink
		require.NoError(t, s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			inTx = seedRepoLinkCtx(t, ctx, s, owner)
			got, err := s.Links.Get(ctx, owner, inTx.ID)
			require.NoError(t, err, "visible inside the transaction")
			assert.Equal(t, inTx.ID, got.ID)
			return s.Links.SetStatus(ctx, kept.ID, review.LinkBroken, "in tx", t0.Add(time.Hour))
		}))
		_, err := s.Links.Get(ctx, owner, inTx.ID)
		require.NoError(t, err, "committed")
		got, err := s.Links.Get(ctx, owner, kept.ID)
		require.NoError(t, err)
		assert.Equal(t, review.LinkBroken, got.Status)

		if s.SkipRollback != "" {
			t.Skip(s.SkipRollback)
		}
		boom := errors.New("boom")
		var rolledBack review.RepoLink
		err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			rolledBack = seedRepoLinkCtx(t, ctx, s, owner)
			require.NoError(t, s.Links.SetStatus(ctx, kept.ID, review.LinkActive, "", t0.Add(2*time.Hour)))
			require.NoError(t, s.Links.Delete(ctx, owner, inTx.ID))
			return boom
		})
		require.ErrorIs(t, err, boom)
		_, err = s.Links.GetByID(ctx, rolledBack.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound, "create rolled back")
		got, err = s.Links.Get(ctx, owner, kept.ID)
		require.NoError(t, err)
		assert.Equal(t, review.LinkBroken, got.Status, "set status rolled back")
		_, err = s.Links.Get(ctx, owner, inTx.ID)
		assert.NoError(t, err, "delete rolled back")
	})
}

// cmpLinks and cmpReviews are the lists' order: newest first, then by id
// descending.
func cmpLinks(a, b review.RepoLink) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmpStrings(b.ID, a.ID)
}

func cmpReviews(a, b review.Review) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmpStrings(b.ID, a.ID)
}

func seedRepoLinkCtx(t *testing.T, ctx context.Context, s ReviewStore, owner string) review.RepoLink {
	t.Helper()
	l := newRepoLink(owner, t0)
	require.NoError(t, s.Links.Create(ctx, l))
	return l
}

// Reviews runs the code review repository contract.
func Reviews(t *testing.T, newStore func(t *testing.T) ReviewStore) {
	ctx := context.Background()

	t.Run("create and get round trip a queued review; the link's owner only", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		sibling := seedRepoLink(t, s, owner, t0)
		theirs := seedRepoLink(t, s, other, t0)

		in := newQueuedReview(t, l, "feature/parser-v2", 0, t0.Add(789*time.Nanosecond).In(time.FixedZone("X", -7200)))
		stored, created, err := s.Reviews.Create(ctx, in)
		require.NoError(t, err)
		assert.True(t, created)
		want := in
		want.CreatedAt = t0
		assertSameReview(t, want, stored)
		assert.Equal(t, review.StatusQueued, stored.Status)
		assert.Nil(t, stored.StartedAt)
		assert.Nil(t, stored.CompletedAt)
		assert.Zero(t, stored.Attempts)

		got, err := s.Reviews.Get(ctx, owner, l.ID, in.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)
		got, err = s.Reviews.GetByID(ctx, in.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)
		got, err = s.Reviews.Get(ctx, strings.ToUpper(owner), strings.ToUpper(l.ID), strings.ToUpper(in.ID))
		require.NoError(t, err)
		assertSameReview(t, want, got)

		pull := seedReview(t, s, l, "", 42, t0)
		got, err = s.Reviews.Get(ctx, owner, l.ID, pull.ID)
		require.NoError(t, err)
		assert.Equal(t, 42, got.PullNumber)
		assert.Empty(t, got.Ref)

		for _, tc := range []struct{ owner, link, id string }{
			{other, l.ID, in.ID}, {other, theirs.ID, in.ID}, {owner, sibling.ID, in.ID}, {owner, l.ID, newID()},
			{owner, l.ID, "not-a-uuid"}, {owner, "not-a-uuid", in.ID}, {"not-a-uuid", l.ID, in.ID},
			{"", l.ID, in.ID}, {owner, "", in.ID}, {owner, l.ID, ""},
		} {
			_, err := s.Reviews.Get(ctx, tc.owner, tc.link, tc.id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get(%q, %q, %q)", tc.owner, tc.link, tc.id)
		}
		for _, id := range []string{newID(), "not-a-uuid", ""} {
			_, err := s.Reviews.GetByID(ctx, id)
			assert.ErrorIs(t, err, domain.ErrNotFound, "get by id %q", id)
		}
	})

	t.Run("every field round trips, the full result included", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		zone := time.FixedZone("Y", 3*3600)
		in := review.Review{ID: newID(), LinkID: l.ID, OwnerID: owner, Ref: "v1.2.3", CommitSHA: "deadbeef",
			Status: review.StatusCompleted, Result: fullReviewResult(), FailureCode: "llm_unavailable",
			FailureReason: "Retried after the model was busy.", Attempts: 3, CreatedAt: t0.In(zone),
			StartedAt:   timePtr(t0.Add(time.Minute + 999*time.Nanosecond).In(zone)),
			CompletedAt: timePtr(t0.Add(time.Hour).In(zone))}
		stored, created, err := s.Reviews.Create(ctx, in)
		require.NoError(t, err)
		require.True(t, created)
		want := in
		want.StartedAt = timePtr(t0.Add(time.Minute))
		assertSameReview(t, want, stored)
		got, err := s.Reviews.Get(ctx, owner, l.ID, in.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)

		// Empty lists come back as none; zero counters stay zero.
		sparse := review.Review{ID: newID(), LinkID: l.ID, OwnerID: owner, Status: review.StatusCompleted,
			CreatedAt: t0, Result: review.Result{Summary: "Nothing to say.", Strengths: []string{},
				Findings: []review.Finding{}, Skipped: []review.SkippedFile{}}}
		_, _, err = s.Reviews.Create(ctx, sparse)
		require.NoError(t, err)
		got, err = s.Reviews.GetByID(ctx, sparse.ID)
		require.NoError(t, err)
		assert.Equal(t, review.Result{Summary: "Nothing to say."}, got.Result)
	})

	t.Run("stored reviews share nothing with callers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		in := review.Review{ID: newID(), LinkID: l.ID, OwnerID: owner, Status: review.StatusCompleted,
			Result: fullReviewResult(), CreatedAt: t0, StartedAt: timePtr(t0), CompletedAt: timePtr(t0.Add(time.Hour))}
		want := in
		want.Result = fullReviewResult()
		want.Result.SuggestedExercises = slices.Clone(in.Result.SuggestedExercises)
		want.StartedAt, want.CompletedAt = timePtr(t0), timePtr(t0.Add(time.Hour))
		stored, _, err := s.Reviews.Create(ctx, in)
		require.NoError(t, err)

		mutate := func(rv *review.Review) {
			rv.Result.Strengths[0] = "changed"
			rv.Result.Findings[0].Message = "changed"
			rv.Result.Topics[0] = "changed"
			rv.Result.SuggestedExercises[0] = "changed"
			rv.Result.ReviewedFiles[0] = "changed"
			rv.Result.Skipped[0].Reason = review.SkipBinary
			*rv.StartedAt = t0.Add(24 * time.Hour)
		}
		mutate(&in)
		mutate(&stored)
		got, err := s.Reviews.GetByID(ctx, in.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)
		mutate(&got)
		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		require.Len(t, items, 1)
		assertSameReview(t, want, items[0])
		mutate(&items[0])

		// A failing fn that changed the review in place leaves it as it was.
		boom := errors.New("boom")
		_, err = s.Reviews.Update(ctx, in.ID, func(rv *review.Review) error {
			mutate(rv)
			return boom
		})
		require.ErrorIs(t, err, boom)
		got, err = s.Reviews.Get(ctx, owner, l.ID, in.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)
	})

	t.Run("create refuses a taken id, a malformed id, unknown links and values the columns refuse", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		theirs := seedRepoLink(t, s, other, t0)
		first := seedReview(t, s, l, "", 0, t0)

		taken := newQueuedReview(t, l, "other-branch", 0, t0)
		taken.ID = first.ID
		_, _, err := s.Reviews.Create(ctx, taken)
		assert.ErrorIs(t, err, domain.ErrConflict, "id taken")

		bad := newQueuedReview(t, l, "x", 0, t0)
		bad.ID = "not-a-uuid"
		var ve *domain.ValidationError
		_, _, err = s.Reviews.Create(ctx, bad)
		assert.ErrorAs(t, err, &ve)

		for name, mod := range map[string]func(*review.Review){
			"unknown link":          func(r *review.Review) { r.LinkID = newID() },
			"malformed link":        func(r *review.Review) { r.LinkID = "not-a-uuid" },
			"no link":               func(r *review.Review) { r.LinkID = "" },
			"malformed owner":       func(r *review.Review) { r.OwnerID = "not-a-uuid" },
			"another owner's link":  func(r *review.Review) { r.LinkID = theirs.ID },
			"not the link's owner":  func(r *review.Review) { r.OwnerID = other },
			"unknown owner":         func(r *review.Review) { r.OwnerID = newID() },
			"pending, not the link": func(r *review.Review) { r.OwnerID, r.Ref = other, first.Ref },
		} {
			rv := newQueuedReview(t, l, "feature", 0, t0)
			mod(&rv)
			stored, created, err := s.Reviews.Create(ctx, rv)
			assert.ErrorIs(t, err, domain.ErrNotFound, name)
			assert.False(t, created, name)
			assert.Empty(t, stored.ID, "%s: another learner's pending review is not shown", name)
			_, err = s.Reviews.GetByID(ctx, rv.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "%s: nothing stored", name)
		}
		for name, mod := range map[string]func(*review.Review){
			"status":      func(r *review.Review) { r.Status = "paused" },
			"no status":   func(r *review.Review) { r.Status = "" },
			"pull number": func(r *review.Review) { r.PullNumber = -1 },
			"attempts":    func(r *review.Review) { r.Attempts = -1 },
		} {
			rv := newQueuedReview(t, l, "feature", 0, t0)
			mod(&rv)
			_, created, err := s.Reviews.Create(ctx, rv)
			assert.Error(t, err, name)
			assert.False(t, created, name)
			_, err = s.Reviews.GetByID(ctx, rv.ID)
			assert.ErrorIs(t, err, domain.ErrNotFound, "%s: nothing stored", name)
		}
		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{first.ID}, reviewIDs(items))
	})

	t.Run("an identical pending request answers the pending review", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		l2 := seedRepoLink(t, s, owner, t0)
		theirs := newRepoLink(other, t0)
		theirs.GitHubID = l.GitHubID
		require.NoError(t, s.Links.Create(ctx, theirs))

		first := seedReview(t, s, l, "", 0, t0)
		again := newQueuedReview(t, l, "", 0, t0.Add(time.Minute))
		got, created, err := s.Reviews.Create(ctx, again)
		require.NoError(t, err)
		assert.False(t, created)
		assertSameReview(t, first, got)
		_, err = s.Reviews.GetByID(ctx, again.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound, "the duplicate is not stored")

		// The link id's spelling does not make another request.
		upper := newQueuedReview(t, l, "", 0, t0)
		upper.LinkID, upper.OwnerID = strings.ToUpper(l.ID), strings.ToUpper(owner)
		got, created, err = s.Reviews.Create(ctx, upper)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, first.ID, got.ID)

		// Other refs, pull requests, links and learners are other requests.
		distinct := []review.Review{
			seedReview(t, s, l, "main", 0, t0), // the default branch by name is another key
			seedReview(t, s, l, "dev", 0, t0),
			seedReview(t, s, l, "", 1, t0),
			seedReview(t, s, l, "", 2, t0),
			seedReview(t, s, l2, "", 0, t0),
			seedReview(t, s, theirs, "", 0, t0),
		}
		for _, d := range distinct {
			again := newQueuedReview(t, review.RepoLink{ID: d.LinkID, OwnerID: d.OwnerID}, d.Ref, d.PullNumber, t0)
			got, created, err := s.Reviews.Create(ctx, again)
			require.NoError(t, err)
			assert.False(t, created, "%s/%d again", d.Ref, d.PullNumber)
			assert.Equal(t, d.ID, got.ID)
		}

		// A running review still takes the request.
		running, err := s.Reviews.Update(ctx, first.ID, func(r *review.Review) error { return r.Start("abc", t0) })
		require.NoError(t, err)
		got, created, err = s.Reviews.Create(ctx, newQueuedReview(t, l, "", 0, t0))
		require.NoError(t, err)
		assert.False(t, created)
		assertSameReview(t, running, got)

		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 5)
	})

	t.Run("once the pending review ends, the same request makes a new one", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)

		completed := seedReview(t, s, l, "dev", 0, t0)
		finishReview(t, s, completed.ID, "")
		afterCompleted := seedReview(t, s, l, "dev", 0, t0.Add(time.Minute))
		assert.NotEqual(t, completed.ID, afterCompleted.ID)

		finishReview(t, s, afterCompleted.ID, "repository_gone")
		afterFailed := seedReview(t, s, l, "dev", 0, t0.Add(2*time.Minute))

		// The new one is the pending one now.
		got, created, err := s.Reviews.Create(ctx, newQueuedReview(t, l, "dev", 0, t0))
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, afterFailed.ID, got.ID)

		// Ended reviews are stored as they are, with no dedup among them.
		for range 2 {
			rv := newQueuedReview(t, l, "dev", 0, t0)
			rv.Status = review.StatusFailed
			_, created, err := s.Reviews.Create(ctx, rv)
			require.NoError(t, err)
			assert.True(t, created)
		}
		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 5)
	})

	t.Run("concurrent identical requests make exactly one review", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		const n = 20
		var wg sync.WaitGroup
		ids := make([]string, n)
		created := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rv, err := review.NewReview(newID(), l, "release", 0, t0.Add(time.Duration(i)*time.Second))
				if err != nil {
					errs[i] = err
					return
				}
				var stored review.Review
				stored, created[i], errs[i] = s.Reviews.Create(ctx, rv)
				ids[i] = stored.ID
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		winners := 0
		for i := range n {
			if created[i] {
				winners++
			}
			assert.Equal(t, ids[0], ids[i], "every request answers the same review")
		}
		assert.Equal(t, 1, winners)
		items, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{ids[0]}, reviewIDs(items))
	})

	t.Run("requests racing with the end of the pending review never fail", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		const creators, each = 8, 25
		var wg sync.WaitGroup
		stop := make(chan struct{})
		finished := make(chan error, 1)
		// The finisher ends whatever is pending, over and over, so creates
		// meet a pending review that ends between their insert and read.
		go func() {
			var err error
			defer func() { finished <- err }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rv, e := review.NewReview(newID(), l, "racy", 0, t0)
				if e == nil {
					rv, _, e = s.Reviews.Create(ctx, rv)
				}
				if e != nil {
					err = e
					return
				}
				_, e = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error {
					if !r.Status.Active() {
						return nil
					}
					return r.Fail("internal", "ended by the test", t0)
				})
				if e != nil {
					err = e
					return
				}
			}
		}()
		errs := make(chan error, creators*each)
		for range creators {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					rv, err := review.NewReview(newID(), l, "racy", 0, t0)
					if err == nil {
						rv, _, err = s.Reviews.Create(ctx, rv)
					}
					switch {
					case err != nil:
						errs <- err
					case rv.Ref != "racy" || rv.LinkID != l.ID:
						errs <- fmt.Errorf("answered another request: %+v", rv)
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		require.NoError(t, <-finished)
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
		all, _ := pageAll(t, 100, func(p ports.Page) ([]review.Review, string, error) {
			return s.Reviews.List(ctx, owner, l.ID, p)
		})
		pending := 0
		for _, rv := range all {
			if rv.Status.Active() {
				pending++
			}
		}
		assert.LessOrEqual(t, pending, 1, "at most one pending review per request")
	})

	t.Run("update moves a review through its life and returns what is stored", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		rv := seedReview(t, s, l, "", 3, t0)

		started, err := s.Reviews.Update(ctx, strings.ToUpper(rv.ID), func(r *review.Review) error {
			return r.Start("0123456789abcdef0123456789abcdef01234567", t0.Add(time.Minute+789*time.Nanosecond))
		})
		require.NoError(t, err)
		want := rv
		want.Status, want.CommitSHA, want.Attempts = review.StatusRunning, "0123456789abcdef0123456789abcdef01234567", 1
		want.StartedAt = timePtr(t0.Add(time.Minute))
		assertSameReview(t, want, started)

		// A restarted run stays running and keeps its first start.
		_, err = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error { return r.Start("fedcba", t0.Add(time.Hour)) })
		require.NoError(t, err)
		want.CommitSHA, want.Attempts = "fedcba", 2

		res := fullReviewResult()
		completed, err := s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error {
			return r.Complete(res, t0.Add(2*time.Hour))
		})
		require.NoError(t, err)
		want.Status, want.Result, want.CompletedAt = review.StatusCompleted, fullReviewResult(), timePtr(t0.Add(2*time.Hour))
		want.Result.SuggestedExercises = res.SuggestedExercises
		assertSameReview(t, want, completed)
		got, err := s.Reviews.Get(ctx, owner, l.ID, rv.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)

		// The domain's refusal passes through and changes nothing.
		_, err = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error { return r.Fail("internal", "x", t0) })
		assert.ErrorIs(t, err, domain.ErrInvalidTransition)
		got, err = s.Reviews.GetByID(ctx, rv.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)

		// Failing a queued review records the reason.
		other := seedReview(t, s, l, "", 4, t0)
		failed, err := s.Reviews.Update(ctx, other.ID, func(r *review.Review) error {
			return r.Fail("github_reauthorization_required", "Connect GitHub again.", t0.Add(time.Hour))
		})
		require.NoError(t, err)
		wantFailed := other
		wantFailed.Status, wantFailed.FailureCode, wantFailed.FailureReason = review.StatusFailed,
			"github_reauthorization_required", "Connect GitHub again."
		wantFailed.CompletedAt = timePtr(t0.Add(time.Hour))
		assertSameReview(t, wantFailed, failed)
		assert.Nil(t, failed.StartedAt)
	})

	t.Run("update keeps the review's identity and request, and refuses what the columns refuse", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		theirs := seedRepoLink(t, s, other, t0)
		rv := seedReview(t, s, l, "dev", 0, t0)

		got, err := s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error {
			r.ID, r.LinkID, r.OwnerID, r.Ref, r.PullNumber, r.CreatedAt = newID(), theirs.ID, other, "main", 9, t0.Add(time.Hour)
			r.CommitSHA = "abc"
			return nil
		})
		require.NoError(t, err)
		want := rv
		want.CommitSHA = "abc"
		assertSameReview(t, want, got)
		got, err = s.Reviews.Get(ctx, owner, l.ID, rv.ID)
		require.NoError(t, err)
		assertSameReview(t, want, got)

		for name, fn := range map[string]func(*review.Review) error{
			"status":   func(r *review.Review) error { r.Status = "paused"; return nil },
			"attempts": func(r *review.Review) error { r.Attempts = -1; return nil },
		} {
			_, err := s.Reviews.Update(ctx, rv.ID, fn)
			assert.Error(t, err, name)
			got, err := s.Reviews.GetByID(ctx, rv.ID)
			require.NoError(t, err)
			assertSameReview(t, want, got)
		}

		// Making an ended review pending again while an identical one is
		// pending would break the dedup rule.
		finishReview(t, s, rv.ID, "internal")
		pending := seedReview(t, s, l, "dev", 0, t0)
		_, err = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error { r.Status = review.StatusQueued; return nil })
		assert.ErrorIs(t, err, domain.ErrConflict)
		got, err = s.Reviews.GetByID(ctx, rv.ID)
		require.NoError(t, err)
		assert.Equal(t, review.StatusFailed, got.Status)
		// The pending review itself may be updated and stay pending.
		_, err = s.Reviews.Update(ctx, pending.ID, func(r *review.Review) error { return r.Start("abc", t0) })
		require.NoError(t, err)

		for _, id := range []string{newID(), "not-a-uuid", ""} {
			called := false
			_, err := s.Reviews.Update(ctx, id, func(*review.Review) error { called = true; return nil })
			assert.ErrorIs(t, err, domain.ErrNotFound, "update %q", id)
			assert.False(t, called, "fn is not called for %q", id)
		}
	})

	t.Run("concurrent updates of one review apply one after another", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		rv := seedReview(t, s, l, "", 0, t0)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error {
					return r.Start(fmt.Sprintf("sha-%d", i), t0.Add(time.Duration(i)*time.Minute))
				})
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		got, err := s.Reviews.GetByID(ctx, rv.ID)
		require.NoError(t, err)
		assert.Equal(t, n, got.Attempts, "no update was lost")
		assert.Equal(t, review.StatusRunning, got.Status)
	})

	t.Run("list answers a link's reviews newest first, the owner's only", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner, other := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		sibling := seedRepoLink(t, s, owner, t0)
		a := seedReview(t, s, l, "a", 0, t0)
		b := seedReview(t, s, l, "b", 0, t0.Add(time.Minute))
		c := seedReview(t, s, l, "c", 0, t0.Add(2*time.Minute))
		seedReview(t, s, sibling, "d", 0, t0.Add(time.Hour))
		finishReview(t, s, a.ID, "")

		items, next, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID, b.ID, a.ID}, reviewIDs(items))
		assert.Empty(t, next)
		assertSameReview(t, c, items[0])
		assert.Equal(t, review.StatusCompleted, items[2].Status)

		items, _, err = s.Reviews.List(ctx, strings.ToUpper(owner), strings.ToUpper(l.ID), ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 3)

		for _, tc := range []struct{ owner, link string }{
			{other, l.ID}, {owner, newID()}, {owner, "not-a-uuid"}, {"not-a-uuid", l.ID}, {"", l.ID}, {owner, ""},
		} {
			items, next, err := s.Reviews.List(ctx, tc.owner, tc.link, ports.Page{})
			require.NoError(t, err)
			assert.Empty(t, items, "list(%q, %q)", tc.owner, tc.link)
			assert.Empty(t, next)
		}
	})

	t.Run("list pages through everything without gaps or duplicates", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		var all []review.Review
		for i := range 25 {
			// Groups of three share a time: the id breaks the tie.
			all = append(all, seedReview(t, s, l, fmt.Sprintf("branch-%d", i), 0, t0.Add(time.Duration(i/3)*time.Second)))
		}
		seedReview(t, s, seedRepoLink(t, s, owner, t0), "", 0, t0.Add(time.Second))
		slices.SortFunc(all, cmpReviews)

		got, pages := pageAll(t, 7, func(p ports.Page) ([]review.Review, string, error) {
			return s.Reviews.List(ctx, owner, l.ID, p)
		})
		assert.Equal(t, reviewIDs(all), reviewIDs(got))
		assert.Equal(t, 4, pages)

		items, next, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{})
		require.NoError(t, err)
		assert.Len(t, items, 20, "default limit")
		assert.NotEmpty(t, next)
		items, _, err = s.Reviews.List(ctx, owner, l.ID, ports.Page{Limit: 1000})
		require.NoError(t, err)
		assert.Len(t, items, 25)
		items, next, err = s.Reviews.List(ctx, owner, l.ID, ports.Page{Limit: 25})
		require.NoError(t, err)
		assert.Len(t, items, 25)
		assert.Empty(t, next, "an exact last page has no next")

		for _, cur := range createdCursorCases() {
			_, _, err := s.Reviews.List(ctx, owner, l.ID, ports.Page{Cursor: cur})
			assertBadCursor(t, err)
		}
	})

	t.Run("count since counts the owner's reviews created at or after a time", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada, bob := s.Owner(t), s.Owner(t)
		l := seedRepoLink(t, s, ada, t0)
		l2 := seedRepoLink(t, s, ada, t0)
		lb := seedRepoLink(t, s, bob, t0)
		seedReview(t, s, l, "a", 0, t0)
		failed := seedReview(t, s, l2, "b", 0, t0.Add(time.Hour))
		finishReview(t, s, failed.ID, "quota_exceeded")
		seedReview(t, s, l, "c", 0, t0.Add(2*time.Hour))
		// A duplicate request is not another review.
		_, created, err := s.Reviews.Create(ctx, newQueuedReview(t, l, "c", 0, t0.Add(3*time.Hour)))
		require.NoError(t, err)
		require.False(t, created)
		seedReview(t, s, lb, "", 0, t0.Add(time.Hour))

		for _, c := range []struct {
			owner string
			since time.Time
			want  int
		}{
			{ada, time.Time{}, 3}, {ada, t0, 3}, {ada, t0.Add(time.Microsecond), 2}, {ada, t0.Add(time.Hour), 2},
			{ada, t0.Add(time.Hour + time.Microsecond), 1}, {ada, t0.Add(2 * time.Hour), 1},
			{ada, t0.Add(3 * time.Hour), 0}, {strings.ToUpper(ada), t0, 3}, {bob, t0, 1}, {newID(), t0, 0},
			{"not-a-uuid", t0, 0}, {"", t0, 0},
		} {
			n, err := s.Reviews.CountSince(ctx, c.owner, c.since)
			require.NoError(t, err)
			assert.Equal(t, c.want, n, "%s since %s", c.owner, c.since)
		}
	})

	t.Run("count since keeps counting the reviews of an unlinked repository", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ada := s.Owner(t)
		l := seedRepoLink(t, s, ada, t0)
		seedReview(t, s, l, "a", 0, t0)
		seedReview(t, s, l, "b", 0, t0.Add(time.Minute))
		require.NoError(t, s.Links.Delete(ctx, ada, l.ID))
		_, err := s.Reviews.GetByID(ctx, l.ID)
		require.ErrorIs(t, err, domain.ErrNotFound)
		n, err := s.Reviews.CountSince(ctx, ada, t0)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "unlinking and linking again does not reset the day's count")

		// A rolled back creation is not counted.
		again := seedRepoLink(t, s, ada, t0)
		rollback := errors.New("roll back")
		err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			n, err := s.Reviews.CountSince(ctx, ada, t0)
			require.NoError(t, err)
			require.Equal(t, 2, n)
			_, created, err := s.Reviews.Create(ctx, newQueuedReview(t, again, "c", 0, t0.Add(time.Hour)))
			require.NoError(t, err)
			require.True(t, created)
			return rollback
		})
		require.ErrorIs(t, err, rollback)
		n, err = s.Reviews.CountSince(ctx, ada, t0)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
	})

	t.Run("create and update join the caller's transaction", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		owner := s.Owner(t)
		l := seedRepoLink(t, s, owner, t0)
		rv := seedReview(t, s, l, "", 0, t0)

		var inTx review.Review
		require.NoError(t, s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			var err error
			var created bool
			inTx, created, err = s.Reviews.Create(ctx, newQueuedReview(t, l, "tx", 0, t0))
			require.NoError(t, err)
			require.True(t, created)
			_, err = s.Reviews.Update(ctx, inTx.ID, func(r *review.Review) error { return r.Start("abc", t0) })
			require.NoError(t, err)
			got, err := s.Reviews.Get(ctx, owner, l.ID, inTx.ID)
			require.NoError(t, err, "visible inside the transaction")
			assert.Equal(t, review.StatusRunning, got.Status)
			return nil
		}))
		got, err := s.Reviews.GetByID(ctx, inTx.ID)
		require.NoError(t, err, "committed")
		assert.Equal(t, review.StatusRunning, got.Status)

		if s.SkipRollback != "" {
			t.Skip(s.SkipRollback)
		}
		boom := errors.New("boom")
		var rolledBack review.Review
		err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
			var err error
			rolledBack, _, err = s.Reviews.Create(ctx, newQueuedReview(t, l, "rolled-back", 0, t0))
			require.NoError(t, err)
			_, err = s.Reviews.Update(ctx, rv.ID, func(r *review.Review) error { return r.Start("abc", t0) })
			require.NoError(t, err)
			return boom
		})
		require.ErrorIs(t, err, boom)
		_, err = s.Reviews.GetByID(ctx, rolledBack.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound, "create rolled back")
		got, err = s.Reviews.GetByID(ctx, rv.ID)
		require.NoError(t, err)
		assertSameReview(t, rv, got)
		// The rolled-back request is not pending: it can be made again.
		seedReview(t, s, l, "rolled-back", 0, t0)
	})
}
