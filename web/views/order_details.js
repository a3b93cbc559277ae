// The parts of the order page drawn from the order alone: the progress steps, the lines with
// their prices and the order's money, the payment, the parcel's tracking, the address and the
// timeline (Order.timeline: the history, the payment's events and the parcel's scans, each with
// the server's Korean sentence). Redrawn on every update; what the customer can do lives in order_actions.js.

import { h, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { formatCount, formatMoney, formatDateTime } from '../money.js';
import {
  ORDER_STATUS, ORDER_STEPS, PAYMENT_STATUS, DELIVERY_STATUS, RETURN_REASON, RETURN_STATUS,
  TIMELINE_KIND, labelText,
} from '../labels.js';
import { pointsNote, priceTag } from './price.js';

const PARCEL_KINDS = new Set(['PARCEL_SCAN', 'PARCEL_UPDATE']);

export function renderSteps(list, order) {
  const reached = new Set((order.history ?? []).map((event) => event.status));
  reached.add(order.status);
  // a cancelled order shows the steps it reached, then the cancellation
  const shown = order.status === 'CANCELLED' ? ORDER_STEPS.filter((status) => reached.has(status)) : ORDER_STEPS;
  const items = shown.map((status) => {
    const current = status === order.status;
    const done = reached.has(status);
    return h('li', {
      class: `step${done ? ' is-done' : ''}${current ? ' is-current' : ''}`,
      'aria-current': current ? 'step' : null,
    }, h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'step-label' }, labelText(ORDER_STATUS, status)));
  });
  if (order.status === 'CANCELLED') {
    items.push(h('li', { class: 'step is-done is-current is-cancelled', 'aria-current': 'step' },
      h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'step-label' }, labelText(ORDER_STATUS, 'CANCELLED'))));
  }
  list.replaceChildren(...items);
}

/** Draws the order into the left column and the right one's part below the actions. */
export function renderDetails(left, right, order, animateLatest) {
  const items = h('section', { class: 'panel', 'aria-labelledby': 'items-heading' },
    h('h2', { id: 'items-heading' }, bi('주문 상품', 'Items')),
    h('ul', { class: 'order-lines' }, order.items.map((item) => h('li', {
      class: 'order-line', testid: 'order-line', dataset: { productId: item.product.id, quantity: item.quantity },
    },
    h('span', { class: 'order-line-info' },
      datum('span', { class: 'line-title' }, item.product.title),
      h('span', { class: 'muted small' }, datum('span', {}, item.product.author)),
      h('span', { class: 'small' },
        priceTag({ listPrice: item.listPrice.amount, salePrice: item.unitPrice.amount, discountRate: item.discountRate }),
        t(` × ${item.quantity}권`, ` × ${item.quantity}`), ' ', pointsNote(item.points, item.pointsRate))),
    h('span', { class: 'line-total' }, formatMoney(item.lineTotal))))),
    orderMoney(order));

  const payment = order.payment;
  const paymentPanel = h('section', { class: 'panel', 'aria-labelledby': 'payment-heading' },
    h('h2', { id: 'payment-heading' }, bi('결제', 'Payment')),
    payment
      ? h('dl', { class: 'facts' },
        fact(bi('상태', 'Status'), h('span', {
          class: `pill pill-${payment.status.toLowerCase()}`, testid: 'payment-status',
          dataset: { status: payment.status },
        }, labelText(PAYMENT_STATUS, payment.status))),
        fact(bi('금액', 'Amount'), formatMoney(payment.amount)),
        fact(bi('시도', 'Attempts'), String(payment.attempts)),
        payment.transactionId ? fact(bi('거래 번호', 'Transaction'), datum('code', {}, payment.transactionId)) : null,
        payment.approvedAt ? fact(bi('승인 시각', 'Approved at'), time(payment.approvedAt)) : null)
      : h('p', { class: 'muted' }, t('결제 대기 중입니다.', 'Waiting for payment.')));

  const delivery = order.delivery;
  const parcel = order.timeline.filter((entry) => PARCEL_KINDS.has(entry.kind));
  const deliveryPanel = h('section', { class: 'panel', 'aria-labelledby': 'delivery-heading' },
    h('h2', { id: 'delivery-heading' }, bi('배송', 'Delivery')),
    delivery
      ? [
        h('dl', { class: 'facts' },
          fact(bi('택배사', 'Carrier'), datum('span', {}, delivery.carrier)),
          fact(bi('운송장 번호', 'Tracking no.'), datum('code', { testid: 'delivery-tracking-number' },
            delivery.trackingNumber ?? '—')),
          fact(bi('배송 상태', 'Status'), labelText(DELIVERY_STATUS, delivery.status))),
        parcel.length
          ? h('ol', { class: 'tracking' }, parcel.map((entry) => h('li', {
            class: 'tracking-event', testid: 'tracking-event', dataset: { kind: entry.kind },
          },
          // the carrier's own scan name (간선하차) as Korean tracking pages show it
          h('span', { class: 'tracking-status' }, entry.scan ?? labelText(TIMELINE_KIND, entry.kind)),
          entry.place ? datum('span', { class: 'tracking-location' }, entry.place) : null,
          time(entry.occurredAt, 'muted small'))))
          : null,
      ]
      : h('p', { class: 'muted' }, t('결제 후 배송이 등록됩니다.', 'The parcel is registered after payment.')));

  const a = order.shippingAddress;
  const addressPanel = h('section', { class: 'panel', 'aria-labelledby': 'address-heading' },
    h('h2', { id: 'address-heading' }, bi('배송지', 'Shipping address')),
    datum('address', { class: 'address' },
      h('strong', {}, a.recipient), h('br'),
      a.phone, h('br'),
      `(${a.zipCode}) ${a.line1}`, a.line2 ? [h('br'), a.line2] : null));

  const entries = order.timeline;
  const timeline = h('section', { class: 'panel', 'aria-labelledby': 'timeline-heading' },
    h('h2', { id: 'timeline-heading' }, bi('진행 내역', 'Timeline')),
    h('ol', { class: 'timeline' }, entries.map((entry, i) => h('li', {
      class: `timeline-entry timeline-${(entry.status ?? entry.kind).toLowerCase()}${i === entries.length - 1 ? ` is-latest${animateLatest ? ' is-new' : ''}` : ''}`,
      testid: 'timeline-entry', dataset: { kind: entry.kind, status: entry.status ?? undefined },
    },
    h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'timeline-body' },
      h('span', { class: 'timeline-status' }, timelineTitle(entry)),
      time(entry.occurredAt, 'muted small'),
      // the server's sentence for the customer, in Korean
      h('span', { class: 'timeline-message' }, entry.message),
      entry.place ? datum('span', { class: 'muted small' }, entry.place) : null)))));

  left.replaceChildren(...[items, returnsPanel(order), deliveryPanel].filter(Boolean));
  right.replaceChildren(timeline, paymentPanel, addressPanel);
}

/** The order's returns (반품), each with its reason, status, parcel and books; nothing when none. */
function returnsPanel(order) {
  if (!order.returns?.length) return null;
  return h('section', { class: 'panel', 'aria-labelledby': 'returns-heading' },
    h('h2', { id: 'returns-heading' }, bi('반품 내역', 'Returns')),
    h('ul', { class: 'order-lines' }, order.returns.map((ret) => h('li', {
      class: 'order-line', testid: 'return-entry', dataset: { status: ret.status },
    },
    h('span', { class: 'order-line-info' },
      h('strong', {}, t(`반품 ${ret.number}`, `Return ${ret.number}`), ' · ', labelText(RETURN_REASON, ret.reason)),
      ret.lines.map((line) => h('span', { class: 'small' },
        datum('span', {}, line.product.title), t(` × ${line.quantity}권`, ` × ${line.quantity}`))),
      ret.trackingNumber
        ? h('span', { class: 'muted small' }, t('회수 운송장 ', 'Return parcel '), datum('code', {}, ret.trackingNumber))
        : null),
    h('span', { class: 'pill' }, labelText(RETURN_STATUS, ret.status))))));
}

/** An entry's heading: the status an order entered or was at, the scan, or what it was. */
function timelineTitle(entry) {
  if (entry.kind === 'ORDER_STATUS') return labelText(ORDER_STATUS, entry.status);
  return entry.scan ?? labelText(TIMELINE_KIND, entry.kind);
}

/** The order's money as the server reckoned it: subtotal, fee, points, card, points to earn. */
function orderMoney(order) {
  const row = (term, value, testid, cls = null) => h('div', { class: cls },
    h('dt', {}, term), h('dd', { testid }, value));
  const earned = order.status === 'DELIVERED';
  return h('dl', { class: 'summary-list order-money' },
    row(bi('상품 금액', 'Subtotal'), formatMoney(order.subtotal), 'order-subtotal'),
    row(bi('배송비', 'Shipping'), order.shippingFee.amount ? formatMoney(order.shippingFee) : t('무료', 'Free'),
      'order-shipping-fee'),
    row(bi('합계', 'Total'), formatMoney(order.total), 'order-total', 'summary-total'),
    order.pointsUsed
      ? row(bi('적립금 사용', 'Points spent'), t(`-${formatCount(order.pointsUsed)}원`, `-${formatCount(order.pointsUsed)}`),
        'order-points-used')
      : null,
    row(bi('카드 결제 금액', 'Card pays'), formatMoney(order.amountCharged), 'order-amount-charged', 'summary-charge'),
    order.status === 'CANCELLED'
      ? null
      : row(earned ? bi('적립', 'Points earned') : bi('적립 예정', 'Points to earn'),
        earned
          ? t(`${formatCount(order.pointsToEarn)}원`, formatCount(order.pointsToEarn))
          : t(`${formatCount(order.pointsToEarn)}원 (배송 완료 후)`, `${formatCount(order.pointsToEarn)} (once delivered)`),
        'order-points-to-earn'));
}

function fact(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function time(iso, cls = '') {
  return h('time', { datetime: iso, class: cls || null }, formatDateTime(iso));
}
