package postgres

import (
	"github.com/google/wire"

	"github.com/codementor/codementor/ports"
)

// ProviderSet provides the pool-backed adapters; the pool comes from NewPool.
var ProviderSet = wire.NewSet(
	NewPool,
	NewPinger,
	NewTxManager, wire.Bind(new(ports.TxManager), new(*TxManager)),
	NewUserRepository, // bound to ports.UserRepository in cmd, behind a cache
	NewSessionRepository, wire.Bind(new(ports.SessionRepository), new(*SessionRepository)),
	NewOneTimeTokenRepository, wire.Bind(new(ports.OneTimeTokenRepository), new(*OneTimeTokenRepository)),
	NewLinkedIdentityRepository, wire.Bind(new(ports.LinkedIdentityRepository), new(*LinkedIdentityRepository)),
	NewProfileRepository, wire.Bind(new(ports.ProfileRepository), new(*ProfileRepository)),
	NewUsageRepository, wire.Bind(new(ports.UsageRepository), new(*UsageRepository)),
	NewQuotaLedger, wire.Bind(new(ports.QuotaLedger), new(*QuotaLedger)),
	NewExerciseRepository, wire.Bind(new(ports.ExerciseRepository), new(*ExerciseRepository)),
	NewAttemptRepository, wire.Bind(new(ports.AttemptRepository), new(*AttemptRepository)),
	NewDailyRepository, wire.Bind(new(ports.DailyRepository), new(*DailyRepository)),
	NewSubmissionRepository, wire.Bind(new(ports.SubmissionRepository), new(*SubmissionRepository)),
	NewAchievementRepository, wire.Bind(new(ports.AchievementRepository), new(*AchievementRepository)),
	NewConversationRepository, wire.Bind(new(ports.ConversationRepository), new(*ConversationRepository)),
	NewMessageRepository, wire.Bind(new(ports.MessageRepository), new(*MessageRepository)),
	NewRepoLinks, wire.Bind(new(ports.RepoLinkRepository), new(*RepoLinkRepository)),
	NewReviews, wire.Bind(new(ports.ReviewRepository), new(*ReviewRepository)),
)
