// Package review holds linked GitHub repositories and LLM code reviews:
// the review's lifecycle, which files a review reads (and why others are
// skipped), secret redaction, the prompt that keeps repository content
// as untrusted data, the answer's schema and its checking against the
// files actually sent, and the link from findings to exercise topics.
package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/codementor/codementor/domain"
)

// Visibility of a linked repository.
type Visibility string

const (
	Public  Visibility = "public"
	Private Visibility = "private"
)

// LinkStatus says whether a linked repository can still be read.
type LinkStatus string

const (
	LinkActive LinkStatus = "active"
	// LinkBroken: the repository disappeared (or the learner lost access);
	// reviews of it fail until it is linked again.
	LinkBroken LinkStatus = "broken"
)

// RepoLink is a learner's linked GitHub repository.
type RepoLink struct {
	ID            string
	OwnerID       string // the learner
	GitHubID      int64  // GitHub's stable repository id
	FullName      string // owner/name
	DefaultBranch string
	Visibility    Visibility
	Language      string // GitHub's primary language, "" when unknown
	Status        LinkStatus
	BrokenReason  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Owner and Name split FullName.
func (l RepoLink) Owner() string { o, _, _ := strings.Cut(l.FullName, "/"); return o }
func (l RepoLink) Name() string  { _, n, _ := strings.Cut(l.FullName, "/"); return n }

// Status is where a review is in its life.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
)

// Active says whether the review still waits for (or is in) its run.
func (s Status) Active() bool { return s == StatusQueued || s == StatusRunning }

// Severity of a finding.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityMinor    Severity = "minor"
	SeverityMajor    Severity = "major"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, least severe first.
var Severities = []Severity{SeverityInfo, SeverityMinor, SeverityMajor, SeverityCritical}

// ParseSeverity reads a severity; anything else is a validation error.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities {
		if string(v) == s {
			return v, nil
		}
	}
	return "", domain.NewValidationError("severity", "must be one of info, minor, major, critical")
}

// Category of a finding.
type Category string

const (
	CategoryBug         Category = "bug"
	CategorySecurity    Category = "security"
	CategoryPerformance Category = "performance"
	CategoryReadability Category = "readability"
	CategoryTesting     Category = "testing"
	CategoryDesign      Category = "design"
)

// Categories lists every category.
var Categories = []Category{CategoryBug, CategorySecurity, CategoryPerformance, CategoryReadability, CategoryTesting, CategoryDesign}

// ParseCategory reads a category; anything else is a validation error.
func ParseCategory(s string) (Category, error) {
	for _, v := range Categories {
		if string(v) == s {
			return v, nil
		}
	}
	return "", domain.NewValidationError("category", "must be one of bug, security, performance, readability, testing, design")
}

// Finding is one remark of a review, anchored to lines of a file that was
// sent to the model.
type Finding struct {
	Path       string
	StartLine  int
	EndLine    int
	Severity   Severity
	Category   Category
	Message    string
	Suggestion string
}

// SkippedFile is a file the review did not read, with why.
type SkippedFile struct {
	Path   string
	Reason SkipReason
}

// SkipReason says why a file was not reviewed.
type SkipReason string

const (
	SkipVendored   SkipReason = "vendored"
	SkipGenerated  SkipReason = "generated"
	SkipMinified   SkipReason = "minified"
	SkipLockFile   SkipReason = "lock_file"
	SkipBinary     SkipReason = "binary"
	SkipLFSPointer SkipReason = "lfs_pointer"
	SkipTooLarge   SkipReason = "too_large"
	SkipNotSource  SkipReason = "not_source"
	SkipSecretFile SkipReason = "secret_file"
	SkipBudget     SkipReason = "over_budget"
	SkipRemoved    SkipReason = "removed"
	SkipUnreadable SkipReason = "unreadable"
)

// Result is what a completed review found.
type Result struct {
	Summary   string
	Strengths []string
	Findings  []Finding
	// Topics are the exercise topics the learner should practise (two or
	// three, from the exercise catalogue's vocabulary), and
	// SuggestedExercises ids of matching exercises.
	Topics             []string
	SuggestedExercises []string
	ReviewedFiles      []string
	Skipped            []SkippedFile
	// DroppedFindings counts the model's findings that pointed at a file
	// that was not sent or at lines outside it.
	DroppedFindings int
	// Redactions counts secrets replaced before anything reached a model.
	Redactions int
	Chunks     int
}

// Review is one LLM code review of a linked repository at a ref or of a
// pull request.
type Review struct {
	ID         string
	LinkID     string
	OwnerID    string
	Ref        string // as requested; "" = the default branch
	PullNumber int    // 0 = not a pull request review
	CommitSHA  string // resolved when the run starts
	Status     Status
	Result     Result
	// FailureReason is written for the learner.
	FailureReason string
	// FailureCode is a stable word (application/reviews lists them):
	// github_reauthorization_required, repository_gone, quota_exceeded,
	// ai_unavailable, timeout, internal ...
	FailureCode string
	Attempts    int
	CreatedAt   time.Time
	StartedAt   *time.Time
	CompletedAt *time.Time
}

// MaxRefLength bounds a requested ref.
const MaxRefLength = 250

// NewReview validates a request and builds a queued review.
func NewReview(id string, link RepoLink, ref string, pullNumber int, now time.Time) (Review, error) {
	ref = strings.TrimSpace(ref)
	if ref != "" && pullNumber != 0 {
		return Review{}, domain.NewValidationError("ref", "give either ref or pull_number, not both")
	}
	if pullNumber < 0 || pullNumber > 1<<30 {
		return Review{}, domain.NewValidationError("pull_number", "must be a positive number")
	}
	if len(ref) > MaxRefLength || (ref != "" && !validRef(ref)) {
		return Review{}, domain.NewValidationError("ref", "is not a valid branch, tag or commit name")
	}
	if link.Status == LinkBroken {
		return Review{}, domain.NewPublicError(domain.ErrConflict, "repository_unavailable",
			"this repository can no longer be read on GitHub; link it again once it is back")
	}
	return Review{ID: id, LinkID: link.ID, OwnerID: link.OwnerID, Ref: ref, PullNumber: pullNumber,
		Status: StatusQueued, CreatedAt: now}, nil
}

// validRef follows git's check-ref-format rules loosely: no control
// characters, spaces, "..", "~^:?*[\\", no leading "-" or "/".
func validRef(ref string) bool {
	if strings.HasPrefix(ref, "-") || strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/") ||
		strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "..") || strings.Contains(ref, "@{") ||
		strings.Contains(ref, "//") {
		return false
	}
	for _, r := range ref {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	return true
}

// DedupKey identifies "the same request" for one repository: the same
// ref (or the default branch) or the same pull request.
func (r Review) DedupKey() string {
	if r.PullNumber != 0 {
		return fmt.Sprintf("%s:pull:%d", r.LinkID, r.PullNumber)
	}
	return r.LinkID + ":ref:" + r.Ref
}

// Start moves a queued review to running at the resolved commit. A run
// that starts again (a retry, a restart) keeps the review running.
func (r *Review) Start(commitSHA string, now time.Time) error {
	if !r.Status.Active() {
		return fmt.Errorf("%w: review is %s", domain.ErrInvalidTransition, r.Status)
	}
	r.Status = StatusRunning
	r.CommitSHA = commitSHA
	r.Attempts++
	if r.StartedAt == nil {
		t := now
		r.StartedAt = &t
	}
	return nil
}

// Complete stores the result of a running review.
func (r *Review) Complete(res Result, now time.Time) error {
	if r.Status != StatusRunning {
		return fmt.Errorf("%w: review is %s", domain.ErrInvalidTransition, r.Status)
	}
	r.Status = StatusCompleted
	r.Result = res
	t := now
	r.CompletedAt = &t
	return nil
}

// Fail ends an active review with a reason the learner understands.
func (r *Review) Fail(code, reason string, now time.Time) error {
	if !r.Status.Active() {
		return fmt.Errorf("%w: review is %s", domain.ErrInvalidTransition, r.Status)
	}
	r.Status = StatusFailed
	r.FailureCode = code
	r.FailureReason = reason
	t := now
	r.CompletedAt = &t
	return nil
}
