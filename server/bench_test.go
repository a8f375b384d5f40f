package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

// BenchmarkSubmit measures a graded, durable case submission through the handler (no network):
// decoding, grading, storing (batched commits) and encoding the result.
func BenchmarkSubmit(b *testing.B) {
	ts := newTestServer(b)
	c := ts.client(b, store.Student)
	u, _ := url.Parse(ts.http.URL)
	cookies := c.Jar.Cookies(u)
	h := ts.Handler()
	body := `{"answer":"I12.9, N18.31, E78.5, 99214, G2211"}`
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", "/api/exercises/case-em-001/attempts", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkExamPage100 measures the server's cost of the page of a running 100-item CPC mock
// (every item on one page, a third of them answered), without the network. Target: < 300 ms.
func BenchmarkExamPage100(b *testing.B) {
	ts := newTestServer(b)
	c := ts.client(b, store.Student)
	u := ts.users[store.Student]
	st, _, err := ts.startExam(u, "exam-cpc-mock")
	if err != nil {
		b.Fatal(err)
	}
	if len(st.sess.Items) != 100 {
		b.Fatalf("%d items", len(st.sess.Items))
	}
	for i, id := range st.sess.Items {
		if i%3 == 0 {
			if _, err := ts.saveItem(u, st.rec.ID, id, itemChange{Choices: []string{"B"}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	req, _ := http.NewRequest("GET", ts.http.URL+"/exams/"+st.rec.ID, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	h := ts.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req.Clone(req.Context()))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
