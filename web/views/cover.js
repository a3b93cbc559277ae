// A drawn book cover (no images in the catalogue): a calm colour from the ISBN, the title.

import { h } from '../dom.js';

const HUES = [18, 35, 150, 170, 200, 215, 260, 330, 95, 5];

export function bookCover(product, size = 'card') {
  const key = String(product.isbn ?? product.id ?? product.title ?? '');
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const cover = h('div', { class: `cover cover-${size}`, 'aria-hidden': 'true' },
    h('span', { class: 'cover-title' }, product.title ?? ''),
    h('span', { class: 'cover-author' }, product.author ?? ''));
  cover.style.setProperty('--cover-hue', String(HUES[hash % HUES.length]));
  return cover;
}
