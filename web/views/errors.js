// Showing what went wrong: UserErrors next to their field (or at the top) and GraphQL /
// HTTP errors at the top, each as the sentence messages.js chooses. Every message is text.

import { h, replace, nextId } from '../dom.js';
import { RequestError } from '../graphql.js';
import { getLang, t } from '../lang.js';
import { errorSentence } from '../messages.js';

/** The error's code beside its sentence, for the developers who read the page in English. */
function codeChip(code) {
  return getLang() === 'en' ? [h('span', { class: 'code-chip' }, code), ' '] : null;
}

/** One GraphQL / HTTP error as a list item (data-testid="request-error"). */
function requestErrorItem(error, action) {
  const code = error?.extensions?.code ?? 'CLIENT';
  const retry = Number(error?.extensions?.retryAfter);
  const seconds = code === 'THROTTLED' && Number.isFinite(retry) ? Math.max(1, Math.ceil(retry)) : null;
  return h('li', {
    class: 'error-item', testid: 'request-error', dataset: { code, retryAfter: seconds ?? undefined },
  }, codeChip(code), errorSentence(error, action));
}

/** A RequestError (or any thrown error) as the list of what went wrong. */
export function requestErrorItems(error, action = null) {
  if (error instanceof RequestError) return error.errors.map((e) => requestErrorItem(e, action));
  return [requestErrorItem({ message: error?.message ?? String(error), extensions: { code: 'CLIENT' } }, action)];
}

/** UserErrors of a payload as list items (data-testid="user-error"). */
export function userErrorItems(errors, action = null) {
  return errors.map((e) => h('li', {
    class: 'error-item', testid: 'user-error', dataset: { field: pathKey(e.field), code: e.code },
  }, codeChip(e.code), errorSentence(e, action)));
}

/** An alert box (role="alert") under a title: the UserErrors of a payload, or a thrown error. */
export function refusalBox(title, { userErrors = [], error = null, action = null }) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', { class: 'alert-title' }, title),
    h('ul', { class: 'error-list' },
      userErrorItems(userErrors, action), error ? requestErrorItems(error, action) : null));
}

/** An alert box (role="alert") with the errors of a failed request. */
export function errorBox(error, title = t('요청을 처리하지 못했습니다.', 'The request failed.')) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', { class: 'alert-title' }, title),
    h('ul', { class: 'error-list' }, requestErrorItems(error)));
}

/** A calm notice (not an error). */
export function notice(...children) {
  return h('div', { class: 'alert alert-info' }, ...children);
}

export function pathKey(path) {
  return Array.isArray(path) ? path.join('.') : '';
}

/**
 * UserErrors of a form. register(path, slot, control) names where a field's errors go;
 * show() puts each error in the slot of its path, or of the longest registered prefix of it
 * (["input","items","0","productId"] -> the line "input.items.0"), else at the top.
 */
export class FieldErrors {
  constructor(top, { action, title }) {
    this.top = top;
    this.action = action;
    this.title = title;
    this.slots = new Map();
    this.touched = [];
  }

  register(path, slot, control = null) {
    if (!slot.id) slot.id = nextId('err');
    this.slots.set(path, { slot, control });
  }

  forget() {
    this.slots.clear();
  }

  clear() {
    for (const { slot, control } of this.touched) {
      slot.replaceChildren();
      slot.hidden = true;
      if (control) {
        control.removeAttribute('aria-invalid');
        control.removeAttribute('aria-describedby');
      }
    }
    this.touched = [];
    replace(this.top);
  }

  /** userErrors: [{code, field, message}]; requestError: a thrown error, or null. */
  show(userErrors = [], requestError = null) {
    this.clear();
    const topItems = [];
    for (const error of userErrors) {
      const key = pathKey(error.field);
      const target = this.#find(error.field);
      if (!target) {
        topItems.push(...userErrorItems([error], this.action));
        continue;
      }
      const { slot, control } = target;
      slot.hidden = false;
      slot.append(h('p', {
        class: 'field-error', testid: 'user-error', dataset: { field: key, code: error.code },
      }, errorSentence(error, this.action)));
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-describedby', slot.id);
        // the message goes away once the customer edits the field
        control.addEventListener('input', () => {
          slot.replaceChildren();
          slot.hidden = true;
          control.removeAttribute('aria-invalid');
          control.removeAttribute('aria-describedby');
        }, { once: true });
      }
      this.touched.push(target);
    }
    if (requestError) topItems.push(...requestErrorItems(requestError, this.action));
    if (topItems.length) {
      this.top.append(h('div', { class: 'alert alert-error', role: 'alert' },
        h('p', { class: 'alert-title' }, this.title),
        h('ul', { class: 'error-list' }, topItems)));
    } else if (userErrors.length) {
      this.top.append(h('div', { class: 'alert alert-error', role: 'alert' },
        h('p', { class: 'alert-title' },
          t(`표시한 입력을 확인하세요 (${userErrors.length}개).`, 'Please check the highlighted fields.'))));
    }
    const first = this.touched[0]?.control;
    if (topItems.length || !first) this.top.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
    else first.focus({ preventScroll: false });
  }

  #find(path) {
    if (!Array.isArray(path)) return null;
    for (let n = path.length; n >= 2; n -= 1) {
      const found = this.slots.get(path.slice(0, n).join('.'));
      if (found) return found;
    }
    return null;
  }
}
