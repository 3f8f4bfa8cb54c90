import { GoogleAuth, type IdTokenClient } from 'google-auth-library';

/**
 * The Authorization header for a private Cloud Run service: a Google ID token whose audience is the service's
 * URL, from the function's own service account (metadata server or Application Default Credentials). The
 * library keeps the token until shortly before it expires.
 */
export function idTokenAuthorization(audience: string): () => Promise<string> {
  let client: Promise<IdTokenClient> | undefined;
  return async () => {
    client ??= new GoogleAuth().getIdTokenClient(audience);
    const headers = await (
      await client.catch((error: unknown) => {
        client = undefined; // not remembered: the next request tries again
        throw error;
      })
    ).getRequestHeaders();
    const value = headers.get('authorization');
    if (!value) throw new Error(`no ID token for ${audience} from Google credentials`);
    return value;
  };
}
