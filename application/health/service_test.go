package health_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/ports"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type pinger struct {
	name  string
	delay time.Duration
	err   error
}

func (p pinger) Name() string { return p.name }
func (p pinger) Ping(ctx context.Context) error {
	select {
	case <-time.After(p.delay):
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestNewServiceRejectsBadArguments(t *testing.T) {
	t.Parallel()
	c := &clock{}
	_, err := health.NewService(nil, nil, time.Second, nil, "v")
	assert.Error(t, err)
	_, err = health.NewService(nil, nil, 0, c, "v")
	assert.Error(t, err)
	_, err = health.NewService([]ports.Pinger{nil}, nil, time.Second, c, "v")
	assert.Error(t, err)
}

func TestReadinessPingsConcurrentlyWithinTheTimeout(t *testing.T) {
	t.Parallel()
	svc, err := health.NewService([]ports.Pinger{
		pinger{name: "postgres", delay: 10 * time.Millisecond},
		pinger{name: "redis", delay: 10 * time.Millisecond, err: errors.New("connection refused")},
		pinger{name: "slow", delay: time.Hour},
	}, []health.Component{{Name: "llm", Status: "not configured"}, {Name: "code_runner", Status: "local"}},
		100*time.Millisecond, &clock{}, "v1")
	require.NoError(t, err)

	start := time.Now()
	r := svc.CheckReadiness(context.Background())
	assert.Less(t, time.Since(start), 500*time.Millisecond, "pings run side by side, each bounded")
	assert.False(t, r.Ready)
	assert.Equal(t, []string{"redis", "slow"}, r.Down())
	assert.True(t, r.Checks[0].Up)
	assert.ErrorIs(t, r.Checks[2].Err, context.DeadlineExceeded)
	assert.Equal(t, "code_runner", r.Components[0].Name, "components are sorted")
}

func TestReadyWithNoFailures(t *testing.T) {
	t.Parallel()
	svc, err := health.NewService([]ports.Pinger{pinger{name: "postgres"}}, nil, time.Second, &clock{}, "v1")
	require.NoError(t, err)
	r := svc.CheckReadiness(context.Background())
	assert.True(t, r.Ready)
	assert.Empty(t, r.Down())
}

func TestSummaryReportsUptime(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	svc, err := health.NewService(nil, nil, time.Second, c, "v1.2.3")
	require.NoError(t, err)
	c.now = c.now.Add(90 * time.Second)
	s := svc.Summarize()
	assert.Equal(t, "v1.2.3", s.Version)
	assert.Equal(t, 90*time.Second, s.Uptime)
}
