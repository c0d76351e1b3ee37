package contract_test

import (
	"testing"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestLockerMemory(t *testing.T) {
	t.Parallel()
	contract.Locker(t, func(*testing.T) ports.Locker { return memory.NewLocker() })
}

func TestLockerRedis(t *testing.T) {
	t.Parallel()
	contract.Locker(t, func(t *testing.T) ports.Locker { return redis.NewLocker(testenv.Redis(t)) })
}

func TestSemaphoreMemory(t *testing.T) {
	t.Parallel()
	contract.Semaphore(t, func(*testing.T) ports.Semaphore { return memory.NewSemaphore() })
}

func TestSemaphoreRedis(t *testing.T) {
	t.Parallel()
	contract.Semaphore(t, func(t *testing.T) ports.Semaphore { return redis.NewSemaphore(testenv.Redis(t)) })
}
