// «Ключи подписи»: the state of this browser's key, and enrolling a new one.
"use strict";
document.addEventListener("DOMContentLoaded", async () => {
  const status = document.getElementById("browser-key");
  const form = document.getElementById("enrol");
  const deviceError = document.getElementById("device-error");
  const device = document.getElementById("device");
  const signing = window.LetopisSigning;
  if (!status || !form || !signing) return;

  const say = (text, kind = "hint") => {
    status.textContent = text;
    status.className = kind;
  };
  const grouped = (key) => key.match(/.{1,4}/g).join(" ");

  let st = null;
  let local = null;
  try {
    st = await signing.state();
    local = await signing.localKey(st);
  } catch (error) {
    say(error.message, "alert");
    return;
  }
  const known = local ? st.keys.find((k) => k.key === local.keyId) : null;
  if (!local) {
    say("В этом браузере ключа подписи нет. Создайте его, чтобы подписывать отметки здесь.");
  } else if (known && known.state === "active") {
    say(`В этом браузере действует ваш ключ ${grouped(local.keyId)} («${local.device}»).`, "notice");
  } else if (known && known.state === "pending") {
    say(`Ключ этого браузера ${grouped(local.keyId)} ждёт подтверждения. Сверьте отпечаток с заместителем директора или директором.`, "notice");
  } else {
    const why = known ? { revoked: "отозван", declined: "не подтверждён", expired: "не подтверждён вовремя", ended: "больше не действует" }[known.state] : "неизвестен серверу";
    say(`Ключ этого браузера ${grouped(local.keyId)} ${why || "не действует"}: создайте новый.`, "alert");
  }
  const mayEnrol = !local || !known || !["active", "pending"].includes(known.state);
  form.hidden = !mayEnrol;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    deviceError.textContent = "";
    device.removeAttribute("aria-invalid");
    const label = device.value.trim();
    if (!label) {
      deviceError.textContent = "Назовите устройство, например «Ноутбук, кабинет 12».";
      device.setAttribute("aria-invalid", "true");
      delete form.dataset.sent;
      return;
    }
    try {
      await signing.enrol(label);
      window.location.assign("/app/keys?enrolled=1");
    } catch (error) {
      deviceError.textContent = error.message;
      device.setAttribute("aria-invalid", "true");
      delete form.dataset.sent;
      for (const b of form.querySelectorAll("button[type=submit]")) b.removeAttribute("aria-busy");
    }
  });
});
