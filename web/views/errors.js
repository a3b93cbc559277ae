// Showing what went wrong: UserErrors next to their field (or at the top) and GraphQL /
// HTTP errors at the top. Every message is text.

import { h, replace, nextId } from '../dom.js';
import { RequestError } from '../graphql.js';

const HINTS = {
  UNAUTHENTICATED: '로그인이 필요합니다. Please sign in (again).',
  FORBIDDEN: '권한이 없습니다. Not allowed.',
  NOT_FOUND: '찾을 수 없습니다. Not found.',
  CONFLICT: '같은 주문 키로 다른 요청이 있었습니다. Conflicting request.',
  OUT_OF_STOCK: '재고가 부족합니다. Out of stock.',
  INVALID_STATE: '지금은 할 수 없는 작업입니다. Not possible in this state.',
  COST_LIMIT: '요청이 너무 큽니다. The query is too large.',
  NETWORK: '네트워크를 확인하세요. Check your connection.',
  INTERNAL: '서버 오류입니다. 잠시 후 다시 시도하세요. Server error, try again later.',
};

/** One GraphQL / HTTP error as a list item (data-testid="request-error"). */
function requestErrorItem(error) {
  const code = error?.extensions?.code ?? 'ERROR';
  const item = h('li', { class: 'error-item', testid: 'request-error', dataset: { code } },
    h('span', { class: 'code-chip' }, code), ' ', String(error?.message ?? 'unknown error'));
  const retry = Number(error?.extensions?.retryAfter);
  if (code === 'THROTTLED') {
    const seconds = Number.isFinite(retry) ? Math.max(1, Math.ceil(retry)) : null;
    item.append(h('span', { class: 'hint', dataset: { retryAfter: seconds ?? '' } },
      seconds
        ? `요청이 너무 많습니다. ${seconds}초 후 다시 시도하세요. Too many requests: retry in ${seconds} s.`
        : '요청이 너무 많습니다. 잠시 후 다시 시도하세요. Too many requests: retry shortly.'));
  } else if (HINTS[code]) {
    item.append(h('span', { class: 'hint' }, HINTS[code]));
  }
  return item;
}

/** A RequestError (or any thrown error) as the list of what the server said. */
export function requestErrorItems(error) {
  if (error instanceof RequestError) return error.errors.map(requestErrorItem);
  return [requestErrorItem({ message: error?.message ?? String(error), extensions: { code: 'CLIENT' } })];
}

/** An alert box (role="alert") with the errors of a failed request. */
export function errorBox(error, title = '요청을 처리하지 못했습니다. The request failed.') {
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
  constructor(top) {
    this.top = top;
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
        topItems.push(h('li', {
          class: 'error-item', testid: 'user-error', dataset: { field: key, code: error.code },
        }, h('span', { class: 'code-chip' }, error.code), ' ', error.message));
        continue;
      }
      const { slot, control } = target;
      slot.hidden = false;
      slot.append(h('p', {
        class: 'field-error', testid: 'user-error', dataset: { field: key, code: error.code },
      }, error.message));
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
    if (requestError) topItems.push(...requestErrorItems(requestError));
    if (topItems.length) {
      this.top.append(h('div', { class: 'alert alert-error', role: 'alert' },
        h('p', { class: 'alert-title' }, '주문하지 못했습니다. The order was not placed.'),
        h('ul', { class: 'error-list' }, topItems)));
    } else if (userErrors.length) {
      this.top.append(h('div', { class: 'alert alert-error', role: 'alert' },
        h('p', { class: 'alert-title' },
          `입력을 확인하세요 (${userErrors.length}). Please check the highlighted fields.`)));
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
