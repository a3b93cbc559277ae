// One order, kept up to date: the orderStatusChanged subscription (graphql-transport-ws),
// or polling order(id) every 2 s when the socket is unavailable, until DELIVERED / CANCELLED.

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { gql, RequestError } from '../graphql.js';
import { ORDER, ORDER_LIVE, CANCEL_ORDER } from '../queries.js';
import { formatMoney, formatDateTime } from '../money.js';
import {
  ORDER_STATUS, ORDER_STEPS, CANCELLABLE, FINAL, CANCEL_REASON, PAYMENT_STATUS,
  DELIVERY_STATUS, OWN_DELIVERY_EVENTS, HISTORY_SENTENCES, HISTORY_SAME_STATUS, labelText,
} from '../labels.js';
import { getSession } from '../session.js';
import { subscribe } from '../subscriptions.js';
import { errorBox, notice, refusalBox } from './errors.js';
import { statusBadge, setStatus } from './badge.js';

const POLL_MS = 2000;
const TRACKING_REFRESH_MS = 10000; // the subscription pushes status changes only

const MODES = {
  connecting: ['연결 중', 'Connecting'],
  live: ['실시간', 'Live'],
  polling: ['2초마다 확인', 'Polling'],
  ended: ['최종 상태', 'Final'],
  stopped: ['업데이트 중지', 'Stopped'],
};

export function renderOrder(main, { id }, ctx) {
  let order = null;
  let destroyed = false;
  let subscription = null;
  let pollTimer = null;
  let trackingTimer = null;

  const back = h('a', { class: 'back-link', href: '#/orders' }, '← ', bi('내 주문', 'My orders'));
  const heading = h('h1', { tabindex: '-1' }, bi('주문 상세', 'Order'));
  const top = h('div', { class: 'form-errors' });
  const body = h('div', {}, h('p', { class: 'loading' }, t('불러오는 중…', 'Loading…')));
  replace(main, back, heading, top, body);

  if (!getSession()) {
    replace(body, notice(h('p', {}, t('주문을 보려면 로그인하세요.', 'Sign in (above) to see this order.'))));
    return () => {};
  }

  // ---- the header: number, badge, live indicator, cancel ----
  const number = datum('span', { class: 'order-number', testid: 'order-number' });
  const created = h('time', { class: 'muted small', testid: 'order-placed-at' });
  const badge = statusBadge('PENDING', { testid: 'order-status' });
  const indicator = h('span', {
    class: 'live-indicator', testid: 'live-indicator', role: 'status',
  });
  const cancel = h('button', {
    type: 'button', class: 'btn btn-danger', testid: 'cancel-order', hidden: true,
    onClick: cancelOrder,
  }, bi('주문 취소', 'Cancel order'));
  const reason = h('p', { class: 'cancel-reason', hidden: true });
  const steps = h('ol', { class: 'steps', 'aria-label': t('주문 진행 단계', 'Order progress') });
  const details = h('div', { class: 'order-grid' });
  const header = h('section', { class: 'panel order-header' },
    h('div', { class: 'order-header-main' },
      h('p', { class: 'muted small' }, bi('주문번호', 'Order number')),
      number, created),
    h('div', { class: 'order-header-side' }, badge, indicator, cancel),
    reason);

  function setMode(mode) {
    indicator.dataset.mode = mode;
    indicator.className = `live-indicator live-${mode}`;
    indicator.replaceChildren(h('span', { class: 'dot', 'aria-hidden': 'true' }), t(...MODES[mode]));
    indicator.title = {
      connecting: t('실시간 연결을 여는 중입니다.', 'Opening the live connection.'),
      live: t('상태가 바뀌면 바로 표시됩니다.', 'Updates arrive as they happen.'),
      polling: t('실시간 연결을 쓸 수 없어 2초마다 확인합니다.', 'Live updates unavailable: checking every 2 s.'),
      ended: t('더 이상 바뀌지 않는 상태입니다.', 'This order will not change any more.'),
      stopped: t('업데이트를 멈췄습니다.', 'Updates stopped.'),
    }[mode];
  }

  // ---- applying an order (from the query, the subscription, polling or cancel) ----
  function apply(next) {
    if (!next || destroyed) return;
    if (order && freshness(next) < freshness(order)) return; // an older copy arrived late
    const previous = order?.status;
    const grew = Boolean(order) && next.history.length > order.history.length;
    order = next;
    heading.replaceChildren(bi('주문 상세', 'Order'));
    number.textContent = order.number;
    created.textContent = t(`${formatDateTime(order.createdAt)} 주문`, `ordered ${formatDateTime(order.createdAt)}`);
    created.setAttribute('datetime', order.createdAt);
    setStatus(badge, order.status);
    cancel.hidden = !CANCELLABLE.has(order.status);
    if (order.status === 'CANCELLED' && order.cancelReason) {
      reason.hidden = false;
      reason.textContent = `${t('취소 사유', 'Reason')}: ${labelText(CANCEL_REASON, order.cancelReason)}`;
    } else {
      reason.hidden = true;
    }
    renderSteps(steps, order);
    renderDetails(details, order, grew);
    if (previous && previous !== order.status) {
      ctx.announce(`${t('주문 상태', 'Order status')}: ${labelText(ORDER_STATUS, order.status)}.`);
    }
    if (FINAL.has(order.status)) {
      stopUpdates();
      setMode('ended');
    }
  }

  async function fetchOrder() {
    const data = await gql(ORDER, { id });
    return data.order;
  }

  // ---- live updates, then polling ----
  function startLive() {
    setMode('connecting');
    const token = getSession()?.token;
    subscription = subscribe({
      query: ORDER_LIVE,
      variables: { id },
      connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
      onAck: () => {
        if (destroyed) return;
        setMode('live');
        // catch a change that happened between the first read and the subscription
        fetchOrder().then(apply).catch(() => {});
        trackingTimer = setInterval(() => {
          if (order && ['PREPARING', 'SHIPPED'].includes(order.status)) fetchOrder().then(apply).catch(() => {});
        }, TRACKING_REFRESH_MS);
      },
      onNext: (payload) => {
        if (payload?.errors?.length) {
          replace(top, errorBox(new RequestError(payload.errors), t('실시간 업데이트 오류', 'Live update error')));
        }
        const next = payload?.data?.orderStatusChanged;
        if (next) {
          replace(top);
          recordPushed(next.status);
          apply(next);
        }
      },
      onError: () => {
        subscription = null;
        clearInterval(trackingTimer);
        if (!destroyed && !FINAL.has(order?.status)) startPolling();
      },
      onComplete: () => {
        subscription = null;
        clearInterval(trackingTimer);
        if (destroyed) return;
        if (FINAL.has(order?.status)) setMode('ended');
        else startPolling(); // ended early: make sure we still see the end
      },
    });
  }

  // the statuses that came by push over the socket, in order (data-pushed on the indicator):
  // what a reader, or a test, can tell apart from what polling fetched
  function recordPushed(status) {
    const pushed = indicator.dataset.pushed ? indicator.dataset.pushed.split(' ') : [];
    indicator.dataset.pushed = [...pushed, status].join(' ');
  }

  function startPolling() {
    setMode('polling');
    const tick = async () => {
      pollTimer = null;
      let delay = POLL_MS;
      try {
        const next = await fetchOrder();
        if (destroyed) return;
        if (!next) {
          replace(body, notice(h('p', {}, t('주문을 찾을 수 없습니다.', 'Order not found.'))));
          stopUpdates();
          setMode('stopped');
          return;
        }
        replace(top);
        apply(next);
      } catch (error) {
        if (destroyed) return;
        replace(top, errorBox(error, t('주문 상태를 확인하지 못했습니다.', 'Could not refresh the order.')));
        if (error instanceof RequestError && error.hasCode('UNAUTHENTICATED')) {
          setMode('stopped');
          return;
        }
        if (error instanceof RequestError && error.retryAfter != null) {
          delay = Math.max(POLL_MS, Math.ceil(error.retryAfter * 1000));
        }
      }
      if (!destroyed && !FINAL.has(order?.status)) pollTimer = setTimeout(tick, delay);
    };
    pollTimer = setTimeout(tick, POLL_MS);
  }

  function stopUpdates() {
    subscription?.close();
    subscription = null;
    clearTimeout(pollTimer);
    pollTimer = null;
    clearInterval(trackingTimer);
  }

  async function cancelOrder() {
    cancel.disabled = true;
    cancel.setAttribute('aria-busy', 'true');
    replace(top);
    try {
      const data = await gql(CANCEL_ORDER, { id, reason: null });
      if (destroyed) return;
      const { order: next, errors } = data.cancelOrder;
      if (errors?.length) {
        replace(top, refusalBox(t('취소하지 못했습니다.', 'The order was not cancelled.'),
          { userErrors: errors, action: 'cancel' }));
      }
      if (next) apply(next);
    } catch (error) {
      if (!destroyed) {
        replace(top, refusalBox(t('취소하지 못했습니다.', 'The order was not cancelled.'),
          { error, action: 'cancel' }));
      }
    } finally {
      cancel.disabled = false;
      cancel.removeAttribute('aria-busy');
    }
  }

  // ---- first read ----
  fetchOrder().then((first) => {
    if (destroyed) return;
    if (!first) {
      replace(body, notice(h('p', {}, t('주문을 찾을 수 없습니다.', 'Order not found.'))));
      return;
    }
    replace(body, header, h('section', { class: 'panel steps-panel', 'aria-label': t('진행 단계', 'Progress') }, steps), details);
    apply(first);
    if (!FINAL.has(first.status)) startLive();
  }).catch((error) => {
    if (!destroyed) replace(body, errorBox(error, t('주문을 불러오지 못했습니다.', 'Could not load the order.')));
  });

  return () => {
    destroyed = true;
    stopUpdates();
  };
}

/** Orders only grow: more history, more tracking events, a later update. */
function freshness(order) {
  const history = order.history?.length ?? 0;
  const events = order.delivery?.events?.length ?? 0;
  return history * 1000 + events;
}

function byTime(a, b) {
  return new Date(a.occurredAt) - new Date(b.occurredAt);
}

function renderSteps(list, order) {
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

function renderDetails(grid, order, animateLatest) {
  const items = h('section', { class: 'panel', 'aria-labelledby': 'items-heading' },
    h('h2', { id: 'items-heading' }, bi('주문 상품', 'Items')),
    h('ul', { class: 'order-lines' }, order.items.map((item) => h('li', {
      class: 'order-line', testid: 'order-line', dataset: { productId: item.product.id },
    },
    h('span', { class: 'order-line-info' },
      datum('span', { class: 'line-title' }, item.product.title),
      h('span', { class: 'muted small' },
        datum('span', {}, item.product.author), ` · ${formatMoney(item.unitPrice)} × ${item.quantity}`)),
    h('span', { class: 'line-total' }, formatMoney(item.lineTotal))))),
    h('p', { class: 'order-total' }, h('span', {}, bi('합계', 'Total')),
      h('strong', { testid: 'order-total' }, formatMoney(order.total))));

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
  const events = [...(delivery?.events ?? [])].sort(byTime);
  const deliveryPanel = h('section', { class: 'panel', 'aria-labelledby': 'delivery-heading' },
    h('h2', { id: 'delivery-heading' }, bi('배송', 'Delivery')),
    delivery
      ? [
        h('dl', { class: 'facts' },
          fact(bi('택배사', 'Carrier'), datum('span', {}, delivery.carrier)),
          fact(bi('운송장 번호', 'Tracking no.'), datum('code', { testid: 'delivery-tracking-number' },
            delivery.trackingNumber ?? '—')),
          fact(bi('배송 상태', 'Status'), labelText(DELIVERY_STATUS, delivery.status))),
        events.length
          ? h('ol', { class: 'tracking' }, events.map((event) => h('li', {
            class: 'tracking-event', testid: 'tracking-event', dataset: { status: event.status },
          },
          // the carrier's own scan name (간선하차) as Korean tracking pages show it; ours otherwise
          h('span', { class: 'tracking-status' }, event.scan ?? labelText(DELIVERY_STATUS, event.status)),
          trackingPlace(event),
          time(event.occurredAt, 'muted small'))))
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

  const history = [...order.history].sort(byTime);
  const timeline = h('section', { class: 'panel', 'aria-labelledby': 'timeline-heading' },
    h('h2', { id: 'timeline-heading' }, bi('진행 내역', 'Timeline')),
    h('ol', { class: 'timeline' }, history.map((event, i) => h('li', {
      class: `timeline-entry timeline-${event.status.toLowerCase()}${i === history.length - 1 ? ` is-latest${animateLatest ? ' is-new' : ''}` : ''}`,
      testid: 'timeline-entry', dataset: { status: event.status },
    },
    h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
    h('span', { class: 'timeline-body' },
      h('span', { class: 'timeline-status' }, labelText(ORDER_STATUS, event.status)),
      time(event.occurredAt, 'muted small'),
      h('span', { class: 'timeline-message' }, t(historySentence(event, history[i - 1], order), event.message)))))));

  grid.replaceChildren(
    h('div', { class: 'order-col' }, items, deliveryPanel),
    h('div', { class: 'order-col' }, timeline, paymentPanel, addressPanel));
}

/** Where a scan was made (a place: data); what the service's own events did (our words: the
 * server's location of such an event is an English note). */
function trackingPlace(event) {
  const own = !event.scan && OWN_DELIVERY_EVENTS[event.status];
  if (own) return h('span', { class: 'tracking-location' }, t(own, event.location));
  return event.location ? datum('span', { class: 'tracking-location' }, event.location) : null;
}

/** What a history entry means, in Korean: the server's message is for developers (English). */
function historySentence(event, previous, order) {
  if (previous?.status === event.status) return HISTORY_SAME_STATUS;
  if (event.status === 'CANCELLED' && order.cancelReason) {
    return `${HISTORY_SENTENCES.CANCELLED} (${labelText(CANCEL_REASON, order.cancelReason)})`;
  }
  return HISTORY_SENTENCES[event.status] ?? '';
}

function fact(term, ...value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, ...value));
}

function time(iso, cls = '') {
  return h('time', { datetime: iso, class: cls || null }, formatDateTime(iso));
}
