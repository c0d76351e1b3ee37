package argon2_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/argon2"
)

// cheapParams keep tests that are not about cost fast.
var cheapParams = argon2.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func newHasher(t testing.TB, p argon2.Params) *argon2.Hasher {
	t.Helper()
	h, err := argon2.New(p)
	require.NoError(t, err)
	return h
}

func TestDefaultParamsAreOWASPs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, argon2.Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}, argon2.DefaultParams())
}

func TestNewValidatesParams(t *testing.T) {
	t.Parallel()
	with := func(f func(*argon2.Params)) argon2.Params {
		p := argon2.DefaultParams()
		f(&p)
		return p
	}
	tests := []struct {
		name string
		p    argon2.Params
		ok   bool
	}{
		{"default", argon2.DefaultParams(), true},
		{"smallest", argon2.Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 16}, true},
		// The largest of each bound but memory, which would cost a GiB here.
		{"largest", argon2.Params{Memory: 128, Iterations: 20, Parallelism: 16, SaltLength: 64, KeyLength: 64}, true},
		{"zero value", argon2.Params{}, false},
		{"no iterations", with(func(p *argon2.Params) { p.Iterations = 0 }), false},
		{"too many iterations", with(func(p *argon2.Params) { p.Iterations = 21 }), false},
		{"no parallelism", with(func(p *argon2.Params) { p.Parallelism = 0 }), false},
		{"too much parallelism", with(func(p *argon2.Params) { p.Parallelism = 17 }), false},
		{"memory under 8 KiB a lane", with(func(p *argon2.Params) { p.Memory, p.Parallelism = 31, 4 }), false},
		{"memory over 1 GiB", with(func(p *argon2.Params) { p.Memory = 1<<20 + 1 }), false},
		{"short salt", with(func(p *argon2.Params) { p.SaltLength = 7 }), false},
		{"long salt", with(func(p *argon2.Params) { p.SaltLength = 65 }), false},
		{"short key", with(func(p *argon2.Params) { p.KeyLength = 15 }), false},
		{"long key", with(func(p *argon2.Params) { p.KeyLength = 65 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := argon2.New(tt.p)
			if !tt.ok {
				assert.Error(t, err)
				assert.Nil(t, h)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.p, h.Params())
		})
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHasher(t, argon2.DefaultParams())

	for _, pw := range []string{"Mauve otters juggle quietly at dawn", "", "ключ-от-дома", strings.Repeat("x", 1000)} {
		encoded, err := h.Hash(pw)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$"), encoded)
		fields := strings.Split(encoded, "$")
		require.Len(t, fields, 6)
		assert.Len(t, fields[4], 22, "16-byte salt, unpadded base64")
		assert.Len(t, fields[5], 43, "32-byte key, unpadded base64")

		ok, err := h.Verify(encoded, pw)
		require.NoError(t, err)
		assert.True(t, ok, "right password")

		ok, err = h.Verify(encoded, pw+"!")
		require.NoError(t, err)
		assert.False(t, ok, "wrong password")
		assert.False(t, h.NeedsRehash(encoded))
	}
}

// TestVerifyKnownAnswers checks against hashes made by the reference
// implementation (the argon2 CLI of libargon2), so the encoding is the one
// other tools read and write, not merely consistent with itself:
//
//	printf '%s' 'correct horse battery staple' | argon2 codementor-kat-salt -id -t 2 -k 19456 -p 1 -l 32 -e
//	printf '%s' 'correct horse battery staple' | argon2 codementor-kat-2 -id -t 3 -k 12288 -p 2 -l 16 -e
func TestVerifyKnownAnswers(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheapParams)
	for _, encoded := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$Y29kZW1lbnRvci1rYXQtc2FsdA$1byzvnG0kvzpRxzRliiiEHe9ToYitxkNVediYublvQM",
		"$argon2id$v=19$m=12288,t=3,p=2$Y29kZW1lbnRvci1rYXQtMg$AA5oeOvEon3kMNvekKaOFw",
	} {
		ok, err := h.Verify(encoded, "correct horse battery staple")
		require.NoError(t, err, encoded)
		assert.True(t, ok, "parameters come from the hash, not the hasher: %s", encoded)

		ok, err = h.Verify(encoded, "correct horse battery stapl")
		require.NoError(t, err)
		assert.False(t, ok)
	}
}

func TestHashUsesAFreshSalt(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheapParams)
	seen := map[string]bool{}
	for range 20 {
		encoded, err := h.Hash("same password")
		require.NoError(t, err)
		assert.False(t, seen[encoded], "a repeated hash means a repeated salt")
		seen[encoded] = true
		ok, err := h.Verify(encoded, "same password")
		require.NoError(t, err)
		assert.True(t, ok)
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheapParams)
	good, err := h.Hash("pw")
	require.NoError(t, err)
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	build := func(alg, version, params, salt, key string) string {
		return strings.Join([]string{"", alg, version, params, salt, key}, "$")
	}
	std := func(params string) string { return build("argon2id", "v=19", params, salt, key) }

	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"not PHC", "hunter2"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", build("argon2i", "v=19", "m=64,t=1,p=1", salt, key)},
		{"argon2d", build("argon2d", "v=19", "m=64,t=1,p=1", salt, key)},
		{"upper-case variant", build("ARGON2ID", "v=19", "m=64,t=1,p=1", salt, key)},
		{"version 16", build("argon2id", "v=16", "m=64,t=1,p=1", salt, key)},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"trailing field", good + "$"},
		{"leading text", "x" + good},
		{"trailing space", good + " "},
		{"reordered params", std("t=1,m=64,p=1")},
		{"missing param", std("m=64,t=1")},
		{"extra param", std("m=64,t=1,p=1,keyid=abc")},
		{"data param", std("m=64,t=1,p=1,data=abc")},
		{"empty value", std("m=,t=1,p=1")},
		{"leading zero", std("m=064,t=1,p=1")},
		{"plus sign", std("m=+64,t=1,p=1")},
		{"negative", std("m=64,t=-1,p=1")},
		{"space", std("m=64, t=1,p=1")},
		{"not a number", std("m=64,t=one,p=1")},
		{"overflows uint32", std("m=4294967296,t=1,p=1")},
		{"memory over 1 GiB", std("m=1048577,t=1,p=1")},
		{"memory under 8 KiB a lane", std("m=16,t=1,p=4")},
		{"zero iterations", std("m=64,t=0,p=1")},
		{"too many iterations", std("m=64,t=21,p=1")},
		{"zero parallelism", std("m=64,t=1,p=0")},
		{"too much parallelism", std("m=256,t=1,p=17")},
		{"parallelism that would wrap to 1", std("m=64,t=1,p=257")},
		{"padded salt", build("argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key)},
		{"url-safe base64", build("argon2id", "v=19", "m=64,t=1,p=1", salt, strings.NewReplacer("+", "-", "/", "_").Replace(key)+"-_")},
		{"not base64", build("argon2id", "v=19", "m=64,t=1,p=1", "!!!!!!!!!!!!", key)},
		{"non-canonical trailing bits", build("argon2id", "v=19", "m=64,t=1,p=1", salt[:21]+"B", key)},
		{"short salt", build("argon2id", "v=19", "m=64,t=1,p=1", "c2FsdA", key)},
		{"short key", build("argon2id", "v=19", "m=64,t=1,p=1", salt, "c2hvcnQ")},
		{"empty key", build("argon2id", "v=19", "m=64,t=1,p=1", salt, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := h.Verify(tt.encoded, "pw")
			require.ErrorIs(t, err, argon2.ErrMalformedHash, tt.encoded)
			assert.False(t, ok)
			assert.True(t, h.NeedsRehash(tt.encoded), "an unreadable hash is never current")
		})
	}
}

// A well-formed hash whose key or salt was altered is not an error, just a
// mismatch: nothing about it is malformed.
func TestVerifyTamperedValuesDoNotMatch(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheapParams)
	good, err := h.Hash("pw")
	require.NoError(t, err)
	f := strings.Split(good, "$")

	// Changing the first character keeps the base64 canonical.
	flip := func(s string) string {
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	for name, encoded := range map[string]string{
		"key":        strings.Join(slices.Concat(f[:5], []string{flip(f[5])}), "$"),
		"salt":       strings.Join(slices.Concat(f[:4], []string{flip(f[4]), f[5]}), "$"),
		"iterations": strings.Replace(good, "t=1", "t=2", 1),
		"memory":     strings.Replace(good, "m=64", "m=72", 1),
	} {
		ok, err := h.Verify(encoded, "pw")
		require.NoError(t, err, name)
		assert.False(t, ok, name)
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	cur := argon2.Params{Memory: 128, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}
	h := newHasher(t, cur)
	with := func(f func(*argon2.Params)) argon2.Params {
		p := cur
		f(&p)
		return p
	}
	tests := []struct {
		name string
		p    argon2.Params
		want bool
	}{
		{"current", cur, false},
		{"less memory", with(func(p *argon2.Params) { p.Memory = 64 }), true},
		{"fewer iterations", with(func(p *argon2.Params) { p.Iterations = 1 }), true},
		{"shorter salt", with(func(p *argon2.Params) { p.SaltLength = 8 }), true},
		{"shorter key", with(func(p *argon2.Params) { p.KeyLength = 16 }), true},
		{"more memory", with(func(p *argon2.Params) { p.Memory = 256 }), false},
		{"more iterations", with(func(p *argon2.Params) { p.Iterations = 3 }), false},
		{"longer key and salt", with(func(p *argon2.Params) { p.SaltLength, p.KeyLength = 32, 64 }), false},
		{"other parallelism", with(func(p *argon2.Params) { p.Parallelism = 1 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			encoded, err := newHasher(t, tt.p).Hash("pw")
			require.NoError(t, err)
			assert.Equal(t, tt.want, h.NeedsRehash(encoded))
		})
	}
}

// TestDummyVerifyTakesAsLongAsVerify guards the login path against telling
// registered emails from unknown ones by response time. It runs alone (no
// t.Parallel) so other tests do not skew the clock, interleaves the two
// measurements and compares medians, which shrugs off the odd slow run.
func TestDummyVerifyTakesAsLongAsVerify(t *testing.T) {
	h := newHasher(t, argon2.DefaultParams())
	stored, err := h.Hash("the real password")
	require.NoError(t, err)

	const rounds = 7
	var dummy, wrong []time.Duration
	for range rounds {
		start := time.Now()
		h.DummyVerify("a guess")
		dummy = append(dummy, time.Since(start))

		start = time.Now()
		ok, err := h.Verify(stored, "a guess")
		wrong = append(wrong, time.Since(start))
		require.NoError(t, err)
		require.False(t, ok)
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	md, mw := median(dummy), median(wrong)
	ratio := float64(md) / float64(mw)
	t.Logf("median DummyVerify %v, wrong-password Verify %v, ratio %.2f", md, mw, ratio)
	assert.GreaterOrEqual(t, ratio, 0.5)
	assert.LessOrEqual(t, ratio, 2.0)
}

func BenchmarkHash(b *testing.B) {
	h := newHasher(b, argon2.DefaultParams())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash("Mauve otters juggle quietly at dawn"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := newHasher(b, argon2.DefaultParams())
	encoded, err := h.Hash("Mauve otters juggle quietly at dawn")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(encoded, "Mauve otters juggle quietly at dawn"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
