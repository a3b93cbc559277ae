// Who is signed in: a development bearer token from POST /dev/token, kept in localStorage.

import { t } from './lang.js';

const KEY = 'bookstore.session';
const UNAVAILABLE_KEY = 'bookstore.signInUnavailable';
const listeners = new Set();
let session = load();

/** {token, member, name, exp} or null. */
export function getSession() {
  if (session && session.exp && session.exp * 1000 <= Date.now()) {
    setSession(null, t('로그인이 만료되었습니다.', 'Your sign-in expired.'));
  }
  return session;
}

export function getToken() {
  return getSession()?.token ?? null;
}

/** fn(session, reason) on every sign-in and sign-out (also from other tabs). */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export class SignInUnavailable extends Error {}

/** Asks the development endpoint for a token. Throws SignInUnavailable on 404. */
export async function signIn(member, name) {
  let response;
  try {
    response = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ member, name }),
    });
  } catch {
    throw new Error(t('서버에 연결할 수 없습니다.', 'Cannot reach the server.'));
  }
  // 404: no such endpoint in production (405 too, should a static mount answer instead)
  if (response.status === 404 || response.status === 405) {
    try { sessionStorage.setItem(UNAVAILABLE_KEY, '1'); } catch { /* ignore */ }
    throw new SignInUnavailable('sign-in is unavailable');
  }
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  if (!response.ok || !body || typeof body.token !== 'string') {
    const detail = body?.error ?? body?.detail ?? body?.message ?? text.slice(0, 200);
    throw new Error(t(`로그인하지 못했습니다 (오류 ${response.status}).`,
      `Sign-in failed (HTTP ${response.status})${detail ? `: ${detail}` : ''}`));
  }
  const claims = decodeClaims(body.token) ?? {};
  setSession({
    token: body.token,
    member: typeof claims.sub === 'string' ? claims.sub : member,
    name: typeof claims.name === 'string' ? claims.name : name,
    exp: typeof claims.exp === 'number' ? claims.exp : null,
  });
  return session;
}

export function signOut(reason) {
  setSession(null, reason);
}

/** False once POST /dev/token answered 404 (production), remembered for this browser tab. */
export function signInAvailable() {
  try { return sessionStorage.getItem(UNAVAILABLE_KEY) !== '1'; } catch { return true; }
}

function setSession(next, reason) {
  session = next;
  try {
    if (next) localStorage.setItem(KEY, JSON.stringify(next));
    else localStorage.removeItem(KEY);
  } catch { /* storage full or disabled: keep it in memory */ }
  for (const fn of listeners) fn(session, reason);
}

function load() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (stored && typeof stored.token === 'string') return stored;
  } catch { /* ignore a broken entry */ }
  return null;
}

/** The JWT's payload (claims), decoded but NOT verified: only for display. */
function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = part + '='.repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

// Another tab signed in or out.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  session = load();
  for (const fn of listeners) fn(session);
});
