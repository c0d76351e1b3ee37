package ports

// SecretBox encrypts small secrets at rest (OAuth tokens) with
// authenticated encryption; Open fails on anything tampered with.
type SecretBox interface {
	Seal(plaintext []byte) (string, error)
	Open(sealed string) ([]byte, error)
}
