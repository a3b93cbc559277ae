// The fetch client of POST /graphql.

const ENDPOINT = '/graphql';

let getToken = () => null;
let onUnauthenticated = () => {};

/** app.js wires the session in: where the token comes from, what to do when it is refused. */
export function configure(options) {
  getToken = options.getToken ?? getToken;
  onUnauthenticated = options.onUnauthenticated ?? onUnauthenticated;
}

/**
 * A request that did not give us data: GraphQL errors ({message, extensions: {code, ...}}),
 * an HTTP failure (code HTTP_<status>) or no connection (code NETWORK).
 */
export class RequestError extends Error {
  constructor(errors, status = 0) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.status = status;
  }

  hasCode(code) {
    return this.errors.some((e) => e?.extensions?.code === code);
  }

  /** Seconds to wait when throttled, else null. */
  get retryAfter() {
    for (const e of this.errors) {
      const value = Number(e?.extensions?.retryAfter);
      if (e?.extensions?.code === 'THROTTLED' && Number.isFinite(value)) return value;
    }
    return null;
  }
}

/** Runs one operation and answers its data; throws RequestError when there are errors. */
export async function gql(query, variables = {}, { signal } = {}) {
  const token = getToken();
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new RequestError([{
      message: 'Cannot reach the server.',
      extensions: { code: 'NETWORK' },
    }]);
  }

  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: an HTTP error page */ }

  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    const retry = Number(response.headers.get('Retry-After'));
    throw new RequestError([{
      message: `HTTP ${response.status}: ${text.trim().slice(0, 300) || response.statusText}`,
      extensions: response.status === 429
        ? { code: 'THROTTLED', retryAfter: Number.isFinite(retry) ? retry : undefined }
        : { code: `HTTP_${response.status}` },
    }], response.status);
  }

  const errors = Array.isArray(body.errors) ? body.errors.filter(Boolean) : [];
  if (response.status === 429) {
    const retry = Number(response.headers.get('Retry-After'));
    for (const e of errors) {
      e.extensions = { code: 'THROTTLED', ...(e.extensions ?? {}) };
      if (e.extensions.retryAfter == null && Number.isFinite(retry)) e.extensions.retryAfter = retry;
    }
  }
  if (errors.length) {
    const error = new RequestError(errors, response.status);
    // Our token was refused (expired, secret rotated): sign out rather than fail forever.
    if (token && error.hasCode('UNAUTHENTICATED')) onUnauthenticated(error);
    throw error;
  }
  if (!response.ok || !body.data) {
    throw new RequestError([{
      message: `HTTP ${response.status}: no data`,
      extensions: { code: `HTTP_${response.status}` },
    }], response.status);
  }
  return body.data;
}
