// One order, kept up to date: the orderStatusChanged subscription (graphql-transport-ws),
// or polling order(id) every 2 s when the socket is unavailable, until DELIVERED / CANCELLED,
// and by polling while a return is on its way back (its steps change no status).

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { gql, RequestError } from '../graphql.js';
import { ORDER, ORDER_LIVE } from '../queries.js';
import { formatDateTime } from '../money.js';
import { ORDER_STATUS, FINAL, CANCEL_REASON, labelText } from '../labels.js';
import { getSession } from '../session.js';
import { subscribe } from '../subscriptions.js';
import { errorBox, notice } from './errors.js';
import { statusBadge, setStatus } from './badge.js';
import { orderActions } from './order_actions.js';
import { renderDetails, renderSteps } from './order_details.js';

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

  // ---- the header: number, badge, live indicator ----
  const number = datum('span', { class: 'order-number', testid: 'order-number' });
  const created = h('time', { class: 'muted small', testid: 'order-placed-at' });
  const badge = statusBadge('PENDING', { testid: 'order-status' });
  const indicator = h('span', {
    class: 'live-indicator', testid: 'live-indicator', role: 'status',
  });
  const reason = h('p', { class: 'cancel-reason', hidden: true });
  const steps = h('ol', { class: 'steps', 'aria-label': t('주문 진행 단계', 'Order progress') });
  // the actions panel stays where it is while the rest is redrawn: moved, even in place, a
  // field being filled in would lose its focus (and a click its target)
  const actions = orderActions({ id, ctx, apply, follow: () => {
    if (!subscription && !pollTimer) startPolling();
  } });
  const left = h('div', { class: 'order-col' });
  const rightRest = h('div', { class: 'order-col' });
  const details = h('div', { class: 'order-grid' },
    left, h('div', { class: 'order-col' }, actions.element, rightRest));
  const header = h('section', { class: 'panel order-header' },
    h('div', { class: 'order-header-main' },
      h('p', { class: 'muted small' }, bi('주문번호', 'Order number')),
      number, created),
    h('div', { class: 'order-header-side' }, badge, indicator),
    reason);

  function setMode(mode) {
    indicator.dataset.mode = mode;
    indicator.className = `live-indicator live-${mode}`;
    indicator.replaceChildren(h('span', { class: 'dot', 'aria-hidden': 'true' }), t(...MODES[mode]));
    indicator.title = {
      connecting: t('실시간 연결을 여는 중입니다.', 'Opening the live connection.'),
      live: t('상태가 바뀌면 바로 표시됩니다.', 'Updates arrive as they happen.'),
      polling: t('실시간 연결을 쓸 수 없어 2초마다 확인합니다.', 'Live updates unavailable: checking every 2 s.'),
      ended: t('주문 상태가 더 바뀌지 않습니다.', 'The order\'s status will not change any more.'),
      stopped: t('업데이트를 멈췄습니다.', 'Updates stopped.'),
    }[mode];
  }

  // ---- applying an order (from the query, the subscription, polling or cancel) ----
  function apply(next) {
    if (!next || destroyed) return;
    if (order && older(next, order)) return; // an older copy arrived late
    const previous = order?.status;
    const grew = Boolean(order) && next.timeline.length > order.timeline.length;
    order = next;
    heading.replaceChildren(bi('주문 상세', 'Order'));
    number.textContent = order.number;
    created.textContent = t(`${formatDateTime(order.createdAt)} 주문`, `ordered ${formatDateTime(order.createdAt)}`);
    created.setAttribute('datetime', order.createdAt);
    setStatus(badge, order.status);
    if (order.status === 'CANCELLED' && order.cancelReason) {
      reason.hidden = false;
      reason.textContent = `${t('취소 사유', 'Reason')}: ${labelText(CANCEL_REASON, order.cancelReason)}`;
    } else {
      reason.hidden = true;
    }
    renderSteps(steps, order);
    actions.update(order);
    renderDetails(left, rightRest, order, grew);
    if (previous && previous !== order.status) {
      ctx.announce(`${t('주문 상태', 'Order status')}: ${labelText(ORDER_STATUS, order.status)}.`);
    }
    if (settled()) {
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

  /** Nothing more to watch: a final status, and no return on its way back (a return's steps
   * change no status, so only polling sees them). */
  function settled() {
    return FINAL.has(order?.status) && !(order.returns ?? []).some((r) => r.status !== 'RECEIVED');
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
      if (!destroyed && !settled()) pollTimer = setTimeout(tick, delay);
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
    else if (!settled()) startPolling();
  }).catch((error) => {
    if (!destroyed) replace(body, errorBox(error, t('주문을 불러오지 못했습니다.', 'Could not load the order.')));
  });

  return () => {
    destroyed = true;
    stopUpdates();
  };
}

/** Orders only grow: a longer timeline (history, payment and parcel), or a later update. */
function older(copy, than) {
  const [a, b] = [copy.timeline?.length ?? 0, than.timeline?.length ?? 0];
  return a < b || (a === b && new Date(copy.updatedAt) < new Date(than.updatedAt));
}

