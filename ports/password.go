package ports

// PasswordHasher hashes and verifies passwords (argon2id in production).
type PasswordHasher interface {
	// Hash returns an encoded hash that carries its own parameters and salt.
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded, in time that does
	// not depend on where they differ. A malformed hash is an error.
	Verify(encoded, password string) (bool, error)
	// NeedsRehash reports whether encoded was made with weaker parameters
	// than the hasher's current ones (so a login can upgrade it).
	NeedsRehash(encoded string) bool
	// DummyVerify does the work of one Verify against a fixed hash and
	// throws the answer away: a login for an unknown email takes as long
	// as one with a wrong password, so timing tells nothing.
	DummyVerify(password string)
}
