/**
 * The public identity of an endpoint URL (what may enter memo keys and logs)
 * and the credentials it carries: the engine's one policy for credentials in
 * URLs (engine/config/url-credentials.ts), plus how user-info goes on the wire.
 */
import { basicCredentials } from "../engine/config/url-credentials.js";

export { publicUrl, urlSecrets } from "../engine/config/url-credentials.js";

/** The `authorization` header for credentials in the URL's user-info part (`http://user:pass@host`), if any. */
export function basicAuthorization(url: URL): string | undefined {
  const credentials = basicCredentials(url);
  return credentials === undefined ? undefined : `Basic ${credentials}`;
}
