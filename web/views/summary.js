// The basket's summary at checkout, as a Korean bookstore adds it up: the list prices (정가),
// the discount, the lines at their sale prices, the shipping fee and how much more would make it
// free, the points (적립금) to spend with the member's balance, what the card pays, and the
// points the order will earn once delivered.

import { h, bi } from '../dom.js';
import { gql } from '../graphql.js';
import { t } from '../lang.js';
import { formatCount, formatWon } from '../money.js';
import { MY_POINTS } from '../queries.js';
import { getSession } from '../session.js';
import { knownPolicy, shippingFee, shippingPolicy, untilFreeShipping } from '../shipping.js';
import * as basket from '../basket.js';

/** errors: the form's FieldErrors (the points field registers there); dueText: where the
 * submit button says the amount due. */
export function checkoutSummary(errors, dueText) {
  const count = h('span', {});
  const listTotal = h('span', { testid: 'basket-list-total' });
  const discount = h('span', { testid: 'basket-discount' });
  const subtotal = h('span', { testid: 'basket-subtotal' });
  const fee = h('span', { testid: 'basket-shipping-fee' });
  const freeHint = h('span', { class: 'free-shipping-hint small', testid: 'free-shipping-hint' });
  const total = h('strong', { testid: 'basket-total' });
  const charge = h('strong', { testid: 'basket-charge' });
  const toEarn = h('span', { testid: 'basket-points-to-earn' });

  let balance = null;
  const points = h('input', {
    id: 'points-to-spend', name: 'points', type: 'number', min: 0, step: 1, value: 0,
    inputmode: 'numeric', class: 'input-short', testid: 'points-input',
  });
  const balanceText = h('span', { class: 'muted small', testid: 'points-balance' });
  const useAll = h('button', {
    type: 'button', class: 'btn btn-link', testid: 'points-all',
    onClick: () => {
      points.value = String(Math.max(0, Math.min(balance ?? 0, due()))); // a debt spends none
      update();
    },
  }, bi('모두 사용', 'Use all'));
  const pointsSlot = h('div', { class: 'slot-errors', hidden: true });
  errors.register('input.points', pointsSlot, points);
  points.addEventListener('input', update);
  const pointsRow = h('div', { class: 'summary-points', hidden: true },
    h('dt', {}, h('label', { for: 'points-to-spend' }, bi('적립금 사용', 'Points to spend'))),
    h('dd', {}, points, ' ', useAll, h('br'), balanceText, pointsSlot));

  const row = (term, value, props = {}) => h('div', props, h('dt', {}, term), h('dd', {}, value));
  const element = h('dl', { class: 'summary-list' },
    row(bi('수량', 'Books'), count),
    row(bi('정가 합계', 'List prices'), listTotal),
    row(bi('할인', 'Discount'), discount, { class: 'summary-discount' }),
    row(bi('상품 금액', 'Subtotal'), subtotal),
    row(bi('배송비', 'Shipping'), [fee, h('br'), freeHint]),
    row(bi('합계', 'Total'), total, { class: 'summary-total' }),
    pointsRow,
    row(bi('카드 결제 금액', 'Card pays'), charge, { class: 'summary-charge' }),
    row(bi('적립 예정', 'Points to earn'), toEarn));

  /** The amount due, once the shipping policy is known (the lines alone before). */
  function due() {
    const policy = knownPolicy();
    return basket.total() + (policy ? shippingFee(policy, basket.total()) : 0);
  }

  /** The points the customer asked to spend (whole, not negative). */
  function pointsToSpend() {
    const value = Number.parseInt(points.value, 10);
    return Number.isInteger(value) && value > 0 ? value : 0;
  }

  function update() {
    const books = basket.count();
    const sale = basket.total();
    const list = basket.listTotal();
    const policy = knownPolicy();
    const shipping = policy ? shippingFee(policy, sale) : 0;
    const more = policy ? untilFreeShipping(policy, sale) : 0;
    count.textContent = t(`${books}권`, `${books}`);
    listTotal.textContent = formatWon(list);
    discount.textContent = formatWon(sale - list);
    subtotal.textContent = formatWon(sale);
    if (!policy) fee.textContent = '…';
    else fee.textContent = shipping ? formatWon(shipping) : t('무료', 'Free');
    if (!policy) freeHint.textContent = '';
    else {
      freeHint.textContent = more > 0
        ? t(`${formatWon(more)} 더 담으면 무료배송`, `${formatWon(more)} more for free shipping`)
        : t('무료배송', 'Free shipping');
    }
    total.textContent = formatWon(sale + shipping);
    dueText.textContent = `· ${formatWon(sale + shipping)}`;
    charge.textContent = formatWon(Math.max(0, sale + shipping - pointsToSpend()));
    toEarn.textContent = t(`${formatCount(basket.pointsTotal())}원 (배송 완료 후)`,
      `${formatCount(basket.pointsTotal())} (once delivered)`);
    points.max = String(Math.min(balance ?? 0, due()));
    useAll.disabled = !balance;
  }

  /** The member's balance (signed in only); the field shows once it is known. */
  async function loadBalance() {
    if (!getSession()) return;
    try {
      const data = await gql(MY_POINTS);
      balance = data.me?.points?.balance ?? null;
    } catch {
      balance = null; // no field rather than a wrong balance: the order can be paid by card
    }
    pointsRow.hidden = balance === null;
    balanceText.textContent = t(`보유 ${formatCount(balance ?? 0)}원`, `Balance: ${formatCount(balance ?? 0)}`);
    update();
  }

  loadBalance();
  shippingPolicy().then(update).catch(() => {
    fee.textContent = t('주문 후 확인', 'shown with the order'); // the order says it
  });
  return { element, update, pointsToSpend };
}
