package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chartcode/exercises"
	"chartcode/server/store"
)

// postJSON sends body to the API as c.
func (ts *testServer) postJSON(t *testing.T, c *http.Client, path, body string) (*http.Response, string) {
	t.Helper()
	return do(t, c, "POST", ts.http.URL+path, "application/json", strings.NewReader(body))
}

// choiceItems returns n choice items of the catalog, from as many sections as possible.
func choiceItems(t *testing.T, n int) []string {
	t.Helper()
	_, cat := library(t)
	var out []string
	seen := map[string]bool{}
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for _, it := range cat.Items() {
			if len(out) == n {
				break
			}
			if it.Type != exercises.Choice || contains(out, it.ID) || (pass == 0 && seen[it.Section]) {
				continue
			}
			seen[it.Section] = true
			out = append(out, it.ID)
		}
	}
	if len(out) < n {
		t.Fatalf("only %d choice items", len(out))
	}
	return out
}

func TestCustomExamBySections(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	resp, body := ts.postJSON(t, trainer, "/api/custom-exams",
		`{"title":"E/M drill","timeLimitMinutes":20,"passMark":60,"credentials":["CPC"],"mode":"practice","sections":[{"section":"E/M","count":3}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	e := decode[store.CustomExam](t, body)
	if !strings.HasPrefix(e.ID, "custom-") || e.CreatedBy != ts.users[store.Trainer].ID {
		t.Fatalf("created %+v", e)
	}

	// Students see it beside the catalog's blueprints, marked custom, and sit it.
	student := ts.client(t, store.Student)
	_, list := do(t, student, "GET", ts.http.URL+"/api/exams", "", nil)
	bps := decode[struct {
		Blueprints []struct {
			ID, CreatedBy string
			Custom        bool
			Items         int
		}
	}](t, list).Blueprints
	found := false
	for _, b := range bps {
		if b.ID == e.ID {
			found = b.Custom && b.Items == 3 && b.CreatedBy != ""
		}
	}
	if !found || len(bps) < 2 {
		t.Errorf("blueprints %+v: want the catalog's and the custom one", bps)
	}
	if _, page := do(t, student, "GET", ts.http.URL+"/exams", "", nil); !strings.Contains(page, "E/M drill") || !strings.Contains(page, "custom") {
		t.Error("the exams page does not show the custom exam")
	}
	ex := ts.beginExam(t, student, e.ID)
	if len(ex.Items) != 3 || ex.RemainingSeconds != 20*60 {
		t.Fatalf("started %d items, %d s", len(ex.Items), ex.RemainingSeconds)
	}
	for _, it := range ex.Items {
		if it.Section != "E/M" || it.Item.Section != "E/M" || !contains(it.Item.Credentials, "CPC") {
			t.Errorf("item %s: section %q, credentials %v", it.Item.ID, it.Item.Section, it.Item.Credentials)
		}
	}
	resp, body = do(t, student, "POST", ts.http.URL+"/api/exams/"+ex.ID+"/submit", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	rep := decode[struct {
		Blueprint string
		PassMark  float64
		Total     int
		Passed    bool
		Items     []struct{ ItemID string }
	}](t, body)
	if rep.Blueprint != e.ID || rep.PassMark != 60 || rep.Total != 3 || rep.Passed || len(rep.Items) != 3 {
		t.Errorf("report %+v", rep)
	}
	if resp, _ := do(t, student, "GET", ts.http.URL+"/exams/"+ex.ID+"/report", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("report page: %d", resp.StatusCode)
	}
}

func TestCustomExamByItems(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.client(t, store.Admin)
	ids := choiceItems(t, 3)
	ids[0], ids[2] = ids[2], ids[0] // not catalog order
	if resp, page := do(t, admin, "GET", ts.http.URL+"/exams/new?credential=CPC", "", nil); resp.StatusCode != 200 || !strings.Contains(page, "count-6") {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	form := url.Values{"title": {"Picked"}, "timeLimitMinutes": {"15"}, "passMark": {"50"}, "mode": {"exam"},
		"items": {strings.Join(ids, "\r\n") + "\n"}}
	resp, body := do(t, admin, "POST", ts.http.URL+"/exams/new", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/exams" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	list, err := ts.db.CustomExams()
	if err != nil || len(list) != 1 || strings.Join(list[0].Items, ",") != strings.Join(ids, ",") {
		t.Fatalf("stored %+v, %v", list, err)
	}
	student := ts.client(t, store.Student)
	ex := ts.beginExam(t, student, list[0].ID)
	_, cat := library(t)
	for i, it := range ex.Items {
		want, _ := cat.Item(ids[i])
		if it.Item.ID != ids[i] || it.Section != want.Section {
			t.Errorf("item %d: %s in %q, want %s in %q", i, it.Item.ID, it.Section, ids[i], want.Section)
		}
	}
	for _, id := range ids {
		if resp, body := ts.put(t, student, ex.ID, id, rightChoices(t, id)); resp.StatusCode != http.StatusOK {
			t.Fatalf("answer %s: %d %s", id, resp.StatusCode, body)
		}
	}
	_, body = do(t, student, "POST", ts.http.URL+"/api/exams/"+ex.ID+"/submit", "", nil)
	rep := decode[struct {
		Score  float64
		Passed bool
	}](t, body)
	if rep.Score != 100 || !rep.Passed {
		t.Errorf("report %s", body)
	}
	// A second sitting draws the same items again, in the same order.
	ex2 := ts.beginExam(t, student, list[0].ID)
	for i, it := range ex2.Items {
		if it.Item.ID != ids[i] {
			t.Errorf("second sitting item %d: %s, want %s", i, it.Item.ID, ids[i])
		}
	}
}

func TestCustomExamValidation(t *testing.T) {
	ts := newTestServer(t)
	trainer := ts.client(t, store.Trainer)
	pool := ts.poolSize([]string{"CPC"}, "E/M", nil)
	ok := `"title":"T","timeLimitMinutes":30,"passMark":70`
	tests := []struct {
		name, body, field, says string
	}{
		{"no title", `{"title":" ","timeLimitMinutes":30,"passMark":70,"items":["q-em-002"]}`, "title", "title"},
		{"time limit 0", `{"title":"T","timeLimitMinutes":0,"passMark":70,"items":["q-em-002"]}`, "timeLimitMinutes", "time limit"},
		{"time limit 601", `{"title":"T","timeLimitMinutes":601,"passMark":70,"items":["q-em-002"]}`, "timeLimitMinutes", "600"},
		{"pass mark 0", `{"title":"T","timeLimitMinutes":30,"passMark":0,"items":["q-em-002"]}`, "passMark", "pass mark"},
		{"pass mark 101", `{"title":"T","timeLimitMinutes":30,"passMark":101,"items":["q-em-002"]}`, "passMark", "100"},
		{"no item", `{` + ok + `}`, "sections", "no item"},
		{"zero counts only", `{` + ok + `,"sections":[{"section":"E/M","count":0}]}`, "sections", "no item"},
		{"unknown credential", `{` + ok + `,"credentials":["XYZ"],"items":["q-em-002"]}`, "credentials", "XYZ"},
		{"bad mode", `{` + ok + `,"mode":"easy","items":["q-em-002"]}`, "mode", "easy"},
		{"unknown section", `{` + ok + `,"sections":[{"section":"Nope","count":1}]}`, "sections", "Nope"},
		{"pool overflow", fmt.Sprintf(`{`+ok+`,"credentials":["CPC"],"sections":[{"section":"E/M","count":%d}]}`, pool+1), "sections",
			fmt.Sprintf("%d items asked for, the section has %d", pool+1, pool)},
		{"unknown ids", `{` + ok + `,"items":["q-em-002","no-such-1","no-such-2"]}`, "items", "no-such-1, no-such-2"},
		{"both", `{` + ok + `,"sections":[{"section":"E/M","count":1}],"items":["q-em-002"]}`, "items", "not both"},
		{"duplicate id", `{` + ok + `,"items":["q-em-002","q-em-002"]}`, "items", "twice"},
		{"unknown field", `{` + ok + `,"itemz":["q-em-002"]}`, "itemz", ""},
	}
	for _, tc := range tests {
		resp, body := ts.postJSON(t, trainer, "/api/custom-exams", tc.body)
		e := decode[struct{ Error, Field string }](t, body)
		if resp.StatusCode != http.StatusBadRequest || e.Field != tc.field || !strings.Contains(e.Error, tc.says) {
			t.Errorf("%s: %d %s, want 400 on %s saying %q", tc.name, resp.StatusCode, body, tc.field, tc.says)
		}
	}
	// The form refuses the same way, and a pool overflow there too.
	form := url.Values{"title": {"T"}, "timeLimitMinutes": {"30"}, "passMark": {"70"}, "credential": {"CPC"},
		"count-6": {fmt.Sprint(pool + 1)}}
	resp, page := do(t, trainer, "POST", ts.http.URL+"/exams/new", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "items asked for") {
		t.Errorf("form overflow: %d", resp.StatusCode)
	}
	form = url.Values{"title": {"T"}, "timeLimitMinutes": {"30"}, "passMark": {"70"}, "items": {"q-em-002\nnope-42"}}
	resp, page = do(t, trainer, "POST", ts.http.URL+"/exams/new", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "nope-42") {
		t.Errorf("form unknown id: %d", resp.StatusCode)
	}
	if list, _ := ts.db.CustomExams(); len(list) != 0 {
		t.Errorf("%d custom exams stored from refused requests", len(list))
	}
	// A pool that is exactly big enough is fine.
	resp, body := ts.postJSON(t, trainer, "/api/custom-exams", fmt.Sprintf(`{`+ok+`,"credentials":["CPC"],"sections":[{"section":"E/M","count":%d}]}`, pool))
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("whole pool: %d %s", resp.StatusCode, body)
	}
}

func TestCustomExamRetiredItem(t *testing.T) {
	ts := newTestServer(t)
	e := store.CustomExam{Title: "Old", CreatedBy: ts.users[store.Trainer].ID, TimeLimitMinutes: 10, PassMark: 50,
		Items: []string{"q-em-002", "retired-item-9"}}
	if err := ts.db.CreateCustomExam(&e); err != nil {
		t.Fatal(err)
	}
	student := ts.client(t, store.Student)
	resp, body := ts.postJSON(t, student, "/api/exams", `{"blueprint":"`+e.ID+`"}`)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "retired-item-9") {
		t.Errorf("start with a retired item: %d %s", resp.StatusCode, body)
	}
}

func TestCustomExamDeleteRules(t *testing.T) {
	ts := newTestServer(t)
	create := func(role store.Role) string {
		t.Helper()
		resp, body := ts.postJSON(t, ts.client(t, role), "/api/custom-exams", `{"title":"X","timeLimitMinutes":10,"passMark":50,"items":["q-em-002"]}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create as %s: %d %s", role, resp.StatusCode, body)
		}
		return decode[store.CustomExam](t, body).ID
	}
	del := func(role store.Role, id string) int {
		resp, _ := do(t, ts.client(t, role), "DELETE", ts.http.URL+"/api/custom-exams/"+id, "", nil)
		return resp.StatusCode
	}
	byAdmin, byTrainer, byTrainer2 := create(store.Admin), create(store.Trainer), create(store.Trainer)

	// Students and supervisors may neither create nor delete.
	for _, role := range []store.Role{store.Student, store.Supervisor} {
		resp, _ := ts.postJSON(t, ts.client(t, role), "/api/custom-exams", `{"title":"X","timeLimitMinutes":10,"passMark":50,"items":["q-em-002"]}`)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("create as %s: %d, want 403", role, resp.StatusCode)
		}
		if code := del(role, byTrainer); code != http.StatusForbidden {
			t.Errorf("delete as %s: %d, want 403", role, code)
		}
		c := ts.client(t, role)
		if resp, _ := do(t, c, "GET", ts.http.URL+"/exams/new", "", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("form as %s: %d, want 403", role, resp.StatusCode)
		}
		if resp, _ := do(t, c, "POST", ts.http.URL+"/exams/custom/"+byTrainer+"/delete", "application/x-www-form-urlencoded", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("form delete as %s: %d, want 403", role, resp.StatusCode)
		}
		if _, page := do(t, c, "GET", ts.http.URL+"/exams", "", nil); strings.Contains(page, "/exams/new") || strings.Contains(page, "/delete") {
			t.Errorf("the exams page offers %s to create or delete", role)
		}
	}
	// A trainer may not delete what the administrator made, only their own.
	if code := del(store.Trainer, byAdmin); code != http.StatusForbidden {
		t.Errorf("trainer deletes the admin's: %d, want 403", code)
	}
	if code := del(store.Trainer, byTrainer); code != http.StatusNoContent {
		t.Errorf("trainer deletes their own: %d, want 204", code)
	}
	if code := del(store.Trainer, byTrainer); code != http.StatusNotFound {
		t.Errorf("delete twice: %d, want 404", code)
	}
	// The administrator may delete anyone's, also through the form.
	resp, _ := do(t, ts.client(t, store.Admin), "POST", ts.http.URL+"/exams/custom/"+byTrainer2+"/delete", "application/x-www-form-urlencoded", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("admin deletes the trainer's: %d, want 303", resp.StatusCode)
	}
	if code := del(store.Admin, byAdmin); code != http.StatusNoContent {
		t.Errorf("admin deletes their own: %d, want 204", code)
	}
	_, body := do(t, ts.client(t, store.Student), "GET", ts.http.URL+"/api/custom-exams", "", nil)
	if n := len(decode[struct{ CustomExams []store.CustomExam }](t, body).CustomExams); n != 0 {
		t.Errorf("%d custom exams left", n)
	}
	// A deleted exam can no longer be started.
	resp, _ = ts.postJSON(t, ts.client(t, store.Student), "/api/exams", `{"blueprint":"`+byAdmin+`"}`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("start a deleted exam: %d, want 400", resp.StatusCode)
	}
}
