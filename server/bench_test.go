package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"chartcode/server/store"
)

// BenchmarkCasePage measures the server's own cost of a signed-in case page (no network).
func BenchmarkCasePage(b *testing.B) {
	ts := newTestServer(b)
	c := ts.client(b, store.Student)
	req, _ := http.NewRequest("GET", ts.http.URL+"/practice/case-em-001", nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	h := ts.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req.Clone(req.Context()))
			if w.Code != 200 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
