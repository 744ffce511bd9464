// The web phone page (/phone): a dial pad and a call to any app of the platform over WebRTC,
// with what the IVR says shown beside it (the INFO text the platform sends with each prompt).
import { Softphone } from "./softphone.js";

const config = JSON.parse(document.getElementById("phone-config").textContent);
const $ = (id) => document.getElementById(id);
const phone = new Softphone({ ws: config.ws, domain: config.domain,
                              user: `web-${Math.random().toString(36).slice(2, 10)}` });
const said = [];
window.phone = { softphone: phone, said, state: () => phone.state, level: () => phone.level() };

function show(text, kind = "ivr") {
  said.push({ kind, text });
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("transcript").append(li);
}

phone.addEventListener("state", (e) => {
  $("state").textContent = e.detail.state + (e.detail.cause ? ` (${e.detail.cause})` : "");
  $("call").disabled = e.detail.state !== "idle" && e.detail.state !== "ended";
  $("hangup").disabled = !$("call").disabled;
});
phone.addEventListener("remote", (e) => { $("remote").srcObject = e.detail; });
phone.addEventListener("info", (e) => {
  if (e.detail.contentType.startsWith("text/plain")) show(e.detail.body);
});

for (const key of "123456789*0#") {
  const button = document.createElement("button");
  button.textContent = key;
  button.dataset.key = key;
  button.className = "key secondary";
  button.addEventListener("click", () => {
    if (phone.state === "connected") {
      phone.press(key);
      show(`pressed ${key}`, "caller");
    } else {
      $("number").value += key;
    }
  });
  $("pad").append(button);
}
$("call").addEventListener("click", () => {
  const number = $("number").value.trim() || config.default_number;
  $("transcript").replaceChildren();
  said.length = 0;
  show(`calling ${number}`, "caller");
  phone.call(number);
});
$("hangup").addEventListener("click", () => phone.hangup());
for (const [number, app] of Object.entries(config.numbers)) {
  const option = document.createElement("option");
  option.value = number;
  option.textContent = `${number} ${app}`;
  $("numbers").append(option);
}
