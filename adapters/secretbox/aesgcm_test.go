package secretbox_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/secretbox"
)

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, secretbox.KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return k
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	k := key(t)
	box, err := secretbox.New(k)
	require.NoError(t, err)
	for _, plain := range [][]byte{[]byte("gho_16C7e42F292c6912E7710c838347Ae178B4a"), {}, bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := box.Seal(plain)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(sealed, "v1:"+secretbox.KeyID(k)+":"), sealed)
		got, err := box.Open(sealed)
		require.NoError(t, err)
		assert.Equal(t, len(plain), len(got))
		assert.True(t, bytes.Equal(plain, got))
	}
}

func TestSealFormatAndFreshNonces(t *testing.T) {
	t.Parallel()
	k := key(t)
	box, err := secretbox.New(k)
	require.NoError(t, err)
	a, err := box.Seal([]byte("token"))
	require.NoError(t, err)
	b, err := box.Seal([]byte("token"))
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "a random nonce per seal")

	parts := strings.Split(a, ":")
	require.Len(t, parts, 3)
	assert.Equal(t, "v1", parts[0])
	assert.Equal(t, box.CurrentKeyID(), parts[1])
	assert.Len(t, parts[1], 8)
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.Len(t, raw, 12+len("token")+16, "nonce || ciphertext || tag")
	assert.NotContains(t, a, "token")
}

func TestOpenRejectsTampering(t *testing.T) {
	t.Parallel()
	box, err := secretbox.New(key(t))
	require.NoError(t, err)
	sealed, err := box.Seal([]byte("gho_secret_token"))
	require.NoError(t, err)
	prefix := sealed[:strings.LastIndex(sealed, ":")+1]
	raw, err := base64.RawURLEncoding.DecodeString(sealed[len(prefix):])
	require.NoError(t, err)

	for i := range raw { // every byte: nonce, ciphertext and tag
		flipped := bytes.Clone(raw)
		flipped[i] ^= 0x01
		_, err := box.Open(prefix + base64.RawURLEncoding.EncodeToString(flipped))
		require.ErrorIs(t, err, secretbox.ErrTampered, "byte %d", i)
	}
}

func TestOpenRejectsMalformed(t *testing.T) {
	t.Parallel()
	k := key(t)
	box, err := secretbox.New(k)
	require.NoError(t, err)
	sealed, err := box.Seal([]byte("gho_secret_token"))
	require.NoError(t, err)
	id := secretbox.KeyID(k)
	payload := sealed[len("v1:"+id+":"):]

	cases := map[string]struct {
		in   string
		want error
	}{
		"empty":          {"", secretbox.ErrMalformed},
		"no version":     {payload, secretbox.ErrMalformed},
		"wrong version":  {"v2:" + id + ":" + payload, secretbox.ErrMalformed},
		"no key id":      {"v1:" + payload, secretbox.ErrMalformed},
		"unknown key id": {"v1:deadbeef:" + payload, secretbox.ErrUnknownKey},
		"truncated":      {sealed[:len("v1:"+id+":")+20], secretbox.ErrMalformed},
		"truncated tag":  {cut(t, sealed, 4), secretbox.ErrTampered},
		"not base64url":  {"v1:" + id + ":" + payload + "!", secretbox.ErrMalformed},
		"padded":         {sealed + "=", secretbox.ErrMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := box.Open(c.in)
			assert.ErrorIs(t, err, c.want)
		})
	}
}

// cut drops n bytes from the end of a sealed value's payload.
func cut(t *testing.T, sealed string, n int) string {
	t.Helper()
	i := strings.LastIndex(sealed, ":") + 1
	raw, err := base64.RawURLEncoding.DecodeString(sealed[i:])
	require.NoError(t, err)
	return sealed[:i] + base64.RawURLEncoding.EncodeToString(raw[:len(raw)-n])
}

func TestWrongKeyCannotOpen(t *testing.T) {
	t.Parallel()
	k1, k2 := key(t), key(t)
	a, err := secretbox.New(k1)
	require.NoError(t, err)
	b, err := secretbox.New(k2)
	require.NoError(t, err)
	sealed, err := a.Seal([]byte("gho_secret_token"))
	require.NoError(t, err)

	_, err = b.Open(sealed)
	require.ErrorIs(t, err, secretbox.ErrUnknownKey)

	// Even with the header rewritten to name b's key, GCM refuses.
	forged := "v1:" + b.CurrentKeyID() + sealed[len("v1:"+a.CurrentKeyID()):]
	_, err = b.Open(forged)
	require.ErrorIs(t, err, secretbox.ErrTampered)
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := key(t), key(t)
	before, err := secretbox.New(oldKey)
	require.NoError(t, err)
	sealedBefore, err := before.Seal([]byte("sealed before the rotation"))
	require.NoError(t, err)

	after, err := secretbox.NewWithOldKeys(newKey, oldKey)
	require.NoError(t, err)
	assert.Equal(t, secretbox.KeyID(newKey), after.CurrentKeyID())

	got, err := after.Open(sealedBefore)
	require.NoError(t, err, "the old key still opens what it sealed")
	assert.Equal(t, "sealed before the rotation", string(got))

	sealedAfter, err := after.Seal([]byte("sealed after"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sealedAfter, "v1:"+secretbox.KeyID(newKey)+":"), "new values use the new key")
	_, err = before.Open(sealedAfter)
	require.ErrorIs(t, err, secretbox.ErrUnknownKey, "a box without the new key cannot open new values")

	retired, err := secretbox.New(newKey)
	require.NoError(t, err)
	_, err = retired.Open(sealedBefore)
	require.ErrorIs(t, err, secretbox.ErrUnknownKey, "once the old key is dropped, old values are unreadable")
}

func TestBadKeys(t *testing.T) {
	t.Parallel()
	k := key(t)
	for name, c := range map[string]struct {
		current []byte
		old     [][]byte
	}{
		"nil":                 {nil, nil},
		"16 bytes (AES-128)":  {k[:16], nil},
		"33 bytes":            {append(bytes.Clone(k), 0), nil},
		"short old key":       {k, [][]byte{k[:31]}},
		"old repeats current": {k, [][]byte{bytes.Clone(k)}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := secretbox.NewWithOldKeys(c.current, c.old...)
			assert.ErrorIs(t, err, secretbox.ErrInvalidKey)
		})
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	k := key(t)
	k[0], k[1] = 0xfb, 0xff // so the std and URL alphabets differ
	for name, in := range map[string]string{
		"hex":                hex.EncodeToString(k),
		"HEX":                strings.ToUpper(hex.EncodeToString(k)),
		"std padded":         base64.StdEncoding.EncodeToString(k),
		"std raw":            base64.RawStdEncoding.EncodeToString(k),
		"url padded":         base64.URLEncoding.EncodeToString(k),
		"url raw":            base64.RawURLEncoding.EncodeToString(k),
		"trailing newline":   base64.StdEncoding.EncodeToString(k) + "\n",
		"surrounding spaces": "  " + hex.EncodeToString(k) + " ",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := secretbox.ParseKey(in)
			require.NoError(t, err)
			assert.Equal(t, k, got)
		})
	}
}

func TestParseKeyRejects(t *testing.T) {
	t.Parallel()
	k := key(t)
	secretish := strings.Repeat("zz", 32)
	for name, c := range map[string]struct {
		in   string
		want string
	}{
		"empty":             {"", "empty"},
		"blank":             {"   ", "empty"},
		"16 bytes base64":   {base64.StdEncoding.EncodeToString(k[:16]), "decodes to 16 bytes, want 32"},
		"48 bytes base64":   {base64.StdEncoding.EncodeToString(append(bytes.Clone(k), k[:16]...)), "decodes to 48 bytes"},
		"62 hex":            {hex.EncodeToString(k[:31]), "62 hex characters, want 64"},
		"64 chars, not hex": {secretish, "base64 decodes to 48 bytes"},
		"64 chars, neither": {"!" + secretish[1:], "neither base64 nor 64 hex"},
		"garbage":           {"not a key!", "neither base64 nor 64 hex"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := secretbox.ParseKey(c.in)
			require.ErrorIs(t, err, secretbox.ErrInvalidKey)
			assert.Contains(t, err.Error(), c.want)
			if len(c.in) > 8 {
				assert.NotContains(t, err.Error(), strings.TrimSpace(c.in), "errors never quote the key")
			}
		})
	}
}

func TestParsedKeyBuildsABox(t *testing.T) {
	t.Parallel()
	k, err := secretbox.ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	require.NoError(t, err)
	box, err := secretbox.New(k)
	require.NoError(t, err)
	assert.Equal(t, secretbox.KeyID([]byte("0123456789abcdef0123456789abcdef")), box.CurrentKeyID())
}
