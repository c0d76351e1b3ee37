package reviews

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/domain/review"
)

// ConnectStatus says whether the learner has a usable GitHub connection
// and, when not (or when private repositories are wanted but not
// granted), where to send the browser to connect one.
type ConnectStatus struct {
	Connected    bool
	Login        string
	Scopes       []string
	PrivateRepos bool // the "repo" scope is granted
	// Reason is "" when usable, else not_connected,
	// reauthorization_required or github_not_configured.
	Reason     string
	ConnectURL string
}

// Connect reports the learner's GitHub connection, checking the token
// with GitHub (a revoked one is forgotten and reported as needing
// authorisation again).
func (s *Service) Connect(ctx context.Context, userID string, wantPrivate bool) (ConnectStatus, error) {
	var st ConnectStatus
	tok, err := s.token(ctx, userID)
	switch {
	case err == nil:
		who, err := s.GitHub.User(ctx, tok)
		if err != nil {
			if errors.Is(err, review.ErrReauthorize) {
				s.forgetToken(ctx, userID)
				st.Reason = "reauthorization_required"
				break
			}
			return ConnectStatus{}, s.publicGitHubError(ctx, userID, err)
		}
		st = ConnectStatus{Connected: true, Login: who.Login, Scopes: who.Scopes,
			PrivateRepos: slices.Contains(who.Scopes, "repo")}
	case errors.Is(err, review.ErrReauthorize):
		st.Reason = "reauthorization_required"
	case errors.Is(err, review.ErrNotConnected):
		st.Reason = "not_connected"
	default:
		return ConnectStatus{}, err
	}
	if st.Connected && (!wantPrivate || st.PrivateRepos) {
		return st, nil
	}
	if !s.Connector.ProviderConfigured("github") {
		if !st.Connected {
			st.Reason = "github_not_configured"
		}
		return st, nil
	}
	ticket, err := s.Connector.StartConnect(ctx, "github", userID, account.GitHubScopes(wantPrivate))
	if err != nil {
		return ConnectStatus{}, fmt.Errorf("github connect: %w", err)
	}
	st.ConnectURL = s.cfg.ConnectURL + "?connect=" + url.QueryEscape(ticket)
	return st, nil
}
