// The status badge of an order.

import { h } from '../dom.js';
import { ORDER_STATUS, labelText } from '../labels.js';

export function statusBadge(status, props = {}) {
  const badge = h('span', { ...props, class: 'badge' });
  setStatus(badge, status);
  return badge;
}

export function setStatus(badge, status) {
  badge.className = `badge badge-${String(status).toLowerCase()}`;
  badge.dataset.status = status;
  badge.textContent = labelText(ORDER_STATUS, status);
}
