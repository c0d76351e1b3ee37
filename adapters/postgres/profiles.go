package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
)

// ProfileRepository stores learner preferences and onboarding answers.
type ProfileRepository struct{ pool *pgxpool.Pool }

var _ ports.ProfileRepository = (*ProfileRepository)(nil)

// NewProfileRepository returns a repository over the pool.
func NewProfileRepository(pool *pgxpool.Pool) *ProfileRepository {
	return &ProfileRepository{pool: pool}
}

type profileRow struct {
	UserID             string
	Languages          []string
	SkillLevel         string
	DailyGoalMinutes   int
	TutorStyle         string
	EmailNotifications bool
	Goals              []string
	OnboardedAt        *time.Time
	UpdatedAt          time.Time
}

func toProfileRow(p *learner.Profile) profileRow {
	pr := p.Preferences()
	return profileRow{UserID: p.UserID(), Languages: language.Strings(pr.Languages), SkillLevel: pr.SkillLevel.String(),
		DailyGoalMinutes: pr.DailyGoalMinutes, TutorStyle: pr.TutorStyle.String(), EmailNotifications: pr.EmailNotifications,
		Goals: p.Goals(), OnboardedAt: p.OnboardedAt(), UpdatedAt: p.UpdatedAt()}
}

func (r profileRow) toDomain() (*learner.Profile, error) {
	langs, err := language.ParseList("languages", r.Languages)
	if err != nil {
		return nil, fmt.Errorf("stored profile %s: %w", r.UserID, err)
	}
	lvl, err := learner.ParseSkillLevel(r.SkillLevel)
	if err != nil {
		return nil, fmt.Errorf("stored profile %s: %w", r.UserID, err)
	}
	st, err := learner.ParseTutorStyle(r.TutorStyle)
	if err != nil {
		return nil, fmt.Errorf("stored profile %s: %w", r.UserID, err)
	}
	return learner.RehydrateProfile(r.UserID, learner.Preferences{Languages: langs, SkillLevel: lvl,
		DailyGoalMinutes: r.DailyGoalMinutes, TutorStyle: st, EmailNotifications: r.EmailNotifications},
		r.Goals, r.OnboardedAt, r.UpdatedAt), nil
}

const profileSelect = `SELECT user_id, languages, skill_level, daily_goal_minutes, tutor_style, email_notifications,
	goals, onboarded_at, updated_at FROM learner_profiles WHERE user_id = $1`

func scanProfile(row pgx.Row) (*learner.Profile, error) {
	var r profileRow
	if err := row.Scan(&r.UserID, &r.Languages, &r.SkillLevel, &r.DailyGoalMinutes, &r.TutorStyle,
		&r.EmailNotifications, &r.Goals, &r.OnboardedAt, &r.UpdatedAt); err != nil {
		return nil, translate(err)
	}
	return r.toDomain()
}

// Create stores a new profile; one per user (domain.ErrConflict otherwise).
func (r *ProfileRepository) Create(ctx context.Context, p *learner.Profile) error {
	row := toProfileRow(p)
	_, err := conn(ctx, r.pool).Exec(ctx, `INSERT INTO learner_profiles
		(user_id, languages, skill_level, daily_goal_minutes, tutor_style, email_notifications, goals, onboarded_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		row.UserID, row.Languages, row.SkillLevel, row.DailyGoalMinutes, row.TutorStyle, row.EmailNotifications,
		row.Goals, row.OnboardedAt, row.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create profile: %w", translate(err))
	}
	return nil
}

// Get loads a profile.
func (r *ProfileRepository) Get(ctx context.Context, userID string) (*learner.Profile, error) {
	if !isUUID(userID) {
		return nil, domain.ErrNotFound
	}
	return scanProfile(conn(ctx, r.pool).QueryRow(ctx, profileSelect, userID))
}

// Card reads the user's display name and preferences in one query (the
// profile joined to its user, which may have none yet).
func (r *ProfileRepository) Card(ctx context.Context, userID string) (learner.Card, error) {
	if !isUUID(userID) {
		return learner.Card{}, domain.ErrNotFound
	}
	var name string
	var p struct {
		Languages  []string
		SkillLevel *string
		Goal       *int
		Style      *string
		Email      *bool
	}
	err := conn(ctx, r.pool).QueryRow(ctx, `SELECT u.display_name, p.languages, p.skill_level, p.daily_goal_minutes,
		p.tutor_style, p.email_notifications FROM users u LEFT JOIN learner_profiles p ON p.user_id = u.id WHERE u.id = $1`,
		userID).Scan(&name, &p.Languages, &p.SkillLevel, &p.Goal, &p.Style, &p.Email)
	if err != nil {
		return learner.Card{}, translate(err)
	}
	c := learner.Card{DisplayName: name, Preferences: learner.DefaultPreferences()}
	if p.SkillLevel == nil { // no profile yet
		return c, nil
	}
	prof, err := profileRow{UserID: userID, Languages: p.Languages, SkillLevel: *p.SkillLevel, DailyGoalMinutes: *p.Goal,
		TutorStyle: *p.Style, EmailNotifications: *p.Email}.toDomain()
	if err != nil {
		return learner.Card{}, err
	}
	c.Preferences = prof.Preferences()
	return c, nil
}

// Update locks the profile, applies fn and stores the result.
func (r *ProfileRepository) Update(ctx context.Context, userID string, fn func(p *learner.Profile) error) (*learner.Profile, error) {
	if !isUUID(userID) {
		return nil, domain.ErrNotFound
	}
	var out *learner.Profile
	err := NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		p, err := scanProfile(conn(ctx, r.pool).QueryRow(ctx, profileSelect+" FOR UPDATE", userID))
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		row := toProfileRow(p)
		_, err = conn(ctx, r.pool).Exec(ctx, `UPDATE learner_profiles SET languages = $2, skill_level = $3,
			daily_goal_minutes = $4, tutor_style = $5, email_notifications = $6, goals = $7, onboarded_at = $8,
			updated_at = $9 WHERE user_id = $1`,
			row.UserID, row.Languages, row.SkillLevel, row.DailyGoalMinutes, row.TutorStyle, row.EmailNotifications,
			row.Goals, row.OnboardedAt, row.UpdatedAt)
		if err != nil {
			return translate(err)
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update profile %s: %w", userID, err)
	}
	return out, nil
}
