// Package argon2 hashes passwords with argon2id and stores them in the PHC
// string format, so every hash carries the parameters it was made with.
package argon2

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	xargon2 "golang.org/x/crypto/argon2"

	"github.com/codementor/codementor/ports"
)

var _ ports.PasswordHasher = (*Hasher)(nil)

// Bounds on parameters, for the hasher's own and for those read back from a
// stored hash: a poisoned row asking for 64 GiB or a million passes must not
// take the server down, and nothing below the floors is argon2id worth having.
const (
	maxMemoryKiB   = 1 << 20 // 1 GiB
	maxIterations  = 20
	maxParallelism = 16
	minSaltLength  = 8 // the PHC format's recommended minimum
	maxSaltLength  = 64
	minKeyLength   = 16
	maxKeyLength   = 64
)

// ErrMalformedHash says a stored hash is not an argon2id PHC string this
// package accepts.
var ErrMalformedHash = errors.New("argon2: malformed hash")

// b64 is the PHC format's base64: standard alphabet, no padding; Strict
// refuses non-zero trailing bits, so each hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// Params are argon2id's cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

// DefaultParams are OWASP's recommended argon2id settings (Password Storage
// Cheat Sheet): 19 MiB, two passes, one lane, a 16-byte salt, a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

func (p Params) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d outside 1..%d", p.Iterations, maxIterations)
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d outside 1..%d", p.Parallelism, maxParallelism)
	// argon2 needs at least 8 KiB per lane.
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Parallelism), maxMemoryKiB)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// Hasher implements ports.PasswordHasher with argon2id.
type Hasher struct {
	params Params
	// dummy is a hash of a random secret, made with params, for DummyVerify.
	dummy string
	// slots bound how many hashes run at once (see idKey).
	slots chan struct{}
}

// New validates p and returns a hasher using it. It hashes once to prepare
// DummyVerify, so it costs one hash (about 20 ms with DefaultParams): doing
// it here rather than on first use keeps even the first unknown-user login
// as slow as a real one.
func New(p Params) (*Hasher, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("argon2 params: %w", err)
	}
	h := &Hasher{params: p, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("argon2 dummy secret: %w", err)
	}
	dummy, err := h.Hash(string(secret))
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns password's argon2id hash in PHC format, with a fresh salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2 salt: %w", err)
	}
	key := h.idKey([]byte(password), salt, h.params)
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches encoded. A malformed encoding is
// an error wrapping ErrMalformedHash, never a plain false, so a corrupted
// row shows up in logs instead of looking like a typo.
func (h *Hasher) Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := h.idKey([]byte(password), salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// idKey runs argon2id in one of the hasher's slots. There are as many slots
// as CPUs: each run is CPU- and memory-bound (19 MiB by default), so running
// more at once only adds memory (a flood of logins could otherwise allocate
// without bound) and cache misses, not throughput; the rest queue.
func (h *Hasher) idKey(password, salt []byte, p Params) []byte {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return xargon2.IDKey(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
}

// DummyVerify does the work of a failed Verify against a hash made with the
// current parameters. Login calls it when no account has the given email, so
// "no such user" takes as long as "wrong password" and timing does not tell
// which emails are registered.
func (h *Hasher) DummyVerify(password string) {
	_, _ = h.Verify(h.dummy, password)
}

// NeedsRehash reports whether encoded is weaker than the current parameters
// in memory, passes, salt or key length (or unreadable), so a successful
// login can store a fresh hash. Parallelism is not compared: it changes how
// the work is spread over threads, not how much an attacker must do.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	cur := h.params
	return p.Memory < cur.Memory || p.Iterations < cur.Iterations ||
		uint32(len(salt)) < cur.SaltLength || uint32(len(key)) < cur.KeyLength
}

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		xargon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses exactly what encode writes and nothing else: no other
// variant or version, no optional PHC fields, no reordered or zero-padded
// numbers, padded or non-canonical base64, and parameters within bounds.
func decode(encoded string) (Params, []byte, []byte, error) {
	fields := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformedHash)
	}
	if fields[2] != "v="+strconv.Itoa(xargon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, fields[2])
	}

	var p Params
	kv := strings.Split(fields[3], ",")
	if len(kv) != 3 {
		return Params{}, nil, nil, fmt.Errorf("%w: want m, t and p parameters", ErrMalformedHash)
	}
	m, errM := parseParam(kv[0], "m=")
	t, errT := parseParam(kv[1], "t=")
	par, errP := parseParam(kv[2], "p=")
	if err := errors.Join(errM, errT, errP); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	// Range-check before narrowing, so p=257 cannot wrap around to 1.
	if par > maxParallelism {
		return Params{}, nil, nil, fmt.Errorf("%w: parallelism %d above %d", ErrMalformedHash, par, maxParallelism)
	}
	p.Memory, p.Iterations, p.Parallelism = m, t, uint8(par)

	salt, err := b64.DecodeString(fields[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: salt: %w", ErrMalformedHash, err)
	}
	key, err := b64.DecodeString(fields[5])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: key: %w", ErrMalformedHash, err)
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	return p, salt, key, nil
}

// parseParam reads "name=<decimal>" as a uint32, refusing signs, spaces and
// leading zeros that strconv would let through.
func parseParam(s, prefix string) (uint32, error) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok || digits == "" || (digits[0] == '0' && len(digits) > 1) {
		return 0, fmt.Errorf("bad parameter %q", s)
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad parameter %q", s)
		}
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad parameter %q", s)
	}
	return uint32(n), nil
}
