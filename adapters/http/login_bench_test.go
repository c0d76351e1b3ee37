package http

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/codementor/codementor/adapters/argon2"
	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/test/accounttest"
)

// BenchmarkLoginChain drives POST /auth/login through the real app (memory
// stores, production argon2id parameters) from one goroutine per CPU, next
// to BenchmarkRawVerify: the difference is what the login path costs
// besides the hash.
func BenchmarkLoginChain(b *testing.B) {
	fx := accounttest.New(b, func(f *accounttest.Fixture) {
		h, err := argon2.New(argon2.DefaultParams())
		if err != nil {
			b.Fatal(err)
		}
		f.Deps.Hasher = h
	})
	if _, err := fx.Service.Register(context.Background(), account.RegisterInput{Email: "bench@codementor.test",
		Password: "correct horse battery staple 42", DisplayName: "Bench"}); err != nil {
		b.Fatal(err)
	}
	app, err := NewApp(Options{BodyLimit: 1 << 20, RequestTimeout: 30 * time.Second}, Deps{Health: benchHealth{},
		Accounts: fx.Service, AI: fx.AI, Exercises: fx.Exercises(b), Tutor: fx.Tutor(b), Reviews: fx.Reviews(b), Tokens: fx.Issuer, Logger: accounttest.Logger()})
	if err != nil {
		b.Fatal(err)
	}
	h := app.Handler()
	body := []byte(`{"email":"bench@codementor.test","password":"correct horse battery staple 42"}`)
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/runtime.GOMAXPROCS(0) + 1
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rc fasthttp.RequestCtx
			for range per {
				rc.Request.Reset()
				rc.Request.Header.SetMethod("POST")
				rc.Request.SetRequestURI(BasePath + "/auth/login")
				rc.Request.Header.SetContentType("application/json")
				rc.Request.SetBody(body)
				h(&rc)
				if rc.Response.StatusCode() != 200 {
					panic(string(rc.Response.Body()))
				}
				rc.ResetUserValues()
				rc.Response.Reset()
			}
		}()
	}
	wg.Wait()
}

func BenchmarkRawVerify(b *testing.B) {
	h, err := argon2.New(argon2.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := h.Hash("correct horse battery staple 42")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = h.Verify(enc, "correct horse battery staple 42")
		}
	})
}
