package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chartcode/server/live"
	"chartcode/server/store"
)

// createLive creates a live quiz through the API as role and returns its PIN and session ID.
func (ts *testServer) createLive(t testing.TB, role store.Role, body string) (pin, id string) {
	t.Helper()
	resp, out := do(t, ts.client(t, role), "POST", ts.http.URL+"/api/live", "application/json", strings.NewReader(body))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create live quiz: %d %s", resp.StatusCode, out)
	}
	var r struct{ PIN, ID string }
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r.PIN, r.ID
}

// wsClient is a test's end of a live-quiz WebSocket.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

// dialLive opens path on the test server with client c's cookies (c may be nil).
func (ts *testServer) dialLive(t testing.TB, c *http.Client, path string, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if c != nil {
		d.Jar = c.Jar
	}
	if header == nil {
		header = http.Header{"Origin": {ts.http.URL}}
	}
	conn, resp, err := d.Dial("ws"+strings.TrimPrefix(ts.http.URL, "http")+path, header)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}, resp, nil
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.conn.WriteJSON(v); err != nil {
		w.t.Fatalf("send %v: %v", v, err)
	}
}

// next reads messages until one of type typ, failing on a timeout; it returns the message.
func (w *wsClient) next(typ string) map[string]any {
	w.t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m map[string]any
		if err := w.conn.ReadJSON(&m); err != nil {
			w.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// join connects a player and says hello with name; it returns the client and the welcome.
func (ts *testServer) join(t testing.TB, c *http.Client, pin, name string) (*wsClient, map[string]any) {
	t.Helper()
	p, resp, err := ts.dialLive(t, c, "/live/"+pin+"/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	p.send(map[string]any{"type": "hello", "name": name})
	return p, p.next("welcome")
}

func TestLiveQuizOverWebSockets(t *testing.T) {
	ts := newTestServer(t)
	_, cat := library(t)
	trainer := ts.client(t, store.Trainer)
	pin, id := ts.createLive(t, store.Trainer, `{"items":["q-guide-004","q-guide-005"],"seconds":30,"speed_points":false}`)

	host, _, err := ts.dialLive(t, trainer, "/live/"+pin+"/host/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := host.next("host"); h["pin"] != pin || h["id"] != id || h["phase"] != "lobby" {
		t.Fatalf("host hello = %v", h)
	}
	student := ts.client(t, store.Student)
	ana, welcome := ts.join(t, student, pin, "Ana") // signed in: counts in her progress
	ben, _ := ts.join(t, nil, pin, "Ben")
	token := welcome["token"].(string)
	if p := host.next("players"); p["count"] != 2.0 {
		// The first players message may come before Ben: wait for the next.
		if p = host.next("players"); p["count"] != 2.0 {
			t.Fatalf("players = %v", p)
		}
	}

	host.send(map[string]string{"type": "start"})
	q := ana.next("question")
	item := q["item"].(map[string]any)
	it, _ := cat.Item(item["id"].(string))
	if _, leak := item["answer"]; leak || strings.Contains(fmt.Sprint(q), string(it.Rationale)) {
		t.Fatal("the question carries its key")
	}
	ben.next("question")
	wrong := "A"
	if it.Answer[0] == "A" {
		wrong = "B"
	}
	ana.send(map[string]any{"type": "answer", "q": 0, "choices": it.Answer})
	ana.next("ack")
	ben.send(map[string]any{"type": "answer", "q": 0, "choices": []string{wrong}})
	ben.next("ack")
	ben.send(map[string]any{"type": "answer", "q": 0, "choices": it.Answer}) // a change of mind is not taken
	if ack := ben.next("ack"); ack["duplicate"] != true {
		t.Fatalf("second answer = %v", ack)
	}

	// Ana's connection drops; she comes back with her token.
	ana.conn.Close()
	ana, _, err = ts.dialLive(t, student, "/live/"+pin+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	ana.send(map[string]any{"type": "hello", "token": token})
	if w := ana.next("welcome"); w["player"].(map[string]any)["name"] != "Ana" {
		t.Fatalf("welcome back = %v", w)
	}
	if q := ana.next("question"); q["answered"] != true {
		t.Fatalf("catch-up = %v", q)
	}

	host.send(map[string]string{"type": "close"})
	r := host.next("reveal")
	if lb := r["leaderboard"].([]any); lb[0].(map[string]any)["name"] != "Ana" || r["key"].(map[string]any)["correct"] == nil {
		t.Fatalf("reveal = %v", r)
	}
	if res := ana.next("result"); res["points"] != 1000.0 || res["rank"] != 1.0 {
		t.Fatalf("Ana's result = %v", res)
	}
	if res := ben.next("result"); res["points"] != 0.0 || res["rank"] != 2.0 {
		t.Fatalf("Ben's result = %v", res)
	}

	// Saved when the question closed: the session, the answers, and Ana's attempt.
	sess, err := ts.db.LiveSession(id)
	if err != nil || sess.Closed != 1 || len(sess.Players) != 2 || sess.HostID != ts.users[store.Trainer].ID {
		t.Fatalf("saved session = %+v, %v", sess, err)
	}
	qs, err := ts.db.LiveResults(id)
	if err != nil || len(qs) != 1 || len(qs[0].Answers) != 2 || qs[0].Answers[0].AttemptID == "" || qs[0].Answers[1].AttemptID != "" {
		t.Fatalf("saved answers = %+v, %v", qs, err)
	}
	a, err := ts.db.Attempt(ts.users[store.Student].ID, qs[0].Answers[0].AttemptID)
	if err != nil || a.Source != "live" || a.Score != 100 || a.ItemID != it.ID {
		t.Fatalf("Ana's attempt = %+v, %v", a, err)
	}

	host.send(map[string]string{"type": "next"})
	ana.next("question")
	host.send(map[string]string{"type": "end"})
	if e := ben.next("end"); len(e["podium"].([]any)) != 2 {
		t.Fatalf("end = %v", e)
	}
	if f := ana.next("final"); f["score"] != 1000.0 || f["rank"] != 1.0 {
		t.Fatalf("final = %v", f)
	}

	// Results: page, API and CSV for the host; 403 for another trainer's results.
	resp, body := do(t, trainer, "GET", ts.http.URL+"/live/sessions/"+id, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Ana") || !strings.Contains(body, "ended") {
		t.Fatalf("results page: %d", resp.StatusCode)
	}
	resp, body = do(t, trainer, "GET", ts.http.URL+"/live/sessions/"+id+"/results.csv", "", nil)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(rows) != 1+2*2 {
		t.Fatalf("CSV: %d %v rows %d\n%s", resp.StatusCode, err, len(rows), body)
	}
	if rows[1][3] != "Ana" || rows[1][10] != strings.Join(it.Answer, ",") || rows[1][12] != "1000" || rows[2][10] != "" {
		t.Fatalf("CSV rows = %v", rows[1:])
	}
}

func TestLiveSocketChecks(t *testing.T) {
	ts := newTestServer(t)
	pin, _ := ts.createLive(t, store.Admin, `{"quiz":"quiz-modifiers"}`)
	tests := []struct {
		name   string
		role   store.Role
		path   string
		origin string
		want   int
	}{
		{"player, other site", "", "/live/" + pin + "/ws", "https://evil.example", http.StatusForbidden},
		{"player, no origin", "", "/live/" + pin + "/ws", "-", http.StatusForbidden},
		{"player, unknown PIN", "", "/live/000000/ws", "", http.StatusNotFound},
		{"host, signed out", "", "/live/" + pin + "/host/ws", "", http.StatusSeeOther}, // to sign in
		{"host, student", store.Student, "/live/" + pin + "/host/ws", "", http.StatusForbidden},
		{"host, trainer not hosting", store.Trainer, "/live/" + pin + "/host/ws", "", http.StatusForbidden},
		{"host, other site", store.Admin, "/live/" + pin + "/host/ws", "http://evil.example", http.StatusForbidden},
		{"host, the host", store.Admin, "/live/" + pin + "/host/ws", "", http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{"Origin": {ts.http.URL}}
			switch tt.origin {
			case "-":
				header = http.Header{}
			case "":
			default:
				header.Set("Origin", tt.origin)
			}
			_, resp, _ := ts.dialLive(t, ts.client(t, tt.role), tt.path, header)
			if resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("status %v, want %d", resp, tt.want)
			}
		})
	}
}

func TestLiveProtocolErrors(t *testing.T) {
	ts := newTestServer(t)
	pin, _ := ts.createLive(t, store.Trainer, `{"quiz":"quiz-modifiers"}`)
	p, _, err := ts.dialLive(t, nil, "/live/"+pin+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	p.conn.WriteMessage(websocket.TextMessage, []byte("not json"))
	if e := p.next("error"); e["code"] != "bad_message" {
		t.Fatalf("error = %v", e)
	}
	p.send(map[string]any{"type": "answer", "q": 0, "choices": []string{"A"}})
	if e := p.next("error"); e["code"] != "hello_required" {
		t.Fatalf("error = %v", e)
	}

	// A message over the limit closes the connection with 1009.
	q, _ := ts.join(t, nil, pin, "Big")
	q.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"answer","q":0,"codes":"`+strings.Repeat("x", 30<<10)+`"}`))
	q.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := q.conn.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Fatalf("closed with %v, want 1009", err)
			}
			break
		}
	}
}

// TestLiveManyPlayers runs a question for many concurrent players (with -race in make test):
// every answer is acknowledged and counted, and every player gets the reveal and a result.
func TestLiveManyPlayers(t *testing.T) {
	const n = 200
	ts := newTestServer(t)
	_, cat := library(t)
	pin, id := ts.createLive(t, store.Trainer, `{"quiz":"quiz-modifiers"}`)
	host, _, err := ts.dialLive(t, ts.client(t, store.Trainer), "/live/"+pin+"/host/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	players := make([]*wsClient, n)
	var wg sync.WaitGroup
	for i := range players {
		wg.Go(func() {
			c, _, err := ts.dialLive(t, nil, "/live/"+pin+"/ws", nil)
			if err != nil {
				t.Error(err)
				return
			}
			c.send(map[string]any{"type": "hello", "name": fmt.Sprintf("player %d", i)})
			c.next("welcome")
			players[i] = c
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	host.send(map[string]string{"type": "start"})
	results := make([]map[string]any, n)
	for i, p := range players {
		wg.Go(func() {
			q := p.next("question")
			it, _ := cat.Item(q["item"].(map[string]any)["id"].(string))
			choice := it.Answer[0]
			if i%2 == 1 {
				choice = it.Choices[(int(choice[0]-'A')+1)%len(it.Choices)].Letter
			}
			p.send(map[string]any{"type": "answer", "q": 0, "choices": []string{choice}})
			p.send(map[string]any{"type": "answer", "q": 0, "choices": []string{choice}}) // a double tap
			p.next("ack")
			p.next("ack")
		})
	}
	wg.Wait()
	for {
		if a := host.next("answered"); a["count"] == float64(n) {
			break
		}
	}
	host.send(map[string]string{"type": "close"})
	for i, p := range players {
		wg.Go(func() {
			p.next("reveal")
			results[i] = p.next("result")
		})
	}
	wg.Wait()
	right := 0
	for _, r := range results {
		if r["answered"] != true {
			t.Fatalf("result = %v", r)
		}
		if r["credit"] == 1.0 {
			right++
		}
	}
	qs, err := ts.db.LiveResults(id)
	if right != n/2 || err != nil || len(qs) != 1 || len(qs[0].Answers) != n {
		t.Fatalf("right %d of %d; saved %d answers (%v)", right, n, len(qs[0].Answers), err)
	}
}

func TestJoinPage(t *testing.T) {
	ts := newTestServer(t)
	pin, _ := ts.createLive(t, store.Trainer, `{"quiz":"quiz-modifiers"}`)
	c := ts.client(t, "")
	resp, _ := do(t, c, "GET", ts.http.URL+"/join?pin="+pin[:3]+"%20"+pin[3:], "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/play/"+pin {
		t.Fatalf("join with a good PIN: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := do(t, c, "GET", ts.http.URL+"/join?pin=999999", "", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No live quiz is running with the PIN 999999") {
		t.Fatalf("join with a bad PIN: %d", resp.StatusCode)
	}
	resp, body = do(t, c, "GET", ts.http.URL+"/play/"+pin, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "/live/"+pin+"/ws") {
		t.Fatalf("play page: %d", resp.StatusCode)
	}
	resp, body = do(t, ts.client(t, store.Trainer), "POST", ts.http.URL+"/live", "application/x-www-form-urlencoded", strings.NewReader("items=nope&seconds=30"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no exercise has the id") {
		t.Fatalf("create with a bad item: %d", resp.StatusCode)
	}
	resp, body = do(t, ts.client(t, store.Admin), "GET", ts.http.URL+"/live/"+pin+"/qr.svg", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "<svg") || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("QR: %d %.40s", resp.StatusCode, body)
	}
}

func TestLiveRoomsPerHostAreCapped(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	for range live.MaxRoomsPerHost {
		ts.createLive(t, store.Trainer, `{"quiz":"quiz-modifiers"}`)
	}
	resp, body := do(t, trainer, "POST", ts.http.URL+"/api/live", "application/json", strings.NewReader(`{"quiz":"quiz-modifiers"}`))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "end one first") {
		t.Fatalf("one room too many: %d %s", resp.StatusCode, body)
	}
	ts.createLive(t, store.Admin, `{"quiz":"quiz-modifiers"}`) // others are not affected
}
