package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
)

type usersHandlers struct {
	accounts Accounts
}

func (h usersHandlers) me(c *fiber.Ctx) error {
	u, err := h.accounts.Me(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, toUserResponse(u))
}

type updateMeRequest struct {
	DisplayName *string `json:"display_name" validate:"omitempty,max=80"`
	AvatarURL   *string `json:"avatar_url" validate:"omitempty,max=2048"`
	Bio         *string `json:"bio" validate:"omitempty,max=500"`
	Timezone    *string `json:"timezone" validate:"omitempty,max=64"`
}

func (h usersHandlers) updateMe(c *fiber.Ctx) error {
	var in updateMeRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.accounts.UpdateMe(c.UserContext(), userID(c), identity.AccountPatch{
		DisplayName: in.DisplayName, AvatarURL: in.AvatarURL, Bio: in.Bio, Timezone: in.Timezone})
	if err != nil {
		return err
	}
	return writeJSON(c, toUserResponse(u))
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password" validate:"max=1024"`
	NewPassword     string `json:"new_password" validate:"required,max=128"`
}

func (h usersHandlers) changePassword(c *fiber.Ctx) error {
	var in changePasswordRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	err := h.accounts.ChangePassword(c.UserContext(), account.ChangePasswordInput{UserID: userID(c),
		CurrentPassword: in.CurrentPassword, NewPassword: in.NewPassword, Client: client(c)})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h usersHandlers) profile(c *fiber.Ctx) error {
	p, err := h.accounts.GetProfile(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, toProfileResponse(p))
}

func (h usersHandlers) preferences(c *fiber.Ctx) error {
	p, err := h.accounts.Preferences(c.UserContext(), userID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, toPreferencesResponse(p))
}

type preferencesRequest struct {
	Languages          []string `json:"languages" validate:"omitempty,max=10,dive,max=32"`
	SkillLevel         *string  `json:"skill_level"`
	DailyGoalMinutes   *int     `json:"daily_goal_minutes"`
	TutorStyle         *string  `json:"tutor_style"`
	EmailNotifications *bool    `json:"email_notifications"`
}

func (h usersHandlers) updatePreferences(c *fiber.Ctx) error {
	var in preferencesRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.accounts.UpdatePreferences(c.UserContext(), userID(c), learner.PreferencesPatch{
		Languages: in.Languages, SkillLevel: in.SkillLevel, DailyGoalMinutes: in.DailyGoalMinutes,
		TutorStyle: in.TutorStyle, EmailNotifications: in.EmailNotifications})
	if err != nil {
		return err
	}
	return writeJSON(c, toPreferencesResponse(p))
}

type onboardingRequest struct {
	Languages        []string `json:"languages" validate:"required,min=1,max=10,dive,max=32"`
	SkillLevel       string   `json:"skill_level" validate:"required"`
	Goals            []string `json:"goals" validate:"max=10,dive,max=200"`
	DailyGoalMinutes *int     `json:"daily_goal_minutes"`
}

type onboardingResultResponse struct {
	Preferences preferencesResponse `json:"preferences"`
	Onboarding  onboardingResponse  `json:"onboarding"`
}

func (h usersHandlers) onboard(c *fiber.Ctx) error {
	var in onboardingRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := h.accounts.Onboard(c.UserContext(), userID(c), learner.Onboarding{Languages: in.Languages,
		SkillLevel: in.SkillLevel, Goals: in.Goals, DailyGoalMinutes: in.DailyGoalMinutes})
	if err != nil {
		return err
	}
	return writeJSON(c, onboardingResultResponse{Preferences: toPreferencesResponse(p.Preferences()), Onboarding: toOnboardingResponse(p)})
}
