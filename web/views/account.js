// The account bar: the demo sign-in form, or who is signed in and a sign-out button.

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import {
  getSession, signIn, signOut, signInAvailable, SignInUnavailable,
} from '../session.js';

const DEMO_MEMBER = 'demo-kim';
const DEMO_NAME = '김민준';

let lastMessage = null;

/** Renders the bar; message (optional) is shown once, e.g. why we were signed out. */
export function renderAccount(container, message = null) {
  if (message) lastMessage = message;
  const session = getSession();
  const flash = lastMessage
    ? h('p', { class: 'account-message', role: 'status' }, lastMessage)
    : null;
  lastMessage = null;

  if (session) {
    replace(container, h('div', { class: 'account-row' },
      h('p', { class: 'signed-in' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, (session.name || session.member || '?').slice(0, 1)),
        h('span', {},
          h('span', { class: 'muted' }, t('로그인: ', 'Signed in: ')),
          datum('strong', { testid: 'signed-in-as', dataset: { member: session.member } },
            session.name || session.member),
          session.name ? datum('span', { class: 'muted member-id' }, ` (${session.member})`) : null)),
      h('button', {
        type: 'button', class: 'btn btn-ghost btn-small', testid: 'sign-out',
        onClick: () => signOut(t('로그아웃했습니다.', 'Signed out.')),
      }, bi('로그아웃', 'Sign out')),
      flash));
    return;
  }

  if (!signInAvailable()) {
    replace(container, h('div', { class: 'account-row' },
      h('p', { class: 'muted', testid: 'signin-unavailable' },
        t('로그인을 사용할 수 없습니다.', 'Sign-in is unavailable here.')),
      flash));
    return;
  }

  const member = h('input', {
    id: 'signin-member', name: 'member', testid: 'signin-member', required: true,
    autocomplete: 'username', value: DEMO_MEMBER, maxlength: 64, spellcheck: 'false',
  });
  const name = h('input', {
    id: 'signin-name', name: 'name', testid: 'signin-name', required: true,
    autocomplete: 'name', value: DEMO_NAME, maxlength: 64,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-small', testid: 'signin-submit' },
    bi('로그인', 'Sign in'));
  const error = h('p', { class: 'account-error', role: 'alert', hidden: true });

  const form = h('form', {
    class: 'signin-form', 'aria-label': t('데모 회원 로그인', 'Demo sign-in'),
    onSubmit: async (event) => {
      event.preventDefault();
      error.hidden = true;
      const memberId = member.value.trim();
      const displayName = name.value.trim();
      if (!memberId) {
        error.textContent = t('회원 ID를 입력하세요.', 'Enter a member id.');
        error.hidden = false;
        member.focus();
        return;
      }
      submit.disabled = true;
      submit.setAttribute('aria-busy', 'true');
      try {
        await signIn(memberId, displayName || memberId);
        // the session listener in app.js re-renders this bar and the page
      } catch (err) {
        if (err instanceof SignInUnavailable) {
          renderAccount(container);
          return;
        }
        error.textContent = err.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
        submit.removeAttribute('aria-busy');
      }
    },
  },
  h('span', { class: 'signin-title' }, bi('데모 로그인', 'Demo sign-in')),
  h('span', { class: 'field-inline' },
    h('label', { for: 'signin-member' }, bi('회원 ID', 'Member')), member),
  h('span', { class: 'field-inline' },
    h('label', { for: 'signin-name' }, bi('이름', 'Name')), name),
  submit);

  replace(container, h('div', { class: 'account-row' }, form, error, flash));
}
