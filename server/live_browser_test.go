package server

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"chartcode/exercises"
	"chartcode/server/store"
)

// incognito opens a tab in a browser context of its own (its own cookies and session storage),
// in the browser of parent, which must have run already. New headless Chromium has no window
// for a new browser context, and chromedp.WithNewBrowserContext asks for a tab in an existing
// window ("Failed to open new tab - no browser is open"), so the tab is made here, in a window
// of its own.
func incognito(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	c := chromedp.FromContext(parent)
	exec := cdp.WithExecutor(parent, c.Browser)
	id, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(exec)
	if err != nil {
		t.Fatal(err)
	}
	tid, err := target.CreateTarget("about:blank").WithBrowserContextID(id).WithNewWindow(true).Do(exec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithTargetID(tid))
	t.Cleanup(func() {
		cancel()
		_ = target.DisposeBrowserContext(id).Do(exec)
	})
	return ctx
}

// liveQuizOfChoices picks a quiz of the library whose first question is a single-answer one and
// returns it with that question's correct and one wrong letter.
func liveQuizOfChoices(t *testing.T, cat *exercises.Catalog) (quiz *exercises.LiveQuiz, right, wrong string) {
	t.Helper()
	for _, q := range cat.Quizzes() {
		if len(q.Items) == 0 {
			continue
		}
		it, ok := cat.Item(q.Items[0])
		if !ok || it.Type != exercises.Choice || len(it.Answer) != 1 {
			continue
		}
		for _, c := range it.Choices {
			if !slices.Contains(it.Answer, c.Letter) {
				return q, it.Answer[0], c.Letter
			}
		}
	}
	t.Fatal("no quiz starts with a single-answer question")
	return nil, "", ""
}

// TestLiveBrowser: a trainer creates a live quiz from the /live form and hosts it; two players
// in browser contexts of their own join with the PIN, answer the first question (one right, one
// wrong), the host ends the question and sees the distribution and the leaderboard, and each
// player sees their own result — in a real browser, over real WebSockets.
func TestLiveBrowser(t *testing.T) {
	host, dir := browser(t)
	ts := newTestServer(t)
	ts.clock.now = time.Now()
	base := ts.http.URL
	_, cat := library(t)
	quiz, right, wrong := liveQuizOfChoices(t, cat)
	var buf []byte

	// The trainer signs in, creates the room and lands on the host page.
	var pin string
	err := chromedp.Run(host,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, ts.users[store.Trainer].Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`.catalog`),
		chromedp.Navigate(base+"/live"),
		chromedp.WaitVisible(`select[name=quiz]`),
		chromedp.SetValue(`select[name=quiz]`, quiz.ID),
		chromedp.Click(`form[action="/live"] button[type=submit]`),
		chromedp.WaitVisible(`#host-start`),
		chromedp.Text(`#host-pin`, &pin),
	)
	if err != nil {
		t.Fatal(err)
	}
	pin = strings.TrimSpace(pin)
	if len(pin) != 6 {
		t.Fatalf("host page shows the PIN %q", pin)
	}

	// Two players, each in a browser context of their own (no trainer cookie), at phone width.
	players := map[string]context.Context{"Ana": incognito(t, host), "Ben": incognito(t, host)}
	for _, name := range []string{"Ana", "Ben"} {
		err := chromedp.Run(players[name],
			chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(base+"/join"),
			chromedp.WaitVisible(`#pin`),
			chromedp.SendKeys(`#pin`, pin),
			chromedp.Click(`form[data-live-join] button[type=submit]`),
			chromedp.WaitVisible(`#player-name`),
			chromedp.SendKeys(`#player-name`, name),
			chromedp.Click(`#name-form button[type=submit]`),
			chromedp.WaitVisible(`#screen-lobby`),
		)
		if err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
	}
	var names string
	err = chromedp.Run(host,
		chromedp.Poll(`document.getElementById("host-count").textContent === "2"`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Text(`#host-names`, &names),
		viewShot(dir, "20-live-host-lobby", &buf),
		chromedp.Click(`#host-start`),
		chromedp.WaitVisible(`#host-question`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(names, "Ana") || !strings.Contains(names, "Ben") {
		t.Errorf("host lobby lists %q", names)
	}

	// Ana answers right, Ben wrong; each gets the acknowledgement.
	for name, letter := range map[string]string{"Ana": right, "Ben": wrong} {
		err := chromedp.Run(players[name],
			chromedp.WaitVisible(`#screen-question`),
			chromedp.Click(`#answer-options input[value="`+letter+`"]`, chromedp.NodeVisible),
			chromedp.Click(`#answer-submit`),
			chromedp.Poll(`document.getElementById("answer-state").textContent.indexOf("Answer received") === 0`, nil,
				chromedp.WithPollingTimeout(5*time.Second)),
		)
		if err != nil {
			t.Fatalf("%s answers %s: %v", name, letter, err)
		}
	}

	// The host ends the question: the distribution and the leaderboard show.
	var first, rightRow, wrongRow, answered string
	err = chromedp.Run(host,
		chromedp.Poll(`document.getElementById("hq-answered").textContent === "2 of 2"`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Click(`#hq-close`),
		chromedp.WaitVisible(`#host-reveal`),
		chromedp.WaitVisible(`#hr-board li`),
		chromedp.Text(`#hr-board li:first-child .live-name`, &first),
		chromedp.Text(`#hr-answered`, &answered),
		chromedp.Evaluate(`(function (l) { var r = Array.prototype.filter.call(document.querySelectorAll("#hr-dist li"),
			function (li) { return li.querySelector(".letter").textContent === l; })[0]; return r ? r.textContent : ""; })("`+right+`")`, &rightRow),
		chromedp.Evaluate(`(function (l) { var r = Array.prototype.filter.call(document.querySelectorAll("#hr-dist li"),
			function (li) { return li.querySelector(".letter").textContent === l; })[0]; return r ? r.textContent : ""; })("`+wrong+`")`, &wrongRow),
		chromedp.Sleep(700*time.Millisecond), // the bars grow into place
		viewShot(dir, "21-live-host-reveal", &buf),
	)
	if err != nil {
		t.Fatal(err)
	}
	if first != "Ana" {
		t.Errorf("leaderboard leader %q, want Ana", first)
	}
	if answered != "2 of 2 answered" {
		t.Errorf("reveal says %q", answered)
	}
	if !strings.Contains(rightRow, "correct") || !strings.Contains(rightRow, "1 · 50 %") {
		t.Errorf("distribution row of the right answer %s: %q", right, rightRow)
	}
	if strings.Contains(wrongRow, "correct") || !strings.Contains(wrongRow, "1 · 50 %") {
		t.Errorf("distribution row of the wrong answer %s: %q", wrong, wrongRow)
	}

	// Each player sees their own result.
	for name, want := range map[string]string{"Ana": "Correct!", "Ben": "Not right this time"} {
		var verdict, facts string
		err := chromedp.Run(players[name],
			chromedp.WaitVisible(`#screen-reveal`),
			chromedp.Poll(`document.getElementById("result-verdict").textContent !== "Time's up"`, nil, chromedp.WithPollingTimeout(5*time.Second)),
			chromedp.Text(`#result-verdict`, &verdict),
			chromedp.Text(`#result-facts`, &facts),
		)
		if err != nil {
			t.Fatalf("%s's result: %v", name, err)
		}
		if verdict != want {
			t.Errorf("%s sees %q, want %q", name, verdict, want)
		}
		if name == "Ana" && (!strings.Contains(facts, "100 %") || !strings.Contains(facts, "1st of 2")) {
			t.Errorf("Ana's result: %q", facts)
		}
		if name == "Ben" && (!strings.Contains(facts, "0 %") || !strings.Contains(facts, "2nd of 2")) {
			t.Errorf("Ben's result: %q", facts)
		}
	}
	if err := chromedp.Run(players["Ana"], shot(dir, "22-live-player-result", &buf)); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
}
