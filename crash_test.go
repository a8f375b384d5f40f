package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/grading/codeset"
	"chartcode/server/store"
)

// The crash test's shape: students × clients per student submit for loadTime, then the server
// is killed.
const (
	crashStudents  = 4
	crashClients   = 16
	crashLoadTime  = 1500 * time.Millisecond
	crashAdminPass = "crash-test-admin-password"
)

// TestCrashKeepsAcknowledgedAttempts kills the real server with SIGKILL while clients submit as
// fast as they can, restarts it on the same data directory, and checks that every attempt
// acknowledged with 201 is there and that the stored aggregates still equal what the attempts
// add up to. SIGKILL tests the process (commit before acknowledging, atomic commits, a file
// that reopens), not the disk: the kernel still writes what the process had written.
func TestCrashKeepsAcknowledgedAttempts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it under load (-short skips it)")
	}
	start := time.Now()
	dir := t.TempDir()
	bin := buildServer(t, dir)
	data := filepath.Join(dir, "data")
	subs := crashSubmissions(t)
	built := time.Since(start)

	srv := startServer(t, bin, data, filepath.Join(dir, "first.log"))
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashClients}}
	t.Cleanup(hc.CloseIdleConnections)
	admin := signIn(t, hc, srv.base, "admin", crashAdminPass)
	students := make([]*student, crashStudents)
	for i := range students {
		name := fmt.Sprintf("crash-student-%d", i+1)
		var created struct {
			Password string `json:"password"`
		}
		if code := sendJSON(t, admin, http.MethodPost, srv.base+"/api/users", map[string]string{"name": name, "role": "student"}, &created); code != http.StatusCreated {
			t.Fatalf("create %s: status %d", name, code)
		}
		// A one-time password opens only the way to choosing a real one.
		c := signIn(t, hc, srv.base, name, created.Password)
		change := map[string]string{"current": created.Password, "new": "crash-student-password"}
		if code := sendJSON(t, c, http.MethodPut, srv.base+"/api/me/password", change, nil); code != http.StatusNoContent {
			t.Fatalf("%s: change the one-time password: status %d", name, code)
		}
		students[i] = &student{name: name, client: c}
	}

	// Load, then SIGKILL mid-load.
	var killing atomic.Bool
	results := make([]loadResult, crashClients)
	var wg sync.WaitGroup
	for w := range crashClients {
		wg.Go(func() {
			results[w] = submitUntilKilled(srv.base, students[w%crashStudents], w, subs, &killing)
		})
	}
	time.Sleep(crashLoadTime)
	killing.Store(true)
	if err := srv.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill the server: %v", err)
	}
	wg.Wait()
	if err := srv.wait(10 * time.Second); err == nil {
		t.Fatal("the killed server exited cleanly")
	}

	var acked []ack
	var inFlight, unexpected int
	var samples []string
	for _, r := range results {
		acked = append(acked, r.acked...)
		inFlight += r.inFlight
		unexpected += len(r.unexpected)
		samples = append(samples, r.unexpected...)
	}
	if unexpected > 0 {
		t.Errorf("%d submissions failed other than by the kill; first: %s", unexpected, samples[0])
	}
	if len(acked) == 0 {
		t.Fatalf("no submission was acknowledged in %s; server log:\n%s", crashLoadTime, srv.tail())
	}

	// Restart on the same data. The sessions are in the database, so the same cookies work.
	srv = startServer(t, bin, data, filepath.Join(dir, "second.log"))
	foundHTTP := checkOverHTTP(t, srv.base, acked)
	var after struct {
		AttemptID string `json:"attempt_id"`
	}
	if code := sendJSON(t, students[0].client, http.MethodPost, srv.base+"/api/exercises/"+subs[0].item+"/attempts", subs[0].body, &after); code != http.StatusCreated {
		t.Errorf("submit after the restart: status %d", code)
	}
	if err := srv.stop(15 * time.Second); err != nil {
		t.Fatalf("stop the restarted server: %v\n%s", err, srv.tail())
	}

	// The most thorough check: the database file itself.
	found, stored := checkStore(t, dbFile(data), students, acked)
	t.Logf("acknowledged %d, found over HTTP %d, found in the store %d; stored %d (%d committed but not acknowledged); in-flight errors at the kill %d",
		len(acked), foundHTTP, found, stored, stored-found, inFlight)
	t.Logf("build %s, whole test %s", built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// submission is one answer to send: JSON body for POST /api/exercises/{item}/attempts.
type submission struct {
	item string
	body map[string]any
}

// crashSubmissions picks case items (right and partly right answers), choice and multi items
// (right and wrong picks) across the library.
func crashSubmissions(t *testing.T) []submission {
	t.Helper()
	sets, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		t.Fatal(err)
	}
	cat, problems := exercises.Load(content.Library(), codeset.NewBook(sets...))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	subs := []submission{{"case-em-001", map[string]any{"answer": "I12.9, N18.31, E78.5, 99214, G2211"}}}
	n := map[exercises.Type]int{}
	for _, it := range cat.Items() {
		n[it.Type]++
		if n[it.Type]%9 != 1 {
			continue
		}
		switch it.Type {
		case exercises.Case:
			subs = append(subs, submission{it.ID, map[string]any{"answer": typedAnswer(it, false)}},
				submission{it.ID, map[string]any{"answer": typedAnswer(it, true)}})
		case exercises.Choice, exercises.Multi:
			subs = append(subs, submission{it.ID, map[string]any{"choices": it.Answer}})
			for _, o := range it.Choices {
				if !slices.Contains(it.Answer, o.Letter) {
					subs = append(subs, submission{it.ID, map[string]any{"choices": []string{o.Letter}}})
					break
				}
			}
		}
	}
	return subs
}

// typedAnswer writes a case's key as a coder types it: the first accepted code of each line
// with its modifiers and units, optional codes included; short leaves the last code out.
func typedAnswer(it *exercises.Item, short bool) string {
	parts := make([]string, 0, len(it.Key.Lines))
	for _, l := range it.Key.Lines {
		code := l.Codes[0].Display() + l.Modifiers.String()
		if l.Units != 1 {
			code += fmt.Sprintf(" x%d", l.Units)
		}
		parts = append(parts, code)
	}
	if short && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ", ")
}

// buildServer builds the chartcode binary into dir. Without the race detector on purpose:
// under it each Argon2 hash of a sign-in takes seconds, and the server's races are the
// business of its own tests, which run under -race.
func buildServer(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the server: %v", err)
	}
	bin := filepath.Join(dir, "chartcode")
	out, err := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serverProc is a running `chartcode serve`.
type serverProc struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  string // its standard output and error
	done chan error
}

// startServer runs the binary on a free loopback port and waits until /healthz answers.
func startServer(t *testing.T, bin, data, logPath string) *serverProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr)
	// The caller's CHARTCODE_* settings (secure cookies, say) must not leak into the test.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHARTCODE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CHARTCODE_ADMIN_PASSWORD="+crashAdminPass)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, base: "http://" + addr, log: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		p.wait(10 * time.Second)
	})

	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("the server exited at start: %v\n%s", err, p.tail())
		default:
		}
		if resp, err := hc.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer /healthz within 15s\n%s", p.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits for the process to exit and returns how it did; it may be called again.
func (p *serverProc) wait(timeout time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(timeout):
		return fmt.Errorf("still running after %s", timeout)
	}
}

// stop asks the server to shut down gracefully and waits for a clean exit.
func (p *serverProc) stop(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return err
	}
	return p.wait(timeout)
}

// tail returns the end of the server's log, for failure messages.
func (p *serverProc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// student is a signed-in account; its client keeps the session cookie.
type student struct {
	name   string
	client *http.Client
}

// signIn returns a client with its own cookie jar, signed in through the API.
func signIn(t *testing.T, hc *http.Client, base, name, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: hc.Timeout, Transport: hc.Transport, Jar: jar}
	if code := sendJSON(t, c, http.MethodPost, base+"/api/session", map[string]string{"username": name, "password": password}, nil); code != http.StatusOK {
		t.Fatalf("sign in as %s: status %d", name, code)
	}
	return c
}

// sendJSON sends body as JSON and decodes a 2xx answer into out (when not nil).
func sendJSON(t *testing.T, c *http.Client, method, url string, body, out any) int {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

// ack is an attempt the server acknowledged with 201.
type ack struct {
	who  *student
	id   string
	item string
}

type loadResult struct {
	acked      []ack
	inFlight   int      // requests that failed because the server was killed
	unexpected []string // failures before the kill, or answers other than 201
}

// submitUntilKilled submits answers back to back until the kill; a request sent before it
// that then fails counts as in flight.
func submitUntilKilled(base string, who *student, worker int, subs []submission, killing *atomic.Bool) loadResult {
	var r loadResult
	for i := worker; !killing.Load(); i++ {
		sub := subs[i%len(subs)]
		b, _ := json.Marshal(sub.body)
		resp, err := who.client.Post(base+"/api/exercises/"+sub.item+"/attempts", "application/json", bytes.NewReader(b))
		if err != nil {
			if killing.Load() {
				r.inFlight++
				return r
			}
			r.unexpected = append(r.unexpected, err.Error())
			return r
		}
		var out struct {
			AttemptID string `json:"attempt_id"`
			ItemID    string `json:"item_id"`
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil && killing.Load():
			// The answer was cut off by the kill: not acknowledged.
			r.inFlight++
			return r
		case err != nil:
			r.unexpected = append(r.unexpected, err.Error())
			return r
		case resp.StatusCode != http.StatusCreated:
			r.unexpected = append(r.unexpected, fmt.Sprintf("%s: status %d: %s", sub.item, resp.StatusCode, body))
			return r
		}
		if err := json.Unmarshal(body, &out); err != nil || out.AttemptID == "" || out.ItemID != sub.item {
			r.unexpected = append(r.unexpected, fmt.Sprintf("%s: bad 201 answer %q (%v)", sub.item, body, err))
			return r
		}
		r.acked = append(r.acked, ack{who: who, id: out.AttemptID, item: sub.item})
	}
	return r
}

// checkOverHTTP reads every acknowledged attempt back through the API as its owner and returns
// how many came back.
func checkOverHTTP(t *testing.T, base string, acked []ack) int {
	t.Helper()
	var found atomic.Int64
	var mu sync.Mutex
	var missing []string
	var wg sync.WaitGroup
	const readers = 8
	for w := range readers {
		wg.Go(func() {
			for i := w; i < len(acked); i += readers {
				a := acked[i]
				var got struct {
					AttemptID string `json:"attempt_id"`
					ItemID    string `json:"item_id"`
				}
				err := getJSON(a.who.client, base+"/api/attempts/"+a.id, &got)
				if err == nil && (got.AttemptID != a.id || got.ItemID != a.item) {
					err = fmt.Errorf("got attempt %s of %s", got.AttemptID, got.ItemID)
				}
				if err != nil {
					mu.Lock()
					missing = append(missing, fmt.Sprintf("%s/%s (%s): %v", a.who.name, a.id, a.item, err))
					mu.Unlock()
					continue
				}
				found.Add(1)
			}
		})
	}
	wg.Wait()
	if len(missing) > 0 {
		t.Errorf("%d acknowledged attempts are not served after the restart; first: %s", len(missing), missing[0])
	}
	return int(found.Load())
}

func getJSON(c *http.Client, url string, out any) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// checkStore opens the stopped server's database and checks, per student, that every
// acknowledged attempt is there and that the stored item summaries and aggregates equal what
// the stored attempts add up to. It returns the acknowledged attempts found and all stored.
func checkStore(t *testing.T, path string, students []*student, acked []ack) (found, stored int) {
	t.Helper()
	db, err := store.Open(path, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range students {
		u, err := db.UserByName(s.name)
		if err != nil {
			t.Fatal(err)
		}
		var lost []string
		for _, a := range acked {
			if a.who != s {
				continue
			}
			got, err := db.Attempt(u.ID, a.id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				lost = append(lost, a.id+" ("+a.item+") is missing")
			case err != nil:
				t.Fatal(err)
			case got.ItemID != a.item:
				lost = append(lost, a.id+" is of "+got.ItemID+", acknowledged for "+a.item)
			default:
				found++
			}
		}
		if len(lost) > 0 {
			t.Errorf("%s: %d acknowledged attempts lost in the store: %s", s.name, len(lost), strings.Join(lost[:min(3, len(lost))], "; "))
		}

		all, err := db.Attempts(u.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		stored += len(all)
		perItem := map[string]int{}
		for _, a := range all {
			perItem[a.ItemID]++
		}
		sums, err := db.ItemSummaries(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for id, sum := range sums {
			if sum.Attempts != perItem[id] {
				t.Errorf("%s: item summary of %s counts %d attempts, the store holds %d", s.name, id, sum.Attempts, perItem[id])
			}
		}
		if len(sums) != len(perItem) {
			t.Errorf("%s: %d item summaries for attempts at %d items", s.name, len(sums), len(perItem))
		}

		have, err := db.Aggregates(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := db.Recompute(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := aggregatesDiff(have, want); diff != "" {
			t.Errorf("%s: stored aggregates differ from the attempts: %s", s.name, diff)
		}
	}
	return found, stored
}

// aggregatesDiff describes the first difference between stored and recomputed aggregates, or
// returns "". ScoreSum may differ by rounding: the additions happened in another order.
func aggregatesDiff(have, want []store.Aggregate) string {
	if len(have) != len(want) {
		return fmt.Sprintf("%d aggregates stored, %d recomputed", len(have), len(want))
	}
	for i := range have {
		h, w := have[i], want[i]
		same := h.Key == w.Key && h.Attempts == w.Attempts && h.Correct == w.Correct && h.KeyCodes == w.KeyCodes &&
			h.Extra == w.Extra && maps.Equal(h.Findings, w.Findings) && h.Last.Equal(w.Last) &&
			math.Abs(h.ScoreSum-w.ScoreSum) <= 1e-9*max(1, math.Abs(w.ScoreSum))
		if !same {
			return fmt.Sprintf("stored %+v, recomputed %+v", h, w)
		}
	}
	return ""
}
