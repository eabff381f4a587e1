// Letopis: the journal page's keyboard entry and the lesson sheet's body.
// The page works without this file (a plain form); with it:
//  - typing a mark that is complete moves to the next pupil's mark;
//  - Tab goes through the cells in order, arrows move between rows and
//    controls (in a work type list up and down choose the work type), Enter
//    goes one row down instead of sending the form;
//  - "Вид работы для всех" sets every row's work type;
//  - if the browser holds the teacher's own key (window.LetopisSigning, the
//    browser-key page's script), the lesson is signed here and sent through
//    it; otherwise the form is posted and the server signs (custodial).
// window.LetopisJournal.bodyOf(form) gives the exact JSON body of
// POST /lesson-sheets for the new-lesson form (the server reads the same
// fields the same way: api/server/web/journal_sheet.py, body_of).
"use strict";
(() => {
  const MARK = /^marks\.(\d+)\.mark$/;
  const ABSENT = /^absences\.(\d+)\.pupil$/;

  function byIndex(entries, pattern) {
    return entries
      .map(([name, value]) => [pattern.exec(name), value])
      .filter(([m]) => m)
      .map(([m, value]) => [Number(m[1]), value])
      .sort((a, b) => a[0] - b[0]);
  }

  function bodyOf(form) {
    const seen = new Map();
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value === "string" && !seen.has(name)) seen.set(name, value);
    }
    const get = (name) => seen.get(name) || "";
    const entries = [...seen.entries()];
    const number = get("number").trim();
    return {
      class_id: get("class_id"),
      subject: get("subject"),
      subgroup: get("subgroup") || null,
      day: get("day"),
      number: /^[0-9]+$/.test(number) ? parseInt(number, 10) : number,
      topic: get("topic").trim(),
      homework: get("homework").trim(),
      marks: byIndex(entries, MARK)
        .filter(([, mark]) => mark.trim() !== "")
        .map(([i, mark]) => ({
          pupil: get(`marks.${i}.pupil`),
          mark: mark.trim(),
          work_type: get(`marks.${i}.work_type`),
        })),
      absences: byIndex(entries, ABSENT).map(([, pupil]) => ({ pupil })),
    };
  }

  window.LetopisJournal = { bodyOf };

  // -- moving between cells --------------------------------------------------

  function rowsOf(form) {
    return [...form.querySelectorAll("table.journal-grid tbody tr")]
      .map((tr) => [...tr.querySelectorAll("td.new input:not([type=hidden]), td.new select")])
      .filter((controls) => controls.length > 0);
  }

  function place(form, control) {
    const rows = rowsOf(form);
    for (let r = 0; r < rows.length; r++) {
      const c = rows[r].indexOf(control);
      if (c >= 0) return { rows, r, c };
    }
    return null;
  }

  function focus(control) {
    if (!control) return;
    control.focus();
    if (control.select && control.type === "text") control.select();
  }

  function move(form, control, dRow, dCol) {
    const at = place(form, control);
    if (!at) return false;
    if (dRow !== 0) {
      const row = at.rows[at.r + dRow];
      if (!row) return false;
      focus(row[Math.min(at.c, row.length - 1)]);
      return true;
    }
    const row = at.rows[at.r];
    const c = at.c + dCol;
    if (c >= 0 && c < row.length) {
      focus(row[c]);
      return true;
    }
    // past the row's end: the next row's first control, or the previous row's last
    const next = at.rows[at.r + dCol];
    if (!next) return false;
    focus(dCol > 0 ? next[0] : next[next.length - 1]);
    return true;
  }

  function atEdge(input, toStart) {
    if (input.type !== "text") return true;
    const { selectionStart: s, selectionEnd: e, value } = input;
    return toStart ? s === 0 && e === 0 : s === value.length && e === value.length;
  }

  function onKey(form, event) {
    const control = event.target;
    if (!control.closest || !control.closest("td.new")) return;
    // in a work type list, up and down choose the kind of work (as in any list)
    const vertical = control.tagName !== "SELECT";
    let moved = false;
    if (event.key === "Enter") {
      move(form, control, 1, 0);
      moved = true; // a row down; the form is sent by its button only
    } else if (event.key === "ArrowDown" && vertical) {
      moved = move(form, control, 1, 0);
    } else if (event.key === "ArrowUp" && vertical) {
      moved = move(form, control, -1, 0);
    } else if (event.key === "ArrowRight" && atEdge(control, false)) {
      moved = move(form, control, 0, 1);
    } else if (event.key === "ArrowLeft" && atEdge(control, true)) {
      moved = move(form, control, 0, -1);
    }
    if (moved) event.preventDefault();
  }

  // -- typing a mark moves on ------------------------------------------------

  function onInput(form, marks, event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("mark")) return;
    const typed = input.value.trim().toLowerCase();
    if (!typed) return;
    const fits = marks.filter((m) => m.toLowerCase().startsWith(typed));
    if (fits.length !== 1) return;
    input.value = fits[0];
    const at = place(form, input);
    const next = at && at.rows[at.r + 1];
    if (next) focus(next[0]);
  }

  // -- signing in the browser, when the teacher holds a key here --------------

  function say(form, text, refused) {
    const status = form.querySelector("#sign-status");
    if (!status) return;
    status.hidden = false;
    status.textContent = text;
    status.classList.toggle("refused", refused);
  }

  async function onSubmit(form, event) {
    const signing = window.LetopisSigning;
    if (!signing || typeof signing.ready !== "function") return; // post the form
    event.preventDefault();
    let ready = false;
    try {
      ready = await signing.ready();
    } catch (e) {
      ready = false;
    }
    if (!ready) {
      HTMLFormElement.prototype.submit.call(form); // the server signs
      return;
    }
    say(form, "Подписываем урок ключом этого браузера…", false);
    try {
      await signing.submit("lesson-sheet", bodyOf(form));
      say(form, "Урок подписан ключом этого браузера и записан.", false);
      window.location.assign(window.location.pathname + window.location.search);
    } catch (e) {
      // a refusal (the server's rules, or the page's own check of what it
      // would sign): its message and reasons; nothing was written
      const status = form.querySelector("#sign-status");
      if (status && typeof signing.show === "function") {
        signing.show(status, e);
        status.classList.add("refused");
      } else {
        say(form, "Урок не сохранён: " + (e && e.message ? e.message : String(e)), true);
      }
      form.dataset.sent = "";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("lesson-form");
    if (!form) return;
    const marks = (form.dataset.marks || "").split("|").filter(Boolean);
    form.addEventListener("keydown", (e) => onKey(form, e));
    form.addEventListener("input", (e) => onInput(form, marks, e));
    form.addEventListener("submit", (e) => onSubmit(form, e));
    const all = form.querySelector("[data-all-work-types]");
    if (all) {
      all.addEventListener("change", () => {
        for (const s of form.querySelectorAll("select.work")) s.value = all.value;
      });
    }
    // the latest lessons and the new-lesson column in view
    const wrap = document.querySelector(".grid-wrap");
    if (wrap) wrap.scrollLeft = wrap.scrollWidth;
  });
})();
