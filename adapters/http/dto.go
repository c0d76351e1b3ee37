package http

import (
	"time"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
)

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func rfc3339Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

type userResponse struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	DisplayName   string `json:"display_name"`
	AvatarURL     string `json:"avatar_url"`
	Bio           string `json:"bio"`
	Timezone      string `json:"timezone"`
	Role          string `json:"role"`
	HasPassword   bool   `json:"has_password"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

func toUserResponse(u *identity.User) userResponse {
	return userResponse{ID: u.ID(), Email: u.Email().String(), EmailVerified: u.EmailVerified(),
		DisplayName: u.DisplayName(), AvatarURL: u.AvatarURL(), Bio: u.Bio(), Timezone: u.Timezone(),
		Role: u.Role().String(), HasPassword: u.HasPassword(), CreatedAt: rfc3339(u.CreatedAt()), UpdatedAt: rfc3339(u.UpdatedAt())}
}

type userEnvelope struct {
	User userResponse `json:"user"`
}

type authResponse struct {
	AccessToken  string       `json:"access_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int64        `json:"expires_in"`
	RefreshToken string       `json:"refresh_token"`
	User         userResponse `json:"user"`
}

func toAuthResponse(r account.AuthResult, now time.Time) authResponse {
	return authResponse{AccessToken: r.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(r.AccessExpiresAt.Sub(now).Round(time.Second) / time.Second), RefreshToken: r.RefreshToken,
		User: toUserResponse(r.User)}
}

type preferencesResponse struct {
	Languages          []string `json:"languages"`
	SkillLevel         string   `json:"skill_level"`
	DailyGoalMinutes   int      `json:"daily_goal_minutes"`
	TutorStyle         string   `json:"tutor_style"`
	EmailNotifications bool     `json:"email_notifications"`
}

func toPreferencesResponse(p learner.Preferences) preferencesResponse {
	return preferencesResponse{Languages: language.Strings(p.Languages), SkillLevel: p.SkillLevel.String(),
		DailyGoalMinutes: p.DailyGoalMinutes, TutorStyle: p.TutorStyle.String(), EmailNotifications: p.EmailNotifications}
}

type onboardingResponse struct {
	Completed   bool     `json:"completed"`
	Goals       []string `json:"goals"`
	CompletedAt *string  `json:"completed_at"`
}

func toOnboardingResponse(p *learner.Profile) onboardingResponse {
	return onboardingResponse{Completed: p.Onboarded(), Goals: p.Goals(), CompletedAt: rfc3339Ptr(p.OnboardedAt())}
}

type linkedProviderResponse struct {
	Provider string   `json:"provider"`
	Login    string   `json:"login"`
	Email    string   `json:"email"`
	Scopes   []string `json:"scopes"`
	LinkedAt string   `json:"linked_at"`
}

type profileResponse struct {
	User            userResponse             `json:"user"`
	Preferences     preferencesResponse      `json:"preferences"`
	Onboarding      onboardingResponse       `json:"onboarding"`
	LinkedProviders []linkedProviderResponse `json:"linked_providers"`
}

func toProfileResponse(p account.Profile) profileResponse {
	links := make([]linkedProviderResponse, 0, len(p.Identities))
	for _, li := range p.Identities {
		scopes := li.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		links = append(links, linkedProviderResponse{Provider: li.Provider, Login: li.Login, Email: li.Email,
			Scopes: scopes, LinkedAt: rfc3339(li.CreatedAt)})
	}
	return profileResponse{User: toUserResponse(p.User), Preferences: toPreferencesResponse(p.Learner.Preferences()),
		Onboarding: toOnboardingResponse(p.Learner), LinkedProviders: links}
}
