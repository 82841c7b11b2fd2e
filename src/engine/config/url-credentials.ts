/**
 * Credentials inside URLs (`http://user:PASS@host/v1`, `?api-key=…`): the
 * public form of a URL without them, which may enter keys, logs and
 * `cache/`, and the credential values themselves, which are secrets. Every
 * part that selects the service (host, path, e.g. Azure's `api-version`)
 * stays in the public form.
 */

/** Query parameter names that carry credentials: api-key, api_key, key, token, access_token, sig, … */
const CREDENTIAL_PARAM = /key|token|secret|password|passwd|auth|sig|credential|code/i;

/** Whether an http(s) URL carries credentials (user-info or a credential-looking query parameter). */
export function hasUrlCredentials(text: string): boolean {
  const u = httpUrl(text);
  return u !== undefined && (u.username !== "" || u.password !== "" || [...u.searchParams.keys()].some((n) => CREDENTIAL_PARAM.test(n)));
}

/** The URL without user-info, fragment and credential parameters, its query sorted and trailing slashes dropped. */
export function publicUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.hash = "";
  for (const name of [...u.searchParams.keys()]) if (CREDENTIAL_PARAM.test(name)) u.searchParams.delete(name);
  u.searchParams.sort();
  return u.toString().replace(/\/+(\?|$)/, "$1");
}

/**
 * The credentials `publicUrl` removes, in every form they may be shown in:
 * decoded and as written (percent-encoded), and the basic-auth value
 * (base64 of `user:password`) that carries user-info on the wire. A lone
 * user name (`https://TOKEN@host`) is a credential too.
 */
export function urlSecrets(url: string): string[] {
  const u = new URL(url);
  const raw = u.search
    .slice(1)
    .split("&")
    .map((pair) => pair.split("="))
    .filter(([name]) => CREDENTIAL_PARAM.test(safeDecode(name ?? "", true)))
    .map(([, value]) => value ?? "");
  const user = u.password === "" ? [u.username, safeDecode(u.username)] : [];
  return [...new Set([u.password, safeDecode(u.password), ...user, ...raw, ...raw.map((v) => safeDecode(v, true)), basicCredentials(u) ?? ""])].filter(Boolean);
}

/** base64 of `user:password` for a URL with user-info (the value of a basic `authorization` header), if any. */
export function basicCredentials(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return Buffer.from(`${safeDecode(url.username)}:${safeDecode(url.password)}`, "utf8").toString("base64");
}

function httpUrl(text: string): URL | undefined {
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Percent-decoding that never throws; in a query, `+` is a space. */
function safeDecode(s: string, inQuery = false): string {
  try {
    return decodeURIComponent(inQuery ? s.replace(/\+/g, " ") : s);
  } catch {
    return s;
  }
}
