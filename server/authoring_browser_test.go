package server

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chartcode/server/store"
)

// xssMarkdown is a case with a script-injection attempt in every free-text field (title,
// reference, tag, body, rationale) and a key code that does not exist.
const xssMarkdown = `---
id: case-xss-001
type: case
title: "<script>window.__xss=1</script>Sore throat"
credentials: [CPC]
section: "ICD-10-CM"
setting: "physician office"
difficulty: 1
diagnoses: "J02.99"
references:
  - "<script>window.__xss=1</script>ICD-10-CM Official Guidelines I.C.10"
tags: ["<img src=x onerror=window.__xss=1>", pharyngitis]
---

**Office visit.** A 30-year-old reports a sore throat for three days. <script>window.__xss=1</script>
<img src=x onerror="window.__xss=1">

[click](javascript:window.__xss=1)

**Assessment:** acute pharyngitis.

## Rationale

Acute pharyngitis, not specified, is J02.9. <script>window.__xss=1</script>
<img src=x onerror="window.__xss=1"> [more](javascript:window.__xss=1)
`

// injected counts what of an injection attempt made it into the page: whether the injected
// code ran, script elements without a src (the site has none), elements with an onerror
// attribute, javascript: URLs, and raw <script text in the HTML of the part that shows the item.
type injected struct {
	Ran     string `json:"ran"`
	Inline  int    `json:"inline"`
	OnError int    `json:"onerror"`
	JSURL   int    `json:"jsurl"`
	Raw     int    `json:"raw"`
}

func checkInjection(scope string, out *injected) chromedp.Action {
	var raw string
	return chromedp.ActionFunc(func(ctx context.Context) error {
		js := `JSON.stringify({
			ran: typeof window.__xss,
			inline: Array.prototype.filter.call(document.scripts, function (s) { return !s.src; }).length,
			onerror: document.querySelectorAll("[onerror]").length,
			jsurl: Array.prototype.filter.call(document.querySelectorAll("[href], [src], [action], [formaction]"), function (e) {
				return ["href", "src", "action", "formaction"].some(function (a) { return /^\s*javascript:/i.test(e.getAttribute(a) || ""); });
			}).length,
			raw: (document.querySelector(` + strconv.Quote(scope) + `).innerHTML.match(/<script/gi) || []).length
		})`
		if err := chromedp.Evaluate(js, &raw).Do(ctx); err != nil {
			return err
		}
		return json.Unmarshal([]byte(raw), out)
	})
}

func (in injected) clean() bool {
	return in.Ran == "undefined" && in.Inline == 0 && in.OnError == 0 && in.JSURL == 0 && in.Raw == 0
}

// TestAuthoringBrowser: a trainer writes a case in the editor with an invalid key code and
// script injections in every field, sees the lint problem in the live check, fixes the key in
// the form view, sees "No problems" and publishes; a student then answers the new case and gets
// full marks. No injected script runs, and none of it reaches the DOM, at any step.
func TestAuthoringBrowser(t *testing.T) {
	trainer, dir := browser(t)
	ts := newTestServer(t)
	ts.clock.now = time.Now()
	base := ts.http.URL
	var buf []byte

	var problems, problemLine, count, formTitle, md, previewTitle, flash string
	var caretLine int
	var editor, preview injected
	err := chromedp.Run(trainer,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, ts.users[store.Trainer].Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Click(`form[action="/signin"] button[type=submit]`),
		chromedp.WaitVisible(`.topbar nav`),
		chromedp.Navigate(base+"/authoring/new?type=case"),
		chromedp.WaitVisible(`#markdown`),
		// Replace the starting Markdown, as a paste would.
		chromedp.Evaluate(`(function () {
			var ta = document.getElementById("markdown");
			ta.value = `+strconv.Quote(xssMarkdown)+`;
			ta.dispatchEvent(new Event("input", { bubbles: true }));
		})()`, nil),
		chromedp.Poll(`document.getElementById("problem-list").textContent.indexOf("J02.99") >= 0`, nil,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`#problem-list`, &problems),
		chromedp.Text(`#problem-count`, &count),
		chromedp.AttributeValue(`#problem-list button.problem`, "data-line", &problemLine, nil),
		viewShot(dir, "40-authoring-problem", &buf),
		// A problem takes the caret to its line.
		chromedp.Click(`#problem-list button.problem`),
		chromedp.Evaluate(`(function () { var ta = document.getElementById("markdown"); return ta.value.slice(0, ta.selectionStart).split("\n").length; })()`, &caretLine),
		checkInjection(`#preview`, &editor),
		// Fix the key in the form view: it reads the front matter and writes the field back.
		chromedp.Click(`#mode-toggle [data-mode="form"]`),
		chromedp.WaitVisible(`#f-diagnoses`),
		chromedp.Value(`#f-title`, &formTitle),
		chromedp.Focus(`#f-diagnoses`),
		chromedp.Evaluate(`document.getElementById("f-diagnoses").select()`, nil),
		chromedp.SendKeys(`#f-diagnoses`, "J02.9"),
		chromedp.Poll(`document.getElementById("problem-count").textContent === "No problems: ready to publish" &&
			document.querySelector("#preview .note") !== null`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Value(`#markdown`, &md),
		chromedp.Text(`#preview .preview-title`, &previewTitle),
		checkInjection(`#preview`, &preview),
		viewShot(dir, "41-authoring-form-fixed", &buf),
		chromedp.Click(`#editor-form button[value="publish"]`),
		chromedp.WaitVisible(`#form-flash`),
		chromedp.Text(`#form-flash`, &flash),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(problems, "line 9: diagnoses: J02.99") || count != "1 problem" {
		t.Errorf("problems %q (%q), want the invalid J02.99 at line 9", problems, count)
	}
	if problemLine != "9" || caretLine != 9 {
		t.Errorf("the problem names line %q and took the caret to line %d, want 9", problemLine, caretLine)
	}
	if formTitle != "<script>window.__xss=1</script>Sore throat" {
		t.Errorf("form view title %q", formTitle)
	}
	if !strings.Contains(md, `diagnoses: "J02.9"`+"\n") || !strings.Contains(md, `title: "<script>window.__xss=1</script>Sore throat"`) {
		t.Errorf("the form did not write the key back into the Markdown:\n%s", md)
	}
	if previewTitle != "<script>window.__xss=1</script>Sore throat" {
		t.Errorf("preview title %q: want the title as text", previewTitle)
	}
	if !strings.Contains(flash, "Published as version 1") {
		t.Errorf("after Publish: %q", flash)
	}
	if !editor.clean() || !preview.clean() {
		t.Errorf("injection reached the editor: with the problem %+v, in the preview %+v", editor, preview)
	}

	// A student, in a browser context of their own, answers the published case.
	student := incognito(t, trainer)
	ts.clock.Advance(time.Minute)
	var exercise, result injected
	var resultText string
	err = chromedp.Run(student,
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(`input[name=name]`),
		chromedp.SendKeys(`input[name=name]`, ts.users[store.Student].Name),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		chromedp.Click(`form[action="/signin"] button[type=submit]`),
		chromedp.WaitVisible(`.topbar nav`),
		chromedp.Navigate(base+"/practice/case-xss-001"),
		chromedp.WaitVisible(`#answer`),
		checkInjection(`main`, &exercise),
		chromedp.SendKeys(`#answer`, "J02.9"),
		chromedp.Click(`#answer-form button[type=submit]`),
		chromedp.WaitVisible(`.feedback`),
		chromedp.Text(`main`, &resultText),
		checkInjection(`main`, &result),
		shot(dir, "42-authored-case-result", &buf),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100.0", "J02.9", "correct", "Rationale", "<script>window.__xss=1</script>Sore throat"} {
		if !strings.Contains(resultText, want) {
			t.Errorf("result page lacks %q:\n%s", want, resultText)
		}
	}
	if !exercise.clean() || !result.clean() {
		t.Errorf("injection reached the student: exercise page %+v, result page %+v", exercise, result)
	}
	t.Logf("screenshots in %s", dir)
}
