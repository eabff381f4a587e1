// Letopis: signing in the browser with a key that never leaves it (DESIGN §4).
//
// The key is an Ed25519 key made by WebCrypto as non-extractable and kept in
// IndexedDB, one per person and browser. To sign a record the page asks the
// server to prepare its envelopes (/app/signed/{kind}/prepare), CHECKS that
// they say exactly what the person entered (and refuses to sign otherwise,
// saying why), signs each one, and sends them (/app/signed/{kind}).
//
//   LetopisSigning.ready()            -> Promise<bool>: a key of this person in
//                                        this browser, approved and in force
//   LetopisSigning.submit(kind, body) -> Promise<{events: [...]}>, or rejects
//                                        with a SigningError (.message, .reasons)
//
// Envelopes are RFC 8785 canonical JSON (JCS); the signing input is
// "letopis/event/v1\n" + JCS(envelope without "sigs"); an envelope after the
// first of its stream names the SHA-256 of the signed one before it (prev).
"use strict";
(() => {
  const DB_NAME = "letopis-keys";
  const STORE = "keys";
  const EVENT_DOMAIN = "letopis/event/v1\n";
  const PROOF_DOMAIN = "letopis/key-enrolment/v1";
  const ED25519 = { name: "Ed25519" };
  const utf8 = new TextEncoder();

  class SigningError extends Error {
    constructor(message, reasons = [], problem = null) {
      super(message);
      this.name = "SigningError";
      this.reasons = reasons;
      this.problem = problem;
    }
  }

  // -- canonical JSON, hashes, encodings ------------------------------------------

  // RFC 8785: keys sorted by UTF-16 code units (Array.prototype.sort), strings
  // and numbers as ECMAScript's JSON.stringify writes them.
  function canonical(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  const hex = (bytes) =>
    Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const keyIdOf = async (raw) => hex((await sha256(raw)).slice(0, 16));

  function requireCrypto() {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) {
      throw new SigningError(
        "Этот браузер не может подписывать: откройте Летопись по защищённому адресу (https://) в современном браузере."
      );
    }
  }

  // -- the key store (IndexedDB) ---------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "id" });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }

  async function inStore(mode, act) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = act(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  const recordId = (st) => `${st.school}/${st.login}`;

  // -- talking to the server -------------------------------------------------------

  function problemText(status, problem) {
    if (!problem) return `сервер ответил ${status}`;
    const lines = [problem.detail || problem.title || `ошибка ${status}`];
    for (const e of problem.errors || []) lines.push(`${e.field}: ${e.detail}`);
    return lines.join("; ");
  }

  async function call(method, url, payload, csrf, headers = {}) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...headers },
    };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(payload);
    }
    const answer = await fetch(url, options);
    let data = null;
    try {
      data = await answer.json();
    } catch (_) {
      data = null;
    }
    if (!answer.ok) {
      throw new SigningError(`Сервер отказал: ${problemText(answer.status, data)}`, [], data);
    }
    return data;
  }

  const state = () => call("GET", "/app/keys/state");

  async function localKey(st) {
    requireCrypto();
    const current = st || (await state());
    return (await inStore("readonly", (s) => s.get(recordId(current)))) || null;
  }

  async function ready() {
    try {
      const st = await state();
      const local = await localKey(st);
      return !!local && st.keys.some((k) => k.key === local.keyId && k.state === "active");
    } catch (_) {
      return false;
    }
  }

  // -- enrolling a key -------------------------------------------------------------

  async function enrol(device) {
    requireCrypto();
    const st = await state();
    const label = String(device).split(/\s+/).filter(Boolean).join(" ");
    const pair = await crypto.subtle.generateKey(ED25519, false, ["sign", "verify"]);
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const keyId = await keyIdOf(raw);
    const statement = [PROOF_DOMAIN, st.origin, st.login, st.staff, keyId, label].join("\n");
    const proof = await crypto.subtle.sign(ED25519, pair.privateKey, utf8.encode(statement));
    const answer = await call(
      "POST",
      "/app/keys/enrol",
      { public_key: hex(raw), device: label, proof: base64(proof) },
      st.csrf
    );
    const record = { id: recordId(st), keyId, publicKey: hex(raw), device: label, pair, made: new Date().toISOString() };
    await inStore("readwrite", (s) => s.put(record));
    return answer;
  }

  // -- checking what the server prepared -------------------------------------------

  const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

  // Strings are compared as the server keeps them: trimmed (record bodies
  // strip blanks), ids in lower case, numbers as their text ("2" is 2).
  function norm(value) {
    if (typeof value === "number") return String(value);
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    return UUID.test(trimmed) ? trimmed.toLowerCase() : trimmed;
  }

  // Whether `data` says what `wanted` says: every field of `wanted` with an
  // equal value (objects: their fields, recursively; lists: item by item).
  function says(data, wanted) {
    if (wanted === null || wanted === undefined) return data === null || data === undefined;
    if (Array.isArray(wanted)) {
      return Array.isArray(data) && data.length === wanted.length && wanted.every((w, i) => says(data[i], w));
    }
    if (typeof wanted === "object") {
      return data !== null && typeof data === "object" && Object.keys(wanted).every((k) => says(data[k], wanted[k]));
    }
    return norm(data) === norm(wanted);
  }

  const shown = (v) => (v === null || v === undefined ? "—" : typeof v === "string" ? `«${v}»` : JSON.stringify(v));

  const LESSON = "journal.LessonHeld";
  const MARK = "journal.MarkRecorded";
  const ABSENCE = "journal.AbsenceRecorded";
  const LESSON_FIELDS = [
    ["class_id", "класс", null],
    ["subject", "предмет", null],
    ["day", "дата", null],
    ["number", "номер урока", 1],
    ["topic", "тема", null],
    ["homework", "домашнее задание", ""],
    ["subgroup", "подгруппа", null],
  ];

  function tally(items, keyOf) {
    const counts = new Map();
    for (const item of items) {
      const key = keyOf(item);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    return counts;
  }

  function compareEntries(what, wanted, made, p) {
    const want = tally(wanted, (x) => x);
    const got = tally(made, (x) => x);
    for (const [key, n] of want) {
      const m = got.get(key) || 0;
      if (m < n) p.push(`${what} ${key}: в форме есть, в подготовленных записях нет`);
    }
    for (const [key, m] of got) {
      const n = want.get(key) || 0;
      if (m > n) p.push(`${what} ${key}: в подготовленных записях есть, в форме нет`);
    }
  }

  function checkLessonSheet(body, envelopes, me) {
    const p = [];
    const marks = body.marks || [];
    const absences = body.absences || [];
    const expected = 1 + marks.length + absences.length;
    if (envelopes.length !== expected) {
      p.push(`подготовлено записей: ${envelopes.length}, а в форме ${expected} (урок, отметок ${marks.length}, пропусков ${absences.length})`);
    }
    const held = envelopes[0];
    if (!held || held.type !== LESSON) {
      p.push("первая подготовленная запись — не урок (journal.LessonHeld)");
      return p;
    }
    for (const [field, name, byDefault] of LESSON_FIELDS) {
      const wanted = body[field] === undefined ? byDefault : body[field];
      if (!says(held.data[field], wanted)) {
        p.push(`${name}: в форме ${shown(wanted)}, в подготовленной записи ${shown(held.data[field])}`);
      }
    }
    const rest = envelopes.slice(1);
    for (const e of envelopes) {
      if (e.stream !== held.stream) p.push(`запись ${e.type} относится к другому уроку (${e.stream})`);
      if (me.staff && e.data && e.data.teacher !== undefined && norm(e.data.teacher) !== norm(me.staff)) {
        p.push(`запись ${e.type} подписывается не от вашего имени (учитель ${e.data.teacher})`);
      }
    }
    for (const e of rest) {
      if (e.type !== MARK && e.type !== ABSENCE) p.push(`лишняя запись: ${e.type}`);
    }
    const markKey = (pupil, mark, work) => `${norm(pupil)} «${norm(mark)}» (${norm(work)})`;
    compareEntries(
      "отметка",
      marks.map((m) => markKey(m.pupil, m.mark, m.work_type)),
      rest.filter((e) => e.type === MARK).map((e) => markKey(e.data.pupil, e.data.mark, e.data.work_type)),
      p
    );
    const absenceKey = (pupil, kind) => `${norm(pupil)} «${norm(kind || "н")}»`;
    compareEntries(
      "пропуск",
      absences.map((a) => absenceKey(a.pupil, a.kind)),
      rest.filter((e) => e.type === ABSENCE).map((e) => absenceKey(e.data.pupil, e.data.kind)),
      p
    );
    return p;
  }

  function checkGeneric(body, envelopes) {
    const p = [];
    for (const [field, wanted] of Object.entries(body || {})) {
      if (wanted === null || wanted === undefined) continue;
      if (!envelopes.some((e) => e.data && field in e.data && says(e.data[field], wanted))) {
        p.push(`поле «${field}»: в подготовленных записях нет значения ${shown(wanted)}`);
      }
    }
    return p;
  }

  // The reasons not to sign `envelopes` for `body` (none: they say exactly it).
  // `me`: {staff, origin} of the signed-in person (GET /app/keys/state).
  function check(kind, body, envelopes, me = {}) {
    if (!Array.isArray(envelopes) || envelopes.length === 0) return ["сервер не подготовил ни одной записи"];
    const p = [];
    for (const e of envelopes) {
      if (me.origin && e.log !== me.origin) p.push(`запись для чужого журнала (${e.log})`);
      if (Array.isArray(e.sigs) && e.sigs.length) p.push("подготовленная запись уже подписана кем-то");
    }
    return p.concat(kind === "lesson-sheet" ? checkLessonSheet(body, envelopes, me) : checkGeneric(body, envelopes));
  }

  // -- signing ---------------------------------------------------------------------

  async function signAll(prepared, local) {
    const signedLast = {};
    const signed = [];
    for (const template of prepared) {
      const envelope = { ...template };
      if (envelope.seq > 1 && envelope.prev === null) {
        const before = signedLast[envelope.stream];
        if (!before) throw new SigningError("Подготовленные записи идут не по порядку: подписывать нельзя.");
        envelope.prev = "sha256:" + hex(await sha256(utf8.encode(canonical(before))));
      }
      const unsigned = { ...envelope };
      delete unsigned.sigs;
      const message = utf8.encode(EVENT_DOMAIN + canonical(unsigned));
      const signature = await crypto.subtle.sign(ED25519, local.pair.privateKey, message);
      envelope.sigs = [{ key: local.keyId, alg: "ed25519", sig: base64(signature) }];
      signedLast[envelope.stream] = envelope;
      signed.push(envelope);
    }
    return signed;
  }

  // Check `prepared` against `body`, then sign it; nothing is sent.
  async function sign(kind, body, prepared, local, me) {
    const reasons = check(kind, body, prepared, me);
    if (reasons.length) {
      // the reasons are in the message too: a page that shows only the
      // message still says why
      throw new SigningError(
        `Подпись отменена: сервер подготовил не то, что введено в форму (${reasons.join("; ")}). ` +
          "Ничего не подписано и не записано.",
        reasons
      );
    }
    return signAll(prepared, local);
  }

  const STATE_TEXT = {
    pending: "Ключ этого браузера ещё не подтверждён заместителем директора или директором.",
    declined: "Ключ этого браузера не подтверждён (заявка отклонена): создайте новый.",
    expired: "Заявка на ключ этого браузера просрочена: создайте ключ заново.",
    revoked: "Ключ этого браузера отозван: создайте новый на странице «Ключи подписи».",
    ended: "Срок действия ключа этого браузера истёк: создайте новый.",
  };

  async function usableKey(st) {
    const local = await localKey(st);
    if (!local) {
      throw new SigningError("В этом браузере нет вашего ключа подписи: создайте его на странице «Ключи подписи».");
    }
    const known = st.keys.find((k) => k.key === local.keyId);
    if (!known || known.state !== "active") {
      throw new SigningError(STATE_TEXT[known ? known.state : "revoked"] || "Ключ этого браузера сейчас не действует.");
    }
    return local;
  }

  const idempotencyKey = () => "web-" + hex(crypto.getRandomValues(new Uint8Array(16)));

  async function submit(kind, body) {
    requireCrypto();
    const st = await state();
    const local = await usableKey(st);
    const path = "/app/signed/" + encodeURIComponent(kind);
    const prepared = await call("POST", path + "/prepare", { key: local.keyId, body }, st.csrf);
    const envelopes = await sign(kind, body, prepared.envelopes, local, st);
    return call("POST", path, { body, envelopes }, st.csrf, { "Idempotency-Key": idempotencyKey() });
  }

  // Show a SigningError (or any error) in `container`: the message, then why.
  function show(container, error) {
    container.replaceChildren();
    const lead = document.createElement("p");
    lead.textContent = error.message || String(error);
    container.append(lead);
    if (error.reasons && error.reasons.length) {
      const list = document.createElement("ul");
      for (const reason of error.reasons) {
        const item = document.createElement("li");
        item.textContent = reason;
        list.append(item);
      }
      container.append(list);
    }
    container.hidden = false;
  }

  async function forget() {
    const st = await state();
    await inStore("readwrite", (s) => s.delete(recordId(st)));
  }

  window.LetopisSigning = { ready, submit, enrol, check, sign, state, localKey, forget, show, canonical, SigningError };
})();
