/**
 * The public identity of an endpoint URL: what may enter memo keys and logs.
 * Credentials in the user-info part and secret-looking query parameters are
 * removed; everything that selects the model service (host, path, e.g. Azure's
 * `api-version`) stays.
 */
const SECRET_PARAM = /key|token|secret|password|passwd|auth|sig|credential|code/i;

export function publicUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.hash = "";
  for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.delete(name);
  u.searchParams.sort();
  return u.toString().replace(/\/+(\?|$)/, "$1");
}

/** The credentials `publicUrl` removes: user-info password and secret-looking query values. */
export function urlSecrets(url: string): string[] {
  const u = new URL(url);
  const params = [...u.searchParams].filter(([name]) => SECRET_PARAM.test(name)).map(([, v]) => v);
  return [decodeURIComponent(u.password), ...params].filter(Boolean);
}
