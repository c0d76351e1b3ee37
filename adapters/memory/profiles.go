package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
)

type profileRecord struct {
	userID      string
	prefs       learner.Preferences
	goals       []string
	onboardedAt *time.Time
	updatedAt   time.Time
}

func toProfileRecord(p *learner.Profile) profileRecord {
	prefs := p.Preferences()
	prefs.Languages = slices.Clone(prefs.Languages)
	return profileRecord{userID: p.UserID(), prefs: prefs, goals: p.Goals(), onboardedAt: utcPtr(p.OnboardedAt()), updatedAt: utc(p.UpdatedAt())}
}

func (r profileRecord) toDomain() *learner.Profile {
	prefs := r.prefs
	prefs.Languages = slices.Clone(prefs.Languages)
	return learner.RehydrateProfile(r.userID, prefs, slices.Clone(r.goals), utcPtr(r.onboardedAt), r.updatedAt)
}

// ProfileRepository is the in-memory twin of the Postgres one.
type ProfileRepository struct {
	db *DB
	tx *TxManager
}

var _ ports.ProfileRepository = (*ProfileRepository)(nil)

// NewProfileRepository returns a repository over db.
func NewProfileRepository(db *DB) *ProfileRepository {
	return &ProfileRepository{db: db, tx: NewTxManager(db)}
}

func (r *ProfileRepository) Create(ctx context.Context, p *learner.Profile) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.users[p.UserID()]; !ok {
		return fmt.Errorf("create profile: %w: learner_profiles_user_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.profiles[p.UserID()]; ok {
		return fmt.Errorf("create profile: %w: learner_profiles_pkey", domain.ErrConflict)
	}
	r.db.profiles[p.UserID()] = toProfileRecord(p)
	return nil
}

func (r *ProfileRepository) Get(_ context.Context, userID string) (*learner.Profile, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rec, ok := r.db.profiles[userID]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return rec.toDomain(), nil
}

// Card reads the user's display name and preferences.
func (r *ProfileRepository) Card(_ context.Context, userID string) (learner.Card, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	u, ok := r.db.users[userID]
	if !ok {
		return learner.Card{}, domain.ErrNotFound
	}
	c := learner.Card{DisplayName: u.snap.DisplayName, Preferences: learner.DefaultPreferences()}
	if rec, ok := r.db.profiles[userID]; ok {
		c.Preferences = rec.toDomain().Preferences()
	}
	return c, nil
}

func (r *ProfileRepository) Update(ctx context.Context, userID string, fn func(p *learner.Profile) error) (*learner.Profile, error) {
	var out *learner.Profile
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		p, err := r.Get(ctx, userID)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		defer r.db.lockWrite(ctx)()
		r.db.profiles[userID] = toProfileRecord(p)
		out = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update profile %s: %w", userID, err)
	}
	return out, nil
}
