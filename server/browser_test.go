package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chartcode/server/store"
)

// browser starts headless Chromium for an end-to-end test, or skips when it is not installed
// (`make test` installs Debian's chromium first, so CI always runs these tests).
func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		t.Skip("no Chromium found: install Debian's chromium (make test does) to run the browser tests")
	}
	// Chromium may still be writing its profile as the test ends, so the profile folder is
	// removed after the browser is gone and without failing the test.
	profile, err := os.MkdirTemp("", "chartcode-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	dir := os.Getenv("CHARTCODE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return ctx, dir
}

func shot(dir, name string, buf *[]byte) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.FullScreenshot(buf, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), *buf, 0o644)
	})
}

// viewShot saves what the window shows (a long page's sticky header stays in view).
func viewShot(dir, name string, buf *[]byte) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.CaptureScreenshot(buf).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), *buf, 0o644)
	})
}

// TestBrowserPractice: sign in, open a case, type codes with the autocomplete, submit, read the
// per-code feedback and the rationale, open progress and see the chart — in a real browser.
func TestBrowserPractice(t *testing.T) {
	ctx, dir := browser(t)
	ts := newTestServer(t)
	ts.clock.now = time.Now()
	base := ts.http.URL
	var buf []byte
	var resultText, progressHTML, acText string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`input[name=name]`),
		shot(dir, "01-signin", &buf),
		chromedp.SendKeys(`input[name=name]`, ts.users[store.Student].Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`.catalog`),
		shot(dir, "02-catalog", &buf),
		chromedp.Navigate(base+"/practice/case-em-001"),
		chromedp.WaitVisible(`#answer`),
		chromedp.SendKeys(`#answer`, "I12.9, N18.31, 99214, "),
		// The autocomplete offers codes as the person types; Enter takes the first.
		chromedp.SendKeys(`#answer`, "E78.5"),
		chromedp.WaitVisible(`#ac-list li`),
		chromedp.Text(`#ac-list`, &acText),
		shot(dir, "03-case-autocomplete", &buf),
		chromedp.SendKeys(`#answer`, "\r"),
		chromedp.SendKeys(`#answer`, "G2211"),
		chromedp.Click(`#answer-form button[type=submit]`),
		chromedp.WaitVisible(`.feedback`),
		chromedp.Text(`main`, &resultText),
		shot(dir, "04-result", &buf),
		chromedp.Navigate(base+"/progress"),
		chromedp.WaitVisible(`.chart`),
		chromedp.OuterHTML(`.chart-wrap`, &progressHTML),
		shot(dir, "05-progress", &buf),
		chromedp.Navigate(base+"/codes?code=E11.65"),
		chromedp.WaitVisible(`.code-detail`),
		shot(dir, "06-code-lookup", &buf),
		chromedp.Navigate(base+"/practice/q-em-002"),
		chromedp.WaitVisible(`.question`),
		shot(dir, "07-question", &buf),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(acText, "E78.5") {
		t.Errorf("autocomplete offered %q", acText)
	}
	for _, want := range []string{"Code by code", "I12.9", "correct", "Rationale", "100.0"} {
		if !strings.Contains(resultText, want) {
			t.Errorf("result page lacks %q:\n%s", want, resultText)
		}
	}
	if !strings.Contains(progressHTML, "<path") {
		t.Errorf("progress chart has no line: %s", progressHTML)
	}
	// Phone width: the same pages must work on a small screen.
	err = chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/practice/case-em-001"),
		chromedp.WaitVisible(`#answer`),
		shot(dir, "08-phone-case", &buf),
		chromedp.Navigate(base+"/progress"),
		chromedp.WaitVisible(`.chart`),
		shot(dir, "09-phone-progress", &buf),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
}

// TestBrowserExam: start the diagnostic, answer a few items (autosaved), reload mid-exam and
// find the answers and the flag kept, submit through the confirm step, read the per-section
// report — in a real browser.
func TestBrowserExam(t *testing.T) {
	ctx, dir := browser(t)
	ts := newTestServer(t)
	ts.clock.now = time.Now()
	base := ts.http.URL
	var buf []byte
	var checked, flagged, navAnswered int
	var saved, confirmText, reportText string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, ts.users[store.Student].Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`.catalog`),
		chromedp.Navigate(base+"/exams"),
		chromedp.WaitVisible(`button[data-start="exam-diagnostic"]`),
		shot(dir, "10-exams", &buf),
		chromedp.Click(`button[data-start="exam-diagnostic"]`),
		chromedp.WaitVisible(`.exam-bar`),
		// Answer questions 1-3 (the first choice of each) and flag question 4.
		chromedp.Click(`#q1 input[data-choice]`, chromedp.NodeVisible),
		chromedp.Click(`#q2 input[data-choice]`, chromedp.NodeVisible),
		chromedp.Click(`#q3 input[data-choice]`, chromedp.NodeVisible),
		chromedp.Click(`#q4 [data-flag]`, chromedp.NodeVisible),
		chromedp.Poll(`document.getElementById("save-state").textContent === "All answers saved" && document.getElementById("answered-count").textContent === "3"`, nil,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`#save-state`, &saved),
		viewShot(dir, "11-exam", &buf),
		// Reload mid-exam: the server prefills what was saved.
		chromedp.Reload(),
		chromedp.WaitVisible(`.exam-bar`),
		chromedp.Evaluate(`document.querySelectorAll("input[data-choice]:checked").length`, &checked),
		chromedp.Evaluate(`document.querySelectorAll('[data-flag][aria-pressed="true"]').length`, &flagged),
		chromedp.Evaluate(`document.querySelectorAll(".exam-nav a.is-answered").length`, &navAnswered),
		chromedp.Click(`.exam-bar a.button.primary`),
		chromedp.WaitVisible(`#submit-exam`),
		chromedp.Text(`main`, &confirmText),
		shot(dir, "12-exam-confirm", &buf),
		chromedp.Click(`#submit-exam`),
		chromedp.WaitVisible(`.sections-table`),
		chromedp.Text(`main`, &reportText),
		shot(dir, "13-exam-report", &buf),
	)
	if err != nil {
		t.Fatal(err)
	}
	if saved != "All answers saved" || checked != 3 || flagged != 1 || navAnswered != 3 {
		t.Errorf("after the reload: %q, %d answers checked, %d flagged, %d answered in the navigator; want 3, 1, 3", saved, checked, flagged, navAnswered)
	}
	if !strings.Contains(confirmText, "Unanswered (17)") || !strings.Contains(confirmText, "Flagged for review (1)") {
		t.Errorf("confirm step:\n%s", confirmText)
	}
	for _, want := range []string{"By section", "E/M", "ICD-10-CM", "Not passed", "3 of 20 answered", "Rationale"} {
		if !strings.Contains(reportText, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	t.Logf("screenshots in %s", dir)
}
