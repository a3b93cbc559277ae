// Tiny DOM helpers. Every value reaches the page as text (textContent, text nodes or
// setAttribute), never through innerHTML, so data from the API cannot inject markup.

import { t } from './lang.js';

/**
 * h('button', {class: 'btn', testid: 'place-order', onClick: fn}, 'label', child, ...)
 *   class    -> className          testid  -> data-testid
 *   dataset  -> data-* attributes  onXxx   -> addEventListener('xxx', fn)
 *   true     -> boolean attribute  false / null / undefined -> left out
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, numbers, nested arrays; null and false are skipped). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside el with children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A text node in the page's language: bi('장바구니', 'Basket') (lang.js). */
export function bi(ko, en) {
  return document.createTextNode(t(ko, en));
}

/** Text that comes from the data, not from the page (titles, names, numbers, codes): marked
 * translate="no", so neither a translator nor the browser test takes it for the page's words. */
export function datum(tag, props, ...children) {
  return h(tag, { ...props, translate: 'no' }, ...children);
}

let uid = 0;
/** A unique element id, for label/aria-describedby pairs. */
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}
