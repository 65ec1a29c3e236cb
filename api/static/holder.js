// Shared by the holder's pages: escaping, base64url, JSON calls, WebAuthn credential encoding.
const $ = (html) => { document.getElementById("main").innerHTML = html; };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
const b64u = {
  dec: (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0)),
  enc: (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
};
async function api(path, body, {method, token} = {}) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers.Authorization = "Bearer " + token;
  const init = body === undefined && !method ? {headers} : {method: method || "POST", headers, body: body === undefined ? undefined : JSON.stringify(body)};
  const r = await fetch(path, init);
  if (r.status === 204) return {};
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || (data.problems || []).map((p) => p.field + ": " + p.problem).join("; ") || r.status);
  return data;
}
function credentialJson(c) {
  const r = c.response, out = {id: c.id, rawId: b64u.enc(c.rawId), type: c.type, response: {clientDataJSON: b64u.enc(r.clientDataJSON)}};
  if (r.attestationObject) out.response.attestationObject = b64u.enc(r.attestationObject);
  if (r.authenticatorData) { out.response.authenticatorData = b64u.enc(r.authenticatorData); out.response.signature = b64u.enc(r.signature);
    out.response.userHandle = r.userHandle ? b64u.enc(r.userHandle) : null; }
  return out;
}
async function passkeyGet(o) {
  o.challenge = b64u.dec(o.challenge);
  (o.allowCredentials || []).forEach((c) => { c.id = b64u.dec(c.id); });
  return credentialJson(await navigator.credentials.get({publicKey: o}));
}
