// Letopis: the proof of one entry checked in this browser, with WebCrypto only.
//
// The page (/app/proof/{entry}) carries, in <script type="application/json"
// id="proof-data">, the entry's stored bytes (its envelope), its RFC 6962
// inclusion proof (leafIdx, treeSize, leafHash, proof: the field names of the
// test vectors), the latest checkpoint's signed note and the log's public key
// (<name>+<hex key hash>+<base64(0x01 ‖ key)>), and what the page says the
// entry holds. check(data) does what verify/merkle.py and verify/note.py do:
//   1. the envelope is this entry, and says what the page shows;
//   2. leaf hash = SHA-256(0x00 ‖ envelope bytes) (RFC 6962 §2.1);
//   3. the audit path leads from the leaf to a root (RFC 9162 §2.1.3.2);
//   4. the checkpoint (C2SP tlog-checkpoint) is of this log, of this tree size,
//      and its root is that root;
//   5. the log key's signature on the checkpoint verifies (C2SP signed-note,
//      Ed25519; lines of other keys, such as witnesses', are ignored).
// Nothing here trusts what the server computed: the leaf hash and the root it
// sent are only compared with what the browser computes. The functions are on
// window.LetopisProof for the tests (tests/web/test_proof_browser.py).
"use strict";
(() => {
  class ProofError extends Error {}

  const SIZE_LIMIT = 2n ** 63n - 1n;
  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  function fromBase64(text, what) {
    if (typeof text !== "string" || !B64.test(text)) {
      throw new ProofError(`${what}: не стандартный base64`);
    }
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function toBase64(bytes) {
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  function equal(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  /** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf). */
  function leafHash(leaf) { return sha256(concat(Uint8Array.of(0), leaf)); }

  /** RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right). */
  function nodeHash(left, right) { return sha256(concat(Uint8Array.of(1), left, right)); }

  function requireHash(value, what) {
    if (!(value instanceof Uint8Array) || value.length !== 32) {
      const got = value instanceof Uint8Array ? value.length : 0;
      throw new ProofError(`${what}: ${got} байт, а хеш SHA-256 — 32 байта`);
    }
  }

  function bitLength(n) { return n === 0n ? 0 : n.toString(2).length; }
  function bitCount(n) { return [...n.toString(2)].filter((c) => c === "1").length; }

  function hashes(count) {
    const last = count % 10, tens = count % 100;
    if (last === 1 && tens !== 11) return `${count} хеш`;
    if (last >= 2 && last <= 4 && (tens < 12 || tens > 14)) return `${count} хеша`;
    return `${count} хешей`;
  }

  function wrongLength(index, size, proof) {
    const inner = bitLength(index ^ (size - 1n));
    const needed = inner + bitCount(index >> BigInt(inner));
    return new ProofError(
      `в пути доказательства ${hashes(proof.length)}, а листу ${index} дерева ` +
      `размера ${size} нужно ${hashes(needed)}`);
  }

  function integer(value, what) {
    if (typeof value === "bigint") return value;
    if (!Number.isSafeInteger(value)) throw new ProofError(`${what}: не целое число`);
    return BigInt(value);
  }

  /** The root an audit path leads to from a leaf (RFC 9162 §2.1.3.2, steps 1-4). */
  async function rootFromInclusionProof(leafIndex, treeSize, leaf, proof) {
    const index = integer(leafIndex, "номер листа");
    const size = integer(treeSize, "размер дерева");
    // 1. The leaf must be inside the tree.
    if (index < 0n || index >= size) {
      throw new ProofError(`лист ${index} не входит в дерево размера ${size}`);
    }
    requireHash(leaf, "хеш листа");
    proof.forEach((p, i) => requireHash(p, `хеш пути [${i}]`));
    // 2.-3.
    let fn = index, sn = size - 1n, r = leaf;
    // 4.
    for (const p of proof) {
      if (sn === 0n) throw wrongLength(index, size, proof); // 4a. hashes left over
      if ((fn & 1n) === 1n || fn === sn) { // 4b.
        r = await nodeHash(p, r);
        while (fn !== 0n && (fn & 1n) === 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n; // 4c.
    }
    // 5. (first half) The path must reach the root.
    if (sn !== 0n) throw wrongLength(index, size, proof);
    return r;
  }

  /** Step 5 too: the path must lead to ``root``; returns it. Throws ProofError. */
  async function verifyInclusion(leafIndex, treeSize, leaf, proof, root) {
    const computed = await rootFromInclusionProof(leafIndex, treeSize, leaf, proof);
    requireHash(root, "ожидаемый корень");
    if (!equal(computed, root)) {
      throw new ProofError(
        `путь доказательства листа ${leafIndex} ведёт к корню ${toBase64(computed)}, ` +
        `а не к корню ${toBase64(root)} дерева размера ${treeSize}`);
    }
    return computed;
  }

  /** A test vector of transparency-dev/merkle (base64 fields; proof may be null). */
  async function verifyVector(probe) {
    try {
      await verifyInclusion(
        probe.leafIdx, probe.treeSize,
        fromBase64(probe.leafHash, "хеш листа"),
        (probe.proof || []).map((h, i) => fromBase64(h, `хеш пути [${i}]`)),
        fromBase64(probe.root, "корень"));
      return { ok: true, error: "" };
    } catch (e) {
      return { ok: false, error: e instanceof ProofError ? e.message : String(e) };
    }
  }

  // -- the signed checkpoint (C2SP signed-note, tlog-checkpoint) --------------------

  const DASH = "\u2014 ";
  const NAME = /^[^\s+]+$/u;
  const SIZE = /^(?:0|[1-9][0-9]{0,18})$/;
  const CONTROL = /[\x00-\x09\x0b-\x1f]/; // eslint-disable-line no-control-regex

  /** The checkpoint's origin, size, root, signed text and signature lines. */
  function parseCheckpoint(text) {
    if (typeof text !== "string") throw new ProofError("контрольная точка: нет текста");
    if (CONTROL.test(text)) {
      throw new ProofError("в контрольной точке управляющий символ: так подписанная запись не пишется");
    }
    const cut = text.lastIndexOf("\n\n");
    if (cut < 0 || !text.endsWith("\n")) {
      throw new ProofError("контрольная точка — это текст, пустая строка и строки подписей");
    }
    const body = text.slice(0, cut + 1);
    const lines = body.split("\n").slice(0, -1);
    if (lines.length < 3 || lines.some((l) => l === "")) {
      throw new ProofError("в тексте контрольной точки меньше трёх строк (журнал, размер, корень)");
    }
    const [origin, sizeText, rootText] = lines;
    if (!SIZE.test(sizeText) || BigInt(sizeText) > SIZE_LIMIT) {
      throw new ProofError(`размер дерева «${sizeText}» записан неверно`);
    }
    const root = fromBase64(rootText, "корень контрольной точки");
    requireHash(root, "корень контрольной точки");
    const signatures = text.slice(cut + 2, -1).split("\n").map((line) => {
      if (!line.startsWith(DASH)) throw new ProofError(`строка подписи «${line}» не начинается с «— »`);
      const rest = line.slice(DASH.length);
      const space = rest.indexOf(" ");
      const name = space < 0 ? rest : rest.slice(0, space);
      const raw = fromBase64(space < 0 ? "" : rest.slice(space + 1), `подпись «${name}»`);
      if (!NAME.test(name) || raw.length < 5) throw new ProofError(`строка подписи «${line}» записана неверно`);
      return { name, keyHash: raw.slice(0, 4), signature: raw.slice(4) };
    });
    return { origin, size: BigInt(sizeText), root, body, signatures };
  }

  /** A note verifier key <name>+<hex key hash>+<base64(0x01 ‖ key)>, checked. */
  async function parseVerifierKey(text) {
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    const name = text.slice(0, first);
    const hashHex = text.slice(first + 1, second);
    if (first < 1 || second < 0 || !NAME.test(name) || !/^[0-9a-f]{8}$/i.test(hashHex)) {
      throw new ProofError(`ключ журнала «${text}» записан не как имя+хеш+ключ`);
    }
    const raw = fromBase64(text.slice(second + 1), "ключ журнала");
    if (raw.length !== 33 || raw[0] !== 1) throw new ProofError("ключ журнала — не ключ Ed25519");
    const publicKey = raw.slice(1);
    const keyHash = await noteKeyHash(name, publicKey);
    if (toHex(keyHash) !== hashHex.toLowerCase()) {
      throw new ProofError("хеш в записи ключа журнала не совпадает с ключом");
    }
    return { name, publicKey, keyHash };
  }

  /** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]: how a note names an Ed25519 key. */
  async function noteKeyHash(name, publicKey) {
    const digest = await sha256(concat(new TextEncoder().encode(name), Uint8Array.of(10, 1), publicKey));
    return digest.slice(0, 4);
  }

  function toHex(bytes) { return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""); }

  /** Every signature line of the key must verify; lines of other keys are ignored. */
  async function verifyCheckpoint(checkpoint, key) {
    const mine = checkpoint.signatures.filter(
      (s) => s.name === key.name && equal(s.keyHash, key.keyHash));
    if (mine.length === 0) {
      throw new ProofError(`контрольная точка не подписана ключом журнала «${key.name}»`);
    }
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new ProofError(`этот браузер не проверяет подписи Ed25519 (${e.message}); обновите браузер`);
    }
    const signed = new TextEncoder().encode(checkpoint.body);
    for (const s of mine) {
      const good = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, s.signature, signed);
      if (!good) {
        throw new ProofError(
          `подпись контрольной точки ключом журнала «${key.name}» неверна: ` +
          "контрольная точка подделана или повреждена");
      }
    }
  }

  // -- the entry --------------------------------------------------------------------

  function sameValue(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  /** The envelope's fields that name the entry and what the page says it holds. */
  function checkEnvelope(bytes, expect) {
    let envelope;
    try {
      envelope = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
      throw new ProofError("запись в журнале не читается как конверт (JSON в UTF-8)");
    }
    for (const field of ["log", "stream", "seq", "type"]) {
      if (!sameValue(envelope[field], expect[field])) {
        throw new ProofError(
          `запись в журнале — не та: в её поле «${field}» ${JSON.stringify(envelope[field])}, ` +
          `а страница показывает ${JSON.stringify(expect[field])}`);
      }
    }
    for (const [field, value] of Object.entries(expect.data || {})) {
      const stored = (envelope.data || {})[field];
      if (!sameValue(stored, value)) {
        throw new ProofError(
          `в журнале записано ${field} = ${JSON.stringify(stored)}, а страница показывает ` +
          `${JSON.stringify(value)}: показанное не совпадает с подписанной записью`);
      }
    }
    return envelope;
  }

  /**
   * Check a proof page's data; resolves to {ok, message, steps}, never throws.
   * Each step is {ok, text}; the first that fails ends the check.
   */
  async function check(data) {
    const steps = [];
    const done = (text) => steps.push({ ok: true, text });
    try {
      if (!window.isSecureContext || !crypto.subtle) {
        throw new ProofError(
          "страница открыта не по защищённому соединению (HTTPS), и браузер не даёт " +
          "проверять подписи; откройте её по адресу https://");
      }
      const bytes = fromBase64(data.envelope, "запись");
      // 1.
      checkEnvelope(bytes, data.expect);
      done(`Запись ${data.entry} в журнале говорит то же, что показывает страница.`);
      // 2.
      const leaf = await leafHash(bytes);
      const sent = fromBase64(data.leafHash, "хеш листа");
      if (!equal(leaf, sent)) {
        throw new ProofError(
          `хеш записи, вычисленный в браузере (${toBase64(leaf)}), не совпадает с хешем ` +
          `листа ${data.leafIdx} (${toBase64(sent)})`);
      }
      done(`Хеш записи вычислен в браузере (SHA-256): ${toBase64(leaf)} — лист № ${data.leafIdx}.`);
      // 3.
      const path = (data.proof || []).map((h, i) => fromBase64(h, `хеш пути [${i}]`));
      const root = await rootFromInclusionProof(data.leafIdx, data.treeSize, leaf, path);
      done(`Путь из ${hashes(path.length)} ведёт к корню ${toBase64(root)}.`);
      // 4.
      const checkpoint = parseCheckpoint(data.checkpoint);
      const key = await parseVerifierKey(data.logKey);
      if (checkpoint.origin !== key.name || checkpoint.origin !== data.expect.log) {
        throw new ProofError(
          `контрольная точка журнала «${checkpoint.origin}», а запись — журнала «${data.expect.log}»`);
      }
      if (checkpoint.size !== BigInt(data.treeSize)) {
        throw new ProofError(
          `доказательство дано для дерева размера ${data.treeSize}, а контрольная точка — ` +
          `размера ${checkpoint.size}`);
      }
      if (!equal(checkpoint.root, root)) {
        throw new ProofError(
          `путь доказательства ведёт к корню ${toBase64(root)}, а контрольная точка ` +
          `подписана для корня ${toBase64(checkpoint.root)}: запись не доказана`);
      }
      done(`Корень совпадает с корнем контрольной точки: ${checkpoint.size} записей.`);
      // 5.
      await verifyCheckpoint(checkpoint, key);
      done(`Подпись контрольной точки ключом журнала «${key.name}» (Ed25519) верна.`);
      return {
        ok: true,
        steps,
        message:
          `Проверено в браузере: запись входит в журнал школы (лист № ${data.leafIdx} из ` +
          `${checkpoint.size}), и контрольная точка подписана ключом журнала «${key.name}».`,
      };
    } catch (e) {
      const why = e instanceof ProofError ? e.message : `ошибка проверки: ${e}`;
      steps.push({ ok: false, text: why });
      return { ok: false, steps, message: `Проверка не пройдена: ${why}.` };
    }
  }

  function show(result) {
    const status = document.getElementById("proof-result");
    const list = document.getElementById("proof-steps");
    status.textContent = result.message;
    status.classList.remove("pending");
    status.classList.add(result.ok ? "ok" : "failed");
    list.replaceChildren(...result.steps.map((s) => {
      const item = document.createElement("li");
      item.className = s.ok ? "ok" : "failed";
      item.textContent = s.text;
      return item;
    }));
  }

  window.LetopisProof = {
    ProofError, check, checkEnvelope, fromBase64, toBase64, leafHash, nodeHash,
    rootFromInclusionProof, verifyInclusion, verifyVector, parseCheckpoint,
    parseVerifierKey, verifyCheckpoint,
  };

  document.addEventListener("DOMContentLoaded", async () => {
    const source = document.getElementById("proof-data");
    if (!source) return;
    show(await check(JSON.parse(source.textContent)));
  });
})();
