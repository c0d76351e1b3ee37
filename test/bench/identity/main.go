// Command identity is the identity part of `make bench`'s tooling:
//
//	identity hashrate -duration 5s   raw argon2id hashes/s on every CPU
//	identity token -base URL         registers (or signs in) the bench user,
//	                                 prints an access token
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codementor/codementor/adapters/argon2"
)

// The bench user (the database is a throwaway bench database).
const (
	benchEmail    = "bench@codementor.test"
	benchPassword = "correct horse battery staple 42"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: identity hashrate|token [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	duration := fs.Duration("duration", 5*time.Second, "how long to hash")
	base := fs.String("base", "http://127.0.0.1:18080", "server base URL")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "hashrate":
		err = hashrate(*duration)
	case "token":
		err = token(*base)
	default:
		err = errors.New("unknown mode " + os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "identity:", err)
		os.Exit(1)
	}
}

// hashrate verifies a password with the server's own parameters on every
// CPU, as the server's login path does, and prints verifications/s.
func hashrate(d time.Duration) error {
	h, err := argon2.New(argon2.DefaultParams())
	if err != nil {
		return err
	}
	encoded, err := h.Hash(benchPassword)
	if err != nil {
		return err
	}
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if ok, err := h.Verify(encoded, benchPassword); err != nil || !ok {
					panic("verify failed")
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%.2f\n", float64(n.Load())/time.Since(start).Seconds())
	return nil
}

func post(url string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, nil
}

func token(base string) error {
	status, _, err := post(base+"/api/v1/auth/register", map[string]string{
		"email": benchEmail, "password": benchPassword, "display_name": "Bench"})
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusConflict {
		return fmt.Errorf("register answered %d", status)
	}
	status, out, err := post(base+"/api/v1/auth/login", map[string]string{"email": benchEmail, "password": benchPassword})
	if err != nil {
		return err
	}
	tok, _ := out["access_token"].(string)
	if status != http.StatusOK || tok == "" {
		return fmt.Errorf("login answered %d", status)
	}
	fmt.Println(tok)
	return nil
}
