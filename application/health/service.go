// Package health answers whether the service and its dependencies are up.
package health

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// Component describes an optional integration and whether it is configured
// ("llm: not configured"); readiness reports it but does not fail on it.
type Component struct {
	Name   string
	Status string
}

// Service checks the process and its dependencies.
type Service struct {
	pingers    []ports.Pinger
	components []Component
	timeout    time.Duration
	clock      ports.Clock
	startedAt  time.Time
	version    string
}

// NewService builds the health service. timeout bounds each ping.
func NewService(pingers []ports.Pinger, components []Component, timeout time.Duration, clock ports.Clock, version string) (*Service, error) {
	if clock == nil {
		return nil, errors.New("health: clock is required")
	}
	if timeout <= 0 {
		return nil, errors.New("health: timeout must be positive")
	}
	for i, p := range pingers {
		if p == nil {
			return nil, fmt.Errorf("health: pinger %d is nil", i)
		}
	}
	comps := append([]Component(nil), components...)
	sort.Slice(comps, func(i, j int) bool { return comps[i].Name < comps[j].Name })
	return &Service{pingers: pingers, components: comps, timeout: timeout, clock: clock,
		startedAt: clock.Now(), version: version}, nil
}

// Check is one dependency's result.
type Check struct {
	Name    string
	Up      bool
	Latency time.Duration
	// Err is the underlying failure, for logs only: it may hold addresses.
	Err error
}

// Readiness is the result of CheckReadiness.
type Readiness struct {
	Ready      bool
	Checks     []Check
	Components []Component
}

// Down lists the names of dependencies that did not answer.
func (r Readiness) Down() []string {
	var down []string
	for _, c := range r.Checks {
		if !c.Up {
			down = append(down, c.Name)
		}
	}
	return down
}

// CheckReadiness pings every dependency concurrently, each bounded by the
// service's timeout, so one slow dependency cannot stall the report.
func (s *Service) CheckReadiness(ctx context.Context) Readiness {
	checks := make([]Check, len(s.pingers))
	var wg sync.WaitGroup
	for i, p := range s.pingers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			start := time.Now()
			err := p.Ping(pctx)
			checks[i] = Check{Name: p.Name(), Up: err == nil, Latency: time.Since(start), Err: err}
		}()
	}
	wg.Wait()
	ready := true
	for _, c := range checks {
		ready = ready && c.Up
	}
	return Readiness{Ready: ready, Checks: checks, Components: s.components}
}

// Summary is the process's own state.
type Summary struct {
	Version string
	Uptime  time.Duration
	Now     time.Time
}

// Summarize reports version and uptime without touching dependencies.
func (s *Service) Summarize() Summary {
	now := s.clock.Now()
	return Summary{Version: s.version, Uptime: now.Sub(s.startedAt), Now: now}
}
