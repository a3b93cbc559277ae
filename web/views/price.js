// A book's price as a Korean bookstore shows it: the discount, the sale price (판매가) and the
// list price (정가) struck through beside it; and the points a copy earns.

import { h } from '../dom.js';
import { t } from '../lang.js';
import { formatCount, formatWon } from '../money.js';

/** Whole percent of basis points: 1000 -> "10%". */
export function percent(basisPoints) {
  return `${Math.round(basisPoints / 100)}%`;
}

/** {listPrice, salePrice, discountRate} in won and basis points. */
export function priceTag({ listPrice, salePrice, discountRate }) {
  if (!(discountRate > 0 && listPrice > salePrice)) {
    return h('span', { class: 'price' }, h('strong', { class: 'sale-price', testid: 'sale-price' }, formatWon(salePrice)));
  }
  return h('span', { class: 'price' },
    h('span', { class: 'discount-rate', testid: 'discount-rate' }, percent(discountRate)), ' ',
    h('strong', { class: 'sale-price', testid: 'sale-price' }, formatWon(salePrice)), ' ',
    h('del', { class: 'list-price', testid: 'list-price' },
      h('span', { class: 'visually-hidden' }, t('정가 ', 'list price ')), formatWon(listPrice)));
}

/** "적립 775원 (5%)": the points copies earn once delivered; nothing when none. */
export function pointsNote(points, pointsRate) {
  if (!(points > 0)) return null;
  return h('span', { class: 'points-note', testid: 'points-note' },
    t(`적립 ${formatCount(points)}원`, `${formatCount(points)} points`),
    pointsRate ? ` (${percent(pointsRate)})` : null);
}
