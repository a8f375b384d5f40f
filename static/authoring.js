// Chartcode authoring editor. The Markdown textarea is the one source the form submits; this
// script adds the live check (the server renders the preview and lists the problems), a way from
// a problem to its line, and a form view of the front matter that writes every change back into
// the Markdown. Server data reaches the page through textContent, except the preview, which is
// HTML the server rendered from sanitized Markdown with html/template.
(function () {
  "use strict";

  var root = document.getElementById("editor");
  if (!root) return;

  var form = document.getElementById("editor-form");
  var ta = document.getElementById("markdown");
  var self = root.getAttribute("data-self") || "";
  var previewBox = document.getElementById("preview");
  var countEl = document.getElementById("problem-count");
  var listEl = document.getElementById("problem-list");
  var badge = document.getElementById("problem-badge");
  var caretEl = document.getElementById("caret-pos");
  var formView = document.getElementById("form-view");
  var mdView = document.getElementById("markdown-view");
  var fields = document.getElementById("form-fields");
  var note = document.getElementById("form-note");
  var toggle = document.getElementById("mode-toggle");
  var fBody = document.getElementById("f-body");
  var fRationale = document.getElementById("f-rationale");

  var mode = "markdown";
  var dirty = false, submitting = false;

  // --- The live check: preview and problems --------------------------------------------------

  var timer = null, seq = 0, lastProblems = null, lastHTML = null;

  function countText(n) {
    if (n === 0) return "No problems: ready to publish";
    return n === 1 ? "1 problem" : n + " problems";
  }

  function problemButton(line, text) {
    var li = document.createElement("li");
    var b = document.createElement("button");
    b.type = "button";
    b.className = "problem";
    b.setAttribute("data-line", String(line));
    b.textContent = text;
    b.title = line > 0 ? "Go to line " + line : "";
    li.appendChild(b);
    return li;
  }

  function setBadge(n) {
    badge.textContent = n === 0 ? "No problems" : countText(n);
    badge.className = "problem-badge " + (n === 0 ? "no-problems" : "has-problems");
  }

  function showProblems(list) {
    var key = JSON.stringify(list);
    if (key === lastProblems) return;
    lastProblems = key;
    countEl.textContent = countText(list.length);
    countEl.className = "problem-count " + (list.length ? "has-problems" : "no-problems");
    setBadge(list.length);
    listEl.textContent = "";
    list.forEach(function (p) {
      listEl.appendChild(problemButton(p.line, "line " + p.line + ": " + p.message));
    });
  }

  function showFailure(msg) {
    lastProblems = null;
    countEl.textContent = msg;
    countEl.className = "problem-count is-stale";
    badge.textContent = "Not checked";
    badge.className = "problem-badge is-stale";
  }

  function check() {
    var mine = ++seq;
    root.classList.add("is-checking");
    fetch("/api/authoring/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ markdown: ta.value, self: self })
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) throw new Error("your session has ended: sign in again in another tab");
      if (!r.ok) throw new Error("the server answered " + r.status);
      return r.json();
    }).then(function (j) {
      if (mine !== seq) return;
      root.classList.remove("is-checking");
      showProblems(j.problems || []);
      var html = j.html || "";
      if (html !== lastHTML) {
        lastHTML = html;
        previewBox.innerHTML = html; // rendered by the server's html/template from sanitized Markdown
      }
    }).catch(function (e) {
      if (mine !== seq) return;
      root.classList.remove("is-checking");
      showFailure("Not checked: " + (e && e.message ? e.message : "network error") + ". Saving checks the item again.");
    });
  }

  function changed() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }

  // --- From a problem to its line --------------------------------------------------------------

  function lineStart(text, n) {
    var pos = 0;
    for (var i = 1; i < n; i++) {
      var k = text.indexOf("\n", pos);
      if (k < 0) return text.length;
      pos = k + 1;
    }
    return pos;
  }

  function showCaret() {
    var before = ta.value.slice(0, ta.selectionStart);
    var line = before.split("\n").length;
    var col = before.length - before.lastIndexOf("\n");
    caretEl.textContent = "Line " + line + ", column " + col;
  }

  function goToLine(n) {
    if (mode === "form" && focusFieldForLine(n)) return;
    if (mode !== "markdown") setMode("markdown");
    var start = lineStart(ta.value, Math.max(1, n));
    var lh = parseFloat(window.getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (n - 4) * lh);
    ta.focus();
    ta.setSelectionRange(start, start);
    showCaret();
  }

  listEl.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-line]");
    if (b) goToLine(parseInt(b.getAttribute("data-line"), 10) || 1);
  });

  // --- A small reader and writer for the front matter ------------------------------------------
  // It reads what the library's files use — key: value, quoted strings, flow lists [a, b], block
  // lists and the choices mapping — and refuses the rest (block text, anchors, nested maps), for
  // which the form stays disabled. It edits one field's lines at a time, so comments, the order
  // of fields and fields the form does not show are kept.

  function Complex(msg) { this.message = msg; }

  var BLANK = /^\s*(#.*)?$/;

  // split cuts the Markdown into the front matter's lines and the rest.
  function split(text) {
    var lines = text.split("\n");
    if (!/^---[ \t]*$/.test(lines[0])) return null;
    for (var i = 1; i < lines.length; i++) {
      if (/^---[ \t]*$/.test(lines[i])) {
        return { open: lines[0], front: lines.slice(1, i), close: lines[i], rest: lines.slice(i + 1).join("\n") };
      }
    }
    return null;
  }

  function join(sp) {
    return sp.open + "\n" + sp.front.join("\n") + (sp.front.length ? "\n" : "") + sp.close + "\n" + sp.rest;
  }

  function restAfter(s, i, what) {
    if (!/^\s*(#.*)?$/.test(s.slice(i))) throw new Complex(what + " has text after its closing quote");
  }

  // readQuoted reads a quoted string starting at s[i]; it returns the value and the next index.
  function readQuoted(s, i, what) {
    var q = s.charAt(i), out = "";
    for (var j = i + 1; j < s.length; j++) {
      var c = s.charAt(j);
      if (q === "'" && c === "'") {
        if (s.charAt(j + 1) === "'") { out += "'"; j++; continue; }
        return { value: out, next: j + 1 };
      }
      if (q === '"' && c === '"') return { value: out, next: j + 1 };
      if (q === '"' && c === "\\") {
        var e = s.charAt(++j);
        var map = { n: "\n", t: "\t", r: "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " " };
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.substr(j + 1, 4))) { out += String.fromCharCode(parseInt(s.substr(j + 1, 4), 16)); j += 4; continue; }
        if (!(e in map)) throw new Complex(what + " uses the escape \\" + e);
        out += map[e];
        continue;
      }
      out += c;
    }
    throw new Complex(what + " has a quote that does not close on its line");
  }

  function scalar(raw, what) {
    raw = raw.trim();
    if (raw === "") return "";
    var c = raw.charAt(0);
    if (c === '"' || c === "'") {
      var r = readQuoted(raw, 0, what);
      restAfter(raw, r.next, what);
      return r.value;
    }
    if ("[]{}&*!|>%@`".indexOf(c) >= 0) throw new Complex(what + " uses YAML the form does not read");
    var k = raw.search(/\s#/);
    if (k >= 0) raw = raw.slice(0, k).trim();
    if (/:(\s|$)/.test(raw)) throw new Complex(what + " holds a colon followed by a space: quote it");
    return raw;
  }

  function flowList(raw, what) {
    var out = [], i = 1, s = raw;
    function ws() { while (i < s.length && /\s/.test(s.charAt(i))) i++; }
    ws();
    if (s.charAt(i) === "]") { restAfter(s, i + 1, what); return out; }
    for (;;) {
      ws();
      var c = s.charAt(i);
      if (c === '"' || c === "'") {
        var r = readQuoted(s, i, what);
        out.push(r.value);
        i = r.next;
      } else {
        var start = i;
        while (i < s.length && ",]".indexOf(s.charAt(i)) < 0) {
          if ("[{#".indexOf(s.charAt(i)) >= 0) throw new Complex(what + " is a list the form does not read");
          i++;
        }
        var item = s.slice(start, i).trim();
        if (item === "" || /:(\s|$)/.test(item)) throw new Complex(what + " is a list the form does not read");
        out.push(item);
      }
      ws();
      c = s.charAt(i);
      if (c === ",") { i++; continue; }
      if (c === "]") { restAfter(s, i + 1, what); return out; }
      throw new Complex(what + " is a list that does not close on its line");
    }
  }

  function value(raw, what) {
    return raw.charAt(0) === "[" ? flowList(raw, what) : scalar(raw, what);
  }

  // parseFront reads the front matter's lines into entries {key, value, start, end} (line
  // indexes in front, end exclusive).
  function parseFront(lines) {
    var entries = [], byKey = {}, i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (BLANK.test(line)) { i++; continue; }
      var m = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?[ \t]*$/.exec(line);
      if (!m) throw new Complex("line " + (i + 2) + " is not a simple \"field: value\"");
      var key = m[1], raw = (m[2] || "").trim(), start = i, sub = [];
      if (byKey[key]) throw new Complex("the field " + key + " is given twice");
      i++;
      while (i < lines.length && (BLANK.test(lines[i]) || /^[ \t]/.test(lines[i]) || (raw === "" && /^-(\s|$)/.test(lines[i])))) {
        sub.push(lines[i]);
        i++;
      }
      while (sub.length && BLANK.test(sub[sub.length - 1])) { sub.pop(); i--; }
      var content = sub.filter(function (l) { return !BLANK.test(l); });
      var v;
      if (raw !== "" && raw.charAt(0) !== "#") {
        if (content.length) throw new Complex(key + " goes on over several lines");
        v = value(raw, key);
      } else if (content.length === 0) {
        v = "";
      } else if (content.every(function (l) { return /^\s*-(\s|$)/.test(l); })) {
        v = content.map(function (l) {
          var item = l.replace(/^\s*-\s?/, "");
          if (/^\s*[[{]/.test(item)) throw new Complex(key + " is a list of lists or mappings");
          return scalar(item, key);
        });
      } else {
        var map = {}, keys = [], indent = null;
        content.forEach(function (l) {
          var mm = /^(\s+)("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)[ \t]*:(?:[ \t]+(.*))?$/.exec(l);
          if (!mm) throw new Complex(key + " uses YAML the form does not read");
          if (indent !== null && mm[1] !== indent) throw new Complex(key + " is nested more than one level");
          indent = mm[1];
          var k = mm[2].replace(/^["']|["']$/g, "");
          if (mm[3] === undefined || mm[3].trim() === "") throw new Complex(key + ": " + k + " has no value on its line");
          map[k] = scalar(mm[3], key + " " + k);
          keys.push(k);
        });
        map.__keys = keys;
        v = map;
      }
      var e = { key: key, value: v, start: start, end: i };
      entries.push(e);
      byKey[key] = e;
    }
    return { entries: entries, byKey: byKey };
  }

  // splitBody cuts what follows the front matter at the first "## Rationale" heading (outside
  // code fences), as the loader does.
  function splitBody(rest) {
    var lines = rest.split("\n"), fence = null;
    for (var i = 0; i < lines.length; i++) {
      var f = /^ {0,3}(`{3,}|~{3,})/.exec(lines[i]);
      if (f) {
        if (fence === null) fence = f[1].charAt(0);
        else if (f[1].charAt(0) === fence) fence = null;
        continue;
      }
      if (fence === null && /^ {0,3}##[ \t]+rationale[ \t]*#*[ \t]*$/i.test(lines[i])) {
        return { body: trimLines(lines.slice(0, i)), heading: lines[i], rationale: trimLines(lines.slice(i + 1)), bodyLines: i, has: true };
      }
    }
    return { body: trimLines(lines), heading: "## Rationale", rationale: "", bodyLines: lines.length, has: false };
  }

  function trimLines(lines) {
    return lines.join("\n").replace(/^\s*\n/, "").replace(/\s+$/, "");
  }

  // --- Writing YAML ----------------------------------------------------------------------------

  function quote(s) {
    return '"' + String(s).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t") + '"';
  }

  // plain writes s without quotes when YAML reads it back as the same string.
  function plain(s) {
    s = String(s);
    if (/^[A-Za-z0-9][A-Za-z0-9 ._\/-]*$/.test(s) && !/\s$/.test(s) &&
        !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(s) && !/^[0-9.]+$/.test(s)) return s;
    return quote(s);
  }

  function flow(list) { return "[" + list.map(plain).join(", ") + "]"; }

  var ORDER = ["id", "type", "title", "credentials", "section", "setting", "difficulty", "mode", "diagnoses", "procedures",
    "references", "tags", "choices", "answer", "items", "seconds", "speed_points", "streaks", "leaderboard"];
  var LETTERS = ["A", "B", "C", "D", "E", "F"];

  // serialize returns the lines of a field; none removes it.
  function serialize(key, v) {
    switch (key) {
    case "id": case "type":
      return [key + ": " + plain(v)];
    case "difficulty": case "seconds":
      if (v === "") return [key + ": "];
      return [key + ": " + (/^\d+$/.test(v) ? v : quote(v))];
    case "title": case "section": case "setting":
      return [key + ": " + quote(v)];
    case "diagnoses": case "procedures": case "mode":
      return v === "" ? [] : [key + ": " + quote(v)];
    case "credentials": case "items":
      return [key + ": " + flow(v)];
    case "tags":
      return v.length ? [key + ": " + flow(v)] : [];
    case "references":
      if (!v.length) return [key + ": []"];
      return [key + ":"].concat(v.map(function (r) { return "  - " + quote(r); }));
    case "speed_points": case "streaks": case "leaderboard":
      return [key + ": " + (v ? "true" : "false")];
    case "choices":
      var last = -1;
      LETTERS.forEach(function (l, i) { if (v[l]) last = i; });
      var out = [key + ":"];
      for (var i = 0; i <= Math.max(last, 3); i++) out.push("  " + LETTERS[i] + ": " + quote(v[LETTERS[i]] || ""));
      return out;
    case "answer":
      if (typeof v === "string") return v ? [key + ": " + v] : [];
      return v.length ? [key + ": " + flow(v)] : [];
    }
    return [key + ": " + quote(v)];
  }

  // writeKey puts a field's new lines into the Markdown in place of its old ones.
  function writeKey(key, v) {
    var sp = split(ta.value);
    if (!sp) return;
    var model;
    try { model = parseFront(sp.front); } catch (e) { disableForm(e.message); return; }
    var lines = serialize(key, v), e = model.byKey[key];
    if (e) {
      sp.front.splice.apply(sp.front, [e.start, e.end - e.start].concat(lines));
    } else if (lines.length) {
      var at = null, pos = ORDER.indexOf(key);
      for (var i = pos - 1; i >= 0 && at === null; i--) if (model.byKey[ORDER[i]]) at = model.byKey[ORDER[i]].end;
      for (var j = pos + 1; j < ORDER.length && at === null; j++) if (model.byKey[ORDER[j]]) at = model.byKey[ORDER[j]].start;
      if (at === null) at = model.entries.length ? model.entries[model.entries.length - 1].end : sp.front.length;
      sp.front.splice.apply(sp.front, [at, 0].concat(lines));
    }
    ta.value = join(sp);
    changed();
  }

  function writeBody() {
    var sp = split(ta.value);
    if (!sp) return;
    var b = splitBody(sp.rest);
    var body = fBody.value.replace(/\s+$/, ""), rest = "\n" + body + "\n";
    if (currentType !== "quiz" && currentType !== "exam") {
      rest += "\n" + b.heading + "\n\n" + fRationale.value.replace(/\s+$/, "") + "\n";
    }
    sp.rest = rest;
    ta.value = join(sp);
    changed();
  }

  // --- The form view ---------------------------------------------------------------------------

  var FORM_TYPES = { "case": true, "choice": true, "multi": true, "quiz": true };
  var SCALARS = ["id", "type", "title", "section", "setting", "difficulty", "diagnoses", "procedures", "mode", "seconds",
    "speed_points", "streaks", "leaderboard"];
  var LISTS = ["credentials", "references", "tags", "items"];
  var currentType = "";

  function byKey(key) { return fields.querySelectorAll('[data-key="' + key + '"]'); }

  function setSelect(sel, v) {
    Array.prototype.forEach.call(sel.querySelectorAll("option[data-extra]"), function (o) { o.remove(); });
    var found = Array.prototype.some.call(sel.options, function (o) { return o.value === v; });
    if (!found && v !== "") {
      var o = document.createElement("option");
      o.value = v;
      o.textContent = v + " (not a known value)";
      o.setAttribute("data-extra", "");
      sel.appendChild(o);
    }
    sel.value = v;
  }

  function disableForm(msg) {
    fields.disabled = true;
    fields.hidden = true; // empty fields would only mislead
    note.hidden = false;
    note.textContent = "The form cannot show this item (" + msg + "): edit as Markdown.";
  }

  function showTypes(type) {
    Array.prototype.forEach.call(fields.querySelectorAll("[data-types]"), function (el) {
      el.hidden = el.getAttribute("data-types").split(" ").indexOf(type) < 0;
    });
    Array.prototype.forEach.call(fields.querySelectorAll("[data-answer]"), function (inp) {
      inp.type = type === "choice" ? "radio" : "checkbox";
      if (type === "choice") inp.name = "f-answer"; else inp.removeAttribute("name");
      inp.setAttribute("form", "no-such-form"); // a field of the view, never submitted: the Markdown is
    });
  }

  // fillForm reads the Markdown into the fields; false when the form cannot show it.
  function fillForm() {
    fields.disabled = false;
    fields.hidden = false;
    note.hidden = true;
    note.textContent = "";
    var sp = split(ta.value), model;
    if (!sp) { disableForm("it does not start with a front matter between two --- lines"); return false; }
    try {
      model = parseFront(sp.front);
      SCALARS.forEach(function (k) {
        var e = model.byKey[k];
        if (e && typeof e.value !== "string") throw new Complex(k + " should be one value, not a list");
      });
      LISTS.forEach(function (k) {
        var e = model.byKey[k];
        if (e && typeof e.value === "object" && !Array.isArray(e.value)) throw new Complex(k + " should be a list");
      });
      var ch = model.byKey.choices;
      if (ch && ch.value !== "" && (typeof ch.value !== "object" || Array.isArray(ch.value))) throw new Complex("choices should map letters to texts");
      if (ch && typeof ch.value === "object") {
        ch.value.__keys.forEach(function (k) { if (LETTERS.indexOf(k) < 0) throw new Complex("choice " + k + " is not a letter from A to F"); });
      }
    } catch (e) {
      if (!(e instanceof Complex)) throw e;
      disableForm(e.message);
      return false;
    }
    function get(k) { var e = model.byKey[k]; return e ? e.value : ""; }
    function list(k) { var v = get(k); return Array.isArray(v) ? v : v === "" ? [] : [v]; }
    var type = get("type");
    currentType = type;
    document.getElementById("f-type").textContent = type || "(none)";
    if (!FORM_TYPES[type]) {
      disableForm(type ? "the form handles cases, questions and quizzes; this is a " + type : "it has no type");
      return false;
    }
    showTypes(type);
    document.getElementById("f-id").value = get("id");
    document.getElementById("f-title").value = get("title");
    var creds = list("credentials");
    Array.prototype.forEach.call(byKey("credentials"), function (c) { c.checked = creds.indexOf(c.value) >= 0; });
    setSelect(document.getElementById("f-section"), get("section"));
    setSelect(document.getElementById("f-setting"), get("setting"));
    setSelect(document.getElementById("f-difficulty"), get("difficulty"));
    document.getElementById("f-references").value = list("references").join("\n");
    document.getElementById("f-tags").value = list("tags").join(", ");
    document.getElementById("f-diagnoses").value = get("diagnoses");
    document.getElementById("f-procedures").value = get("procedures");
    setSelect(document.getElementById("f-mode"), get("mode") || "practice");
    var choices = get("choices") || {}, answer = list("answer");
    LETTERS.forEach(function (l) {
      fields.querySelector('[data-choice="' + l + '"]').value = typeof choices === "object" && choices[l] ? choices[l] : "";
      fields.querySelector('[data-answer="' + l + '"]').checked = answer.indexOf(l) >= 0;
    });
    document.getElementById("f-items").value = list("items").join("\n");
    document.getElementById("f-seconds").value = get("seconds");
    ["speed_points", "streaks", "leaderboard"].forEach(function (k) {
      var box = byKey(k)[0], v = String(get(k)).toLowerCase();
      box.checked = v === "" ? box.getAttribute("data-default") === "true" : v === "true" || v === "yes" || v === "on";
    });
    var b = splitBody(sp.rest);
    fBody.value = b.body;
    fRationale.value = b.rationale;
    return true;
  }

  function splitList(s, sep) {
    return s.split(sep).map(function (x) { return x.trim(); }).filter(function (x) { return x !== ""; });
  }

  // currentList reads a list field from the Markdown as it is now.
  function currentList(key) {
    var sp = split(ta.value);
    try {
      var e = sp && parseFront(sp.front).byKey[key];
      if (!e) return [];
      return Array.isArray(e.value) ? e.value.slice() : typeof e.value === "string" && e.value !== "" ? [e.value] : [];
    } catch (err) {
      return [];
    }
  }

  function readField(key) {
    var els = byKey(key), el = els[0];
    switch (key) {
    case "credentials":
      // Keep the order the author wrote, and values the checkboxes do not offer; add new ones last.
      var known = Array.prototype.map.call(els, function (c) { return c.value; });
      var checked = Array.prototype.filter.call(els, function (c) { return c.checked; }).map(function (c) { return c.value; });
      var before = currentList("credentials").filter(function (c) { return known.indexOf(c) < 0 || checked.indexOf(c) >= 0; });
      return before.concat(checked.filter(function (c) { return before.indexOf(c) < 0; }));
    case "references": return splitList(el.value, /\n/);
    case "tags": return splitList(el.value, /,/);
    case "items": return splitList(el.value, /[\s,]+/);
    case "speed_points": case "streaks": case "leaderboard": return el.checked;
    case "mode": return el.value === "practice" ? "" : el.value;
    }
    return el.value.trim();
  }

  function writeChoices() {
    var v = {};
    LETTERS.forEach(function (l) { v[l] = fields.querySelector('[data-choice="' + l + '"]').value.trim(); });
    writeKey("choices", v);
    var picked = LETTERS.filter(function (l) { return fields.querySelector('[data-answer="' + l + '"]').checked; });
    writeKey("answer", currentType === "choice" ? (picked[0] || "") : picked);
  }

  function onField(ev) {
    if (mode !== "form" || fields.disabled) return;
    var t = ev.target;
    if (t.hasAttribute("data-part")) { writeBody(); return; }
    if (t.hasAttribute("data-choice") || t.hasAttribute("data-answer")) { writeChoices(); return; }
    var key = t.getAttribute("data-key");
    if (key) writeKey(key, readField(key));
  }
  fields.addEventListener("input", onField);
  fields.addEventListener("change", onField);

  // focusFieldForLine takes the person from a problem's line to its field in the form.
  function focusFieldForLine(n) {
    if (fields.disabled) return false;
    var sp = split(ta.value);
    if (!sp) return false;
    var target = null, model;
    try { model = parseFront(sp.front); } catch (e) { return false; }
    var idx = n - 2; // line 1 is the opening ---
    model.entries.forEach(function (e) {
      if (idx >= e.start && idx < Math.max(e.end, e.start + 1)) {
        if (e.key === "choices") {
          var letter = /^\s*"?([A-F])"?\s*:/.exec(sp.front[idx] || "");
          target = fields.querySelector('[data-choice="' + (letter ? letter[1] : "A") + '"]');
        } else if (e.key === "answer") {
          target = fields.querySelector("[data-answer]");
        } else {
          target = byKey(e.key)[0] || null;
        }
      }
    });
    if (!target && n > sp.front.length + 2) {
      var b = splitBody(sp.rest), restIdx = n - sp.front.length - 3; // the rest starts after the closing ---
      target = b.has && restIdx > b.bodyLines ? fRationale : fBody;
    }
    if (!target || target.closest("[hidden]")) return false;
    target.focus();
    return true;
  }

  // --- Switching views -------------------------------------------------------------------------

  function setMode(m) {
    if (m === "form") fillForm();
    mode = m;
    formView.hidden = m !== "form";
    mdView.hidden = m === "form";
    Array.prototype.forEach.call(toggle.querySelectorAll("[data-mode]"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-mode") === m ? "true" : "false");
    });
  }

  toggle.hidden = false;
  toggle.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-mode]");
    if (b && b.getAttribute("data-mode") !== mode) setMode(b.getAttribute("data-mode"));
  });

  // --- The Markdown textarea, the buttons ------------------------------------------------------

  ta.addEventListener("input", function () { changed(); showCaret(); });
  ["keyup", "click", "focus"].forEach(function (t) { ta.addEventListener(t, showCaret); });

  Array.prototype.forEach.call(form.querySelectorAll("[data-confirm]"), function (b) {
    b.addEventListener("click", function (ev) {
      if (!window.confirm(b.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  form.addEventListener("submit", function () { submitting = true; });

  document.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === "s" || ev.key === "S")) {
      ev.preventDefault();
      var save = form.querySelector('button[name="action"][value="save"]');
      if (form.requestSubmit) form.requestSubmit(save); else save.click();
    }
  });

  window.addEventListener("beforeunload", function (ev) {
    if (dirty && !submitting) { ev.preventDefault(); ev.returnValue = ""; }
  });

  // The server rendered the first check: turn its problems into buttons that go to their line.
  Array.prototype.forEach.call(listEl.querySelectorAll("li[data-line]"), function (li) {
    listEl.replaceChild(problemButton(parseInt(li.getAttribute("data-line"), 10) || 1, li.textContent.trim()), li);
  });
  setBadge(listEl.children.length);
  showCaret();
})();
