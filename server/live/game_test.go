package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chartcode/exercises"
	"chartcode/grading"
	"chartcode/grading/codeset"
)

// fakePeer keeps what a room sends it.
type fakePeer struct {
	msgs   []map[string]any
	closed int // close code, 0 while open
	full   bool
}

func (p *fakePeer) Send(m *Msg) bool {
	if p.full {
		return false
	}
	var v map[string]any
	if err := json.Unmarshal(m.Data(), &v); err != nil {
		panic(err)
	}
	p.msgs = append(p.msgs, v)
	return true
}

func (p *fakePeer) Close(code int, reason string) {
	if p.closed == 0 {
		p.closed = code
	}
}

// last returns the last message of type typ, failing the test if there is none.
func (p *fakePeer) last(t *testing.T, typ string) map[string]any {
	t.Helper()
	for i := len(p.msgs) - 1; i >= 0; i-- {
		if p.msgs[i]["type"] == typ {
			return p.msgs[i]
		}
	}
	t.Fatalf("no %q message among %v", typ, p.types())
	return nil
}

func (p *fakePeer) types() []string {
	var ts []string
	for _, m := range p.msgs {
		ts = append(ts, m["type"].(string))
	}
	return ts
}

// lastError is the code of the last error message, or "".
func (p *fakePeer) lastError() string {
	if len(p.msgs) == 0 || p.msgs[len(p.msgs)-1]["type"] != "error" {
		return ""
	}
	return p.msgs[len(p.msgs)-1]["code"].(string)
}

type memRecorder struct {
	records []*Record
	fail    error
}

func (r *memRecorder) Record(rec *Record) error {
	r.records = append(r.records, rec)
	return r.fail
}

// testGrader grades choice questions with grading.ScoreChoice, codes with the key alone.
func testGrader(it *exercises.Item, a Answer) (Graded, error) {
	if it.Type == exercises.Case {
		if strings.TrimSpace(a.Codes) == "" {
			return Graded{}, errors.New("enter the codes you would report")
		}
		r := grading.Grade(it.Key, a.Codes, codeset.NewBook(), grading.Practice)
		return Graded{Credit: r.Score / 100}, nil
	}
	if len(a.Choices) != 1 {
		return Graded{}, errors.New("pick one answer")
	}
	return Graded{Credit: grading.ScoreChoice(it.Answer, a.Choices), Picked: a.Choices}, nil
}

func choiceItem(id, correct string) *exercises.Item {
	return &exercises.Item{ID: id, Type: exercises.Choice, Title: id, Answer: []string{correct},
		Choices:   []exercises.Option{{Letter: "A", Text: "one"}, {Letter: "B", Text: "two"}, {Letter: "C", Text: "three"}},
		Rationale: "<p>Because.</p><p>More.</p>"}
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	g    *game
	rec  *memRecorder
	host *fakePeer
}

func newFixture(t *testing.T, s Settings, items ...*exercises.Item) *fixture {
	t.Helper()
	if len(items) == 0 {
		items = []*exercises.Item{choiceItem("q1", "B"), choiceItem("q2", "C"), choiceItem("q3", "A")}
	}
	rec := &memRecorder{}
	cfg := &Config{ID: "s1", PIN: "123456", Title: "Test quiz", Items: items, Settings: s, Grade: testGrader, Record: rec,
		Now: func() time.Time { return t0 }}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{g: newGame(cfg), rec: rec, host: &fakePeer{}}
	f.g.hostJoined(f.host, t0)
	return f
}

func (f *fixture) join(t *testing.T, name string) *fakePeer {
	t.Helper()
	p := &fakePeer{}
	f.g.hello(p, &inbound{Type: "hello", Name: name}, nil, t0)
	p.last(t, "welcome")
	return p
}

func (f *fixture) answer(p *fakePeer, q int, at time.Duration, choices ...string) {
	f.g.answer(p, &inbound{Type: "answer", Q: &q, Choices: choices}, t0.Add(at))
}

func (f *fixture) do(cmd string, at time.Duration) {
	f.g.command(f.host, &inbound{Type: cmd}, t0.Add(at))
}

func num(m map[string]any, k string) int { v, _ := m[k].(float64); return int(v) }

func TestQuestionDeadlineAndScoring(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20, SpeedPoints: true, Streaks: true, Leaderboard: true})
	ana, ben, cy := f.join(t, "Ana"), f.join(t, "Ben"), f.join(t, "Cy")
	f.do("start", 0)
	q := ana.last(t, "question")
	if num(q, "q") != 0 || num(q, "remaining_ms") != 20000 || q["item"].(map[string]any)["id"] != "q1" {
		t.Fatalf("question = %v", q)
	}
	if _, leak := q["item"].(map[string]any)["answer"]; leak {
		t.Fatal("the question carries the answer")
	}
	f.answer(ana, 0, 0, "B")              // right at once: 1000
	f.answer(ben, 0, 10*time.Second, "B") // right at half time: 750
	f.answer(cy, 0, 20*time.Second, "A")  // wrong, on the deadline: accepted, 0
	for _, p := range []*fakePeer{ana, ben, cy} {
		if p.last(t, "ack")["q"] != 0.0 {
			t.Fatal("no ack for q 0")
		}
	}
	late := &fakePeer{}
	f.g.hello(late, &inbound{Type: "hello", Name: "Dee"}, nil, t0)
	f.answer(late, 0, 20*time.Second+time.Millisecond, "B")
	if late.lastError() != errLate {
		t.Fatalf("answer after the deadline: %v", late.msgs[len(late.msgs)-1])
	}
	f.g.expire(t0.Add(19 * time.Second))
	if f.g.phase != PhaseQuestion {
		t.Fatal("closed before the deadline")
	}
	f.g.expire(t0.Add(20 * time.Second))
	if f.g.phase != PhaseReveal {
		t.Fatal("still open after the deadline")
	}
	r := ben.last(t, "reveal")
	if d := r["distribution"].(map[string]any); d["B"] != 2.0 || d["A"] != 1.0 || d["C"] != 0.0 {
		t.Fatalf("distribution = %v", d)
	}
	if r["key"].(map[string]any)["correct"].([]any)[0] != "B" || !strings.Contains(r["rationale"].(string), "Because") || strings.Contains(r["rationale"].(string), "More") {
		t.Fatalf("reveal = %v", r)
	}
	board := r["leaderboard"].([]any)
	if len(board) != 4 || board[0].(map[string]any)["name"] != "Ana" || num(board[1].(map[string]any), "score") != 750 {
		t.Fatalf("leaderboard = %v", board)
	}
	// Cy and Dee both have 0 and share third place.
	if num(board[2].(map[string]any), "rank") != 3 || num(board[3].(map[string]any), "rank") != 3 {
		t.Fatalf("tied ranks = %v", board)
	}
	res := ben.last(t, "result")
	if num(res, "points") != 750 || num(res, "rank") != 2 || num(res, "of") != 4 || res["credit"] != 1.0 {
		t.Fatalf("Ben's result = %v", res)
	}
	if res := cy.last(t, "result"); num(res, "points") != 0 || res["answered"] != true {
		t.Fatalf("Cy's result = %v", res)
	}
	// Saved before the reveal: one record for the session at start, one for the question.
	rec := f.rec.records[len(f.rec.records)-1]
	if rec.Question == nil || rec.Question.ItemID != "q1" || len(rec.Question.Answers) != 3 {
		t.Fatalf("record = %+v", rec.Question)
	}
	if a := rec.Question.Answers[1]; a.PlayerID != "p2" || a.Points != 750 || a.Elapsed != 10*time.Second || a.Answer != "B" {
		t.Fatalf("Ben's record = %+v", a)
	}

	// Streak bonus: Ana and Ben right again, Ana's second full credit in a row adds 100.
	f.do("next", 21*time.Second)
	f.answer(ana, 1, 21*time.Second, "C")
	f.answer(ben, 1, 21*time.Second, "A")
	f.do("close", 22*time.Second)
	if res := ana.last(t, "result"); num(res, "bonus") != 100 || num(res, "points") != 1100 || num(res, "score") != 2100 || num(res, "streak") != 2 {
		t.Fatalf("streak result = %v", res)
	}
	if res := ben.last(t, "result"); num(res, "streak") != 0 || num(res, "score") != 750 {
		t.Fatalf("streak broken = %v", res)
	}
}

func TestPointsFormula(t *testing.T) {
	tests := []struct {
		speed   bool
		credit  float64
		elapsed time.Duration
		want    int
	}{
		{false, 1, 15 * time.Second, 1000},
		{false, 0.5, 0, 500},
		{true, 1, 0, 1000},
		{true, 1, 30 * time.Second, 500},
		{true, 0.5, 15 * time.Second, 375},
		{true, 0.667, 7 * time.Second, 589}, // 1000 × 0.667 × (1 − 7/30/2) = 589.2
		{true, 0, 1 * time.Second, 0},
	}
	for _, tt := range tests {
		g := &game{cfg: &Config{Settings: Settings{Seconds: 30, SpeedPoints: tt.speed}}}
		if got := g.points(tt.credit, tt.elapsed); got != tt.want {
			t.Errorf("points(speed=%v, %v, %v) = %d, want %d", tt.speed, tt.credit, tt.elapsed, got, tt.want)
		}
	}
}

func TestStreakBonusIsCapped(t *testing.T) {
	items := make([]*exercises.Item, 8)
	for i := range items {
		items[i] = choiceItem(fmt.Sprintf("q%d", i), "A")
	}
	f := newFixture(t, Settings{Seconds: 10, Streaks: true}, items...)
	ana := f.join(t, "Ana")
	f.do("start", 0)
	var bonuses []int
	for q := range items {
		at := time.Duration(q) * time.Minute // question q opened at q minutes
		f.answer(ana, q, at, "A")
		f.do("close", at+time.Second)
		bonuses = append(bonuses, num(ana.last(t, "result"), "bonus"))
		f.do("next", at+time.Minute)
	}
	if want := []int{0, 100, 200, 300, 400, 500, 500, 500}; !slices.Equal(bonuses, want) {
		t.Fatalf("bonuses = %v, want %v", bonuses, want)
	}
	if fin := ana.last(t, "final"); num(fin, "score") != 8000+2500 || num(fin, "correct") != 8 {
		t.Fatalf("final = %v", fin)
	}
	if f.host.last(t, "end")["podium"] != nil {
		t.Fatal("podium sent although the leaderboard is hidden")
	}
}

func TestDoubleAnswerIsIdempotent(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20})
	ana := f.join(t, "Ana")
	f.do("start", 0)
	f.answer(ana, 0, time.Second, "B")
	f.answer(ana, 0, 2*time.Second, "A") // a second tap, another letter: the first stands
	ack := ana.last(t, "ack")
	if ack["duplicate"] != true || num(ack, "elapsed_ms") != 1000 {
		t.Fatalf("second ack = %v", ack)
	}
	if f.g.answered != 1 {
		t.Fatalf("answered = %d", f.g.answered)
	}
	f.do("close", 3*time.Second)
	if res := ana.last(t, "result"); res["credit"] != 1.0 {
		t.Fatalf("result = %v", res)
	}
}

func TestPauseStopsTheClock(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20, SpeedPoints: true})
	ana := f.join(t, "Ana")
	f.do("start", 0)
	f.do("pause", 5*time.Second)
	if p := ana.last(t, "paused"); num(p, "remaining_ms") != 15000 {
		t.Fatalf("paused = %v", p)
	}
	f.answer(ana, 0, 6*time.Second, "B")
	if ana.lastError() != errNotOpen {
		t.Fatal("an answer while paused was taken")
	}
	f.g.expire(t0.Add(25 * time.Second)) // the old deadline means nothing while paused
	if f.g.phase != PhasePaused {
		t.Fatalf("phase = %s", f.g.phase)
	}
	f.do("resume", 65*time.Second) // a minute's pause
	if r := ana.last(t, "resumed"); num(r, "remaining_ms") != 15000 {
		t.Fatalf("resumed = %v", r)
	}
	f.answer(ana, 0, 70*time.Second, "B") // 5 s before the pause + 5 s after: t = 10 s of 20
	if ack := ana.last(t, "ack"); num(ack, "elapsed_ms") != 10000 {
		t.Fatalf("ack = %v", ack)
	}
	f.g.expire(t0.Add(79 * time.Second))
	if f.g.phase != PhaseQuestion {
		t.Fatal("closed before the moved deadline")
	}
	f.g.expire(t0.Add(80 * time.Second))
	if res := ana.last(t, "result"); num(res, "points") != 750 {
		t.Fatalf("result = %v", res)
	}
	f.do("pause", 81*time.Second)
	if f.host.lastError() != errBadState {
		t.Fatal("pause during the reveal was accepted")
	}
}

func TestRejoinKeepsNameScoreAndStreak(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20, Streaks: true, Leaderboard: true})
	ana := f.join(t, "Ana")
	token := ana.last(t, "welcome")["token"].(string)
	f.do("start", 0)
	f.answer(ana, 0, 0, "B")
	f.do("close", time.Second)
	f.do("next", 2*time.Second)
	f.g.gone(ana) // the connection drops during question 2
	if f.g.playersMsg().Left != 1 {
		t.Fatal("the host does not see the player as away")
	}
	back := &fakePeer{}
	f.g.hello(back, &inbound{Type: "hello", Token: token}, nil, t0.Add(5*time.Second))
	w := back.last(t, "welcome")
	if w["player"].(map[string]any)["name"] != "Ana" || num(w, "score") != 1000 || num(w, "streak") != 1 || w["phase"] != "question" {
		t.Fatalf("welcome back = %v", w)
	}
	if q := back.last(t, "question"); num(q, "q") != 1 || num(q, "remaining_ms") != 17000 || q["answered"] != nil {
		t.Fatalf("catch-up question = %v", q)
	}
	f.answer(back, 1, 6*time.Second, "C")
	// A second device with the same token replaces the first connection.
	other := &fakePeer{}
	f.g.hello(other, &inbound{Type: "hello", Token: token}, nil, t0.Add(7*time.Second))
	if back.closed != closeReplaced {
		t.Fatalf("older connection closed with %d", back.closed)
	}
	if q := other.last(t, "question"); q["answered"] != true {
		t.Fatal("the resend does not say the answer is in")
	}
	f.do("close", 8*time.Second)
	if res := other.last(t, "result"); num(res, "score") != 2100 || num(res, "streak") != 2 {
		t.Fatalf("result after rejoin = %v", res)
	}
	if len(f.g.players) != 1 {
		t.Fatalf("players = %d", len(f.g.players))
	}
	bad := &fakePeer{}
	f.g.hello(bad, &inbound{Type: "hello", Token: "nope"}, nil, t0)
	if bad.lastError() != errBadToken || bad.closed != 0 {
		t.Fatal("an unknown token was not refused gently")
	}
}

func TestKick(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20, Leaderboard: true})
	ana, ben := f.join(t, "Ana"), f.join(t, "Ben")
	token := ben.last(t, "welcome")["token"].(string)
	f.do("start", 0)
	f.answer(ben, 0, time.Second, "B")
	f.g.command(f.host, &inbound{Type: "kick", Player: "p2"}, t0.Add(2*time.Second))
	if ben.closed != closeNormal || ben.msgs[len(ben.msgs)-1]["type"] != "kicked" {
		t.Fatalf("kicked player: closed %d, last %v", ben.closed, ben.msgs[len(ben.msgs)-1])
	}
	if f.g.answered != 0 || f.g.count() != 1 {
		t.Fatalf("after kick: answered %d, players %d", f.g.answered, f.g.count())
	}
	again := &fakePeer{}
	f.g.hello(again, &inbound{Type: "hello", Token: token}, nil, t0)
	if again.lastError() != errKicked || again.closed == 0 {
		t.Fatal("a kicked player came back with the token")
	}
	f.g.command(f.host, &inbound{Type: "kick", Player: "p2"}, t0)
	if f.host.lastError() != errNoPlayer {
		t.Fatal("kicking twice did not say no_player")
	}
	f.answer(ana, 0, 3*time.Second, "B")
	f.do("close", 4*time.Second)
	if b := ana.last(t, "reveal")["leaderboard"].([]any); len(b) != 1 {
		t.Fatalf("leaderboard after kick = %v", b)
	}
	// The name is free again.
	f.join(t, "Ben")
}

func TestSkipAndEnd(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20, Leaderboard: true})
	ana := f.join(t, "Ana")
	f.do("start", 0)
	f.answer(ana, 0, time.Second, "B")
	f.do("skip", 2*time.Second)
	if q := ana.last(t, "question"); num(q, "q") != 1 {
		t.Fatalf("after skip: %v", q)
	}
	if slices.Contains(ana.types(), "reveal") {
		t.Fatal("a skipped question was revealed")
	}
	if rec := f.rec.records[len(f.rec.records)-1]; !rec.Question.Skipped || len(rec.Question.Answers) != 0 {
		t.Fatalf("skip record = %+v", rec.Question)
	}
	f.answer(ana, 1, 3*time.Second, "C")
	f.do("end", 4*time.Second) // ends the open question first: it counts
	if fin := ana.last(t, "final"); num(fin, "score") != 1000 || num(fin, "rank") != 1 {
		t.Fatalf("final = %v", fin)
	}
	if ana.last(t, "end")["podium"] == nil || f.g.phase != PhaseEnd {
		t.Fatal("no podium at the end")
	}
	last := f.rec.records[len(f.rec.records)-1]
	if last.Session.Phase != PhaseEnd || last.Session.Ended.IsZero() || last.Session.Closed != 2 {
		t.Fatalf("final record = %+v", last.Session)
	}
	late := &fakePeer{}
	f.g.hello(late, &inbound{Type: "hello", Name: "Zed"}, nil, t0)
	if late.lastError() != errEnded {
		t.Fatal("joined an ended quiz")
	}
	f.do("start", 5*time.Second)
	if f.host.lastError() != errBadState {
		t.Fatal("start after the end was accepted")
	}
}

func TestJoinErrors(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20})
	f.g.cfg.MaxPlayers = 2
	f.join(t, "Ana")
	tests := []struct {
		name, want string
		closed     bool
	}{
		{"  ", errNameRequired, false},
		{strings.Repeat("x", 25), errNameRequired, false},
		{"ana", errNameTaken, false},
		{"Ben", "", false},
		{"Cy", errRoomFull, true},
	}
	for _, tt := range tests {
		p := &fakePeer{}
		f.g.hello(p, &inbound{Type: "hello", Name: tt.name}, nil, t0)
		if got := p.lastError(); got != tt.want || (p.closed != 0) != tt.closed {
			t.Errorf("hello %q: error %q closed %d, want %q closed %v", tt.name, got, p.closed, tt.want, tt.closed)
		}
	}
	stranger := &fakePeer{}
	q := 0
	f.g.answer(stranger, &inbound{Type: "answer", Q: &q, Choices: []string{"A"}}, t0)
	if stranger.lastError() != errHelloRequired || stranger.closed != closePolicy {
		t.Fatal("an answer before hello was not refused")
	}
}

func TestAnswerErrors(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20})
	ana := f.join(t, "Ana")
	f.answer(ana, 0, 0, "A")
	if ana.lastError() != errNotOpen {
		t.Fatal("answer in the lobby")
	}
	f.do("start", 0)
	f.answer(ana, 1, 0, "A")
	if ana.lastError() != errNotOpen {
		t.Fatal("answer to a question not yet open")
	}
	f.answer(ana, 0, 0, "A", "B")
	if ana.lastError() != errInvalidAnswer {
		t.Fatal("two letters for a single-answer question")
	}
	f.answer(ana, 0, time.Second, "A") // may answer again after an invalid answer
	if ana.last(t, "ack") == nil {
		t.Fatal("no ack")
	}
	f.do("close", 2*time.Second)
	f.do("next", 3*time.Second)
	f.answer(ana, 0, 4*time.Second, "B")
	if ana.lastError() != errLate {
		t.Fatal("answer to a closed question")
	}
}

func TestSlowPeerIsDropped(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20})
	ana, ben := f.join(t, "Ana"), f.join(t, "Ben")
	ben.full = true
	f.do("start", 0)
	if ben.closed != closeTooSlow {
		t.Fatalf("slow peer closed with %d", ben.closed)
	}
	if ana.last(t, "question") == nil || f.g.playersMsg().Left != 1 {
		t.Fatal("the slow peer held up the others")
	}
}

func TestSaveFailureIsReported(t *testing.T) {
	f := newFixture(t, Settings{Seconds: 20})
	f.join(t, "Ana")
	f.rec.fail = errors.New("disk full")
	f.do("start", 0)
	f.do("close", time.Second)
	if f.host.last(t, "error")["code"] != errSaveFailed || f.g.phase != PhaseReveal {
		t.Fatal("a failed save was not reported to the host")
	}
}

func TestCodeEntryDistribution(t *testing.T) {
	key, err := grading.ParseKey(nil, "J02.9")
	if err != nil {
		t.Fatal(err)
	}
	it := &exercises.Item{ID: "c1", Type: exercises.Case, Key: key, Mode: grading.Practice}
	f := newFixture(t, Settings{Seconds: 60}, it)
	ana, ben := f.join(t, "Ana"), f.join(t, "Ben")
	f.join(t, "Cy")
	f.do("start", 0)
	f.g.answer(ana, &inbound{Type: "answer", Q: new(int), Codes: "j029"}, t0)
	f.g.answer(ben, &inbound{Type: "answer", Q: new(int), Codes: "J18.9"}, t0)
	f.do("close", time.Second)
	r := ana.last(t, "reveal")
	if d := r["distribution"].(map[string]any); d["full"] != 1.0 || d["none"] != 1.0 || num(r, "answered") != 2 || num(r, "players") != 3 {
		t.Fatalf("reveal = %v", r)
	}
	if r["key"].(map[string]any)["codes"] != "J02.9" {
		t.Fatalf("key = %v", r["key"])
	}
}
