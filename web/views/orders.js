// "My orders": me { orders(first: 10, after) } with "more" pagination.

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { gql } from '../graphql.js';
import { MY_ORDERS } from '../queries.js';
import { formatMoney, formatDateTime } from '../money.js';
import { getSession } from '../session.js';
import { errorBox, notice } from './errors.js';
import { statusBadge } from './badge.js';

const PAGE = 10;

export function renderOrders(main) {
  let endCursor = null;
  let destroyed = false;

  const heading = h('h1', { tabindex: '-1' }, bi('내 주문', 'My orders'));
  if (!getSession()) {
    replace(main, heading, notice(
      h('p', {}, t('주문 내역을 보려면 로그인하세요.', 'Sign in (above) to see your orders.'))));
    return () => {};
  }

  const total = h('p', { class: 'result-meta', testid: 'orders-total' });
  const list = h('ul', { class: 'order-list', 'aria-label': t('주문 목록', 'Orders') });
  const status = h('div', { class: 'list-status' });
  const more = h('button', {
    type: 'button', class: 'btn btn-secondary', testid: 'load-more', hidden: true,
    onClick: () => load(),
  }, bi('더 보기', 'More'));
  replace(main, heading, total, list, status, h('div', { class: 'more-row' }, more));

  async function load() {
    more.disabled = true;
    replace(status, h('p', { class: 'loading' }, t('불러오는 중…', 'Loading…')));
    try {
      const data = await gql(MY_ORDERS, { first: PAGE, after: endCursor });
      if (destroyed) return;
      const orders = data.me?.orders;
      if (!orders) {
        replace(status, notice(h('p', {}, t('로그인이 필요합니다.', 'Please sign in.'))));
        return;
      }
      for (const { node } of orders.edges) list.append(orderRow(node));
      endCursor = orders.pageInfo.endCursor;
      more.hidden = !orders.pageInfo.hasNextPage;
      replace(total, t(`총 ${orders.totalCount}건`, `${orders.totalCount} orders`));
      replace(status, orders.totalCount === 0
        ? h('div', { class: 'empty-state' },
          h('p', {}, t('아직 주문이 없습니다.', 'No orders yet.')),
          h('a', { class: 'btn btn-primary', href: '#/' }, bi('도서 둘러보기', 'Browse books')))
        : null);
    } catch (error) {
      if (!destroyed) replace(status, errorBox(error, t('주문을 불러오지 못했습니다.', 'Could not load your orders.')));
    } finally {
      more.disabled = false;
    }
  }

  load();
  return () => { destroyed = true; };
}

function orderRow(order) {
  const items = order.items ?? [];
  const books = items.reduce((sum, item) => sum + item.quantity, 0);
  const first = datum('span', {}, items[0]?.product?.title ?? '');
  const summary = items.length > 1
    ? [first, t(` 외 ${items.length - 1}종 · ${books}권`, ` and ${items.length - 1} more · ${books} books`)]
    : [first, t(` · ${books}권`, ` · ${books} books`)];
  return h('li', {},
    h('a', {
      class: 'order-row', testid: 'order-row', href: `#/orders/${encodeURIComponent(order.id)}`,
      dataset: { orderId: order.id, status: order.status },
    },
    h('span', { class: 'order-row-main' },
      datum('span', { class: 'order-row-number' }, order.number),
      h('span', { class: 'order-row-summary' }, summary),
      h('time', { class: 'muted small', datetime: order.createdAt }, formatDateTime(order.createdAt))),
    h('span', { class: 'order-row-side' },
      statusBadge(order.status),
      h('strong', { class: 'order-row-total' }, formatMoney(order.total)))));
}
