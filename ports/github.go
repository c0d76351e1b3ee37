package ports

import (
	"context"
)

// GitHubUser is who a token belongs to and what it may do.
type GitHubUser struct {
	ID     int64
	Login  string
	Scopes []string // from X-OAuth-Scopes; empty for fine-grained tokens
}

// GitHubRepo is what GitHub says about a repository.
type GitHubRepo struct {
	ID            int64
	FullName      string // owner/name, as GitHub spells it
	DefaultBranch string
	Private       bool
	Language      string
	// Archived / Disabled are informative only.
	Archived bool
}

// GitHubTreeEntry is one blob of a recursive git tree (trees and submodule
// commits are left out by the adapter).
type GitHubTreeEntry struct {
	Path string
	SHA  string // the blob's sha
	Size int64
	Mode string // 100644, 100755, 120000 (symlink)
}

// GitHubTree is the blob list of a commit's tree. Truncated says the list
// is still incomplete: GitHub cut its recursive listing and walking the
// sub-trees hit the adapter's bounds too.
type GitHubTree struct {
	CommitSHA string
	Entries   []GitHubTreeEntry
	Truncated bool
}

// GitHubPull is a pull request's head and base.
type GitHubPull struct {
	Number  int
	Title   string
	HeadSHA string
	BaseRef string
	State   string // open | closed
}

// GitHubChangedFile is a file a pull request touches.
type GitHubChangedFile struct {
	Path      string
	Status    string // added | modified | removed | renamed | ...
	SHA       string // blob sha at the head ("" for removed files)
	Additions int
	Deletions int
	Patch     string // unified diff hunk(s); "" when GitHub omits it (binary, too large)
}

// GitHub reads repositories on the learner's behalf with the learner's
// OAuth token. Errors: an unknown or unreadable repository, ref, blob or
// pull request is domain.ErrNotFound; a refused token is
// review.ErrReauthorize; a spent rate limit is *review.RateLimitedError;
// an unreachable API is domain.ErrUnavailable.
type GitHub interface {
	// User reads the token's owner and granted scopes (a cheap validity
	// check).
	User(ctx context.Context, token string) (GitHubUser, error)
	// Repository reads one repository the token can see.
	Repository(ctx context.Context, token, owner, name string) (GitHubRepo, error)
	// ResolveRef turns a branch, tag or commit sha ("" = the default
	// branch) into a commit sha.
	ResolveRef(ctx context.Context, token, owner, name, ref string) (string, error)
	// Tree lists the blobs of a commit's tree, recursively, without their
	// contents.
	Tree(ctx context.Context, token, owner, name, commitSHA string) (GitHubTree, error)
	// Blob reads one blob's content; content longer than maxBytes is an
	// error (the caller checked the size from the tree already).
	Blob(ctx context.Context, token, owner, name, sha string, maxBytes int64) ([]byte, error)
	// RecentlyChanged answers paths changed by the last few commits before
	// commitSHA, most recent first (at most limit paths).
	RecentlyChanged(ctx context.Context, token, owner, name, commitSHA string, limit int) ([]string, error)
	// Pull reads a pull request.
	Pull(ctx context.Context, token, owner, name string, number int) (GitHubPull, error)
	// PullFiles lists a pull request's changed files with their patches
	// (GitHub stops at 3,000 files).
	PullFiles(ctx context.Context, token, owner, name string, number int) ([]GitHubChangedFile, error)
}
