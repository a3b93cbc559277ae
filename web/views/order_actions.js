// What the customer may do with an order now, as the server says (Order.availableActions, the
// rule its mutations use): cancel it, cancel some of its books, change the delivery address,
// return some of its books (반품);
// each with its reason when it is not possible. Cancelling asks first: it cannot be undone.
// An action is drawn again only when what it may do changes, so an open form survives the
// live updates (and the other actions' changes).
// A cancellation of some books and a return carry an idempotency key, the same one while the
// same request is unanswered: clicked again after a lost answer (a timeout, a dropped
// connection), it changes the order once; a new request once the server has answered.

import { h, replace, bi, datum } from '../dom.js';
import { gql } from '../graphql.js';
import { newIdempotencyKey } from '../idempotency.js';
import { t } from '../lang.js';
import { formatDate, formatWon } from '../money.js';
import { CANCEL_ORDER, CANCEL_ORDER_LINES, CHANGE_DELIVERY_ADDRESS, REQUEST_RETURN } from '../queries.js';
import { ACTION_UNAVAILABLE, ORDER_ACTION, RETURN_REASON, labelText } from '../labels.js';
import { knownPolicy, shippingPolicy } from '../shipping.js';
import { addressInputs } from './address.js';
import { FieldErrors, refusalBox } from './errors.js';

const FAILED = {
  cancel: ['취소하지 못했습니다.', 'The order was not cancelled.'],
  cancelLines: ['취소하지 못했습니다.', 'The books were not cancelled.'],
  changeAddress: ['배송지를 바꾸지 못했습니다.', 'The address was not changed.'],
  requestReturn: ['반품을 신청하지 못했습니다.', 'The return was not asked for.'],
};

/** apply(order): hands an order a mutation answered to the page; follow(): has the page watch
 * the order again (a delivered order's return, whose steps change no status). */
export function orderActions({ id, ctx, apply, follow }) {
  shippingPolicy().catch(() => {}); // for the refund rule's figures; said without them otherwise
  const errorsSlot = h('div', { class: 'form-errors' });
  const list = h('ul', { class: 'actions' });
  const element = h('section', { class: 'panel', 'aria-labelledby': 'actions-heading', testid: 'order-actions' },
    h('h2', { id: 'actions-heading' }, bi('주문 관리', 'Manage the order')), errorsSlot, list);
  const drawn = new Map(); // action -> {key, item}
  const unanswered = new Map(); // request -> its idempotency key, until the server answers
  let busy = false;

  function keyed(action, variables) {
    const request = JSON.stringify([action, variables]);
    if (!unanswered.has(request)) unanswered.set(request, newIdempotencyKey());
    return { ...variables, idempotencyKey: unanswered.get(request) };
  }

  /** Draws each action whose key changed in its place; the others stay as they are (an
   * element moved, even in place, would lose the focus of a field inside it). */
  function update(order) {
    for (const availability of order.availableActions) {
      const key = actionKey(order, availability);
      const kept = drawn.get(availability.action);
      if (kept?.key === key) continue;
      const item = actionItem(order, availability);
      if (kept) kept.item.replaceWith(item);
      else list.append(item);
      drawn.set(availability.action, { key, item });
    }
  }

  function actionItem(order, availability) {
    const { action, available } = availability;
    const body = available ? possible(order, availability) : h('p', { class: 'muted small', testid: 'action-reason' },
      unavailableSentence(availability));
    return h('li', { class: 'action', testid: 'action', dataset: { action, available: String(available) } },
      h('h3', { class: 'action-name' }, labelText(ORDER_ACTION, action)), body);
  }

  function possible(order, availability) {
    switch (availability.action) {
      case 'CANCEL':
        return confirming({
          testid: 'cancel-order',
          label: bi('주문 취소', 'Cancel the order'),
          question: t('주문 전체를 취소할까요? 취소하면 되돌릴 수 없습니다.',
            'Cancel the whole order? This cannot be undone.'),
          onConfirm: () => run('cancel', CANCEL_ORDER, { id, reason: null }, 'cancelOrder',
            t('주문을 취소했습니다.', 'The order is cancelled.')),
        });
      case 'CANCEL_LINES':
        return h('ul', { class: 'cancel-lines' }, order.items.map((item) => cancelLine(item)));
      case 'CHANGE_ADDRESS':
        return addressChange(order);
      case 'RETURN':
        return returnRequest(order, availability);
      default:
        return null;
    }
  }

  function returnRequest(order, { until }) {
    const top = h('div', { class: 'form-errors' });
    const errors = new FieldErrors(top, { action: 'requestReturn', title: t(...FAILED.requestReturn) });
    const copies = order.items.map((item, i) => {
      const select = h('select', {
        class: 'input-short', testid: 'return-line-quantity', 'aria-label': t('반품할 수량', 'Copies to return'),
      }, Array.from({ length: item.quantity + 1 }, (_, n) => h('option', { value: n }, t(`${n}권`, `${n}`))));
      const slot = h('div', { class: 'slot-errors', hidden: true });
      errors.register(`lines.${i}`, slot, select);
      const row = h('li', { class: 'cancel-line', testid: 'return-line-row', dataset: { productId: item.product.id } },
        datum('span', { class: 'line-title' }, item.product.title), ' ', select, slot);
      return { item, select, row };
    });
    const reasons = Object.keys(RETURN_REASON).map((reason) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'return-reason', value: reason, testid: `return-reason-${reason}`,
        checked: reason === 'CHANGE_OF_MIND' }), ' ', labelText(RETURN_REASON, reason)));
    const { form, open } = formBehind({
      name: 'return-request',
      open: ['request-return', bi('반품 신청', 'Return books')],
      submit: ['request-return-submit', bi('반품 신청하기', 'Ask for the return')],
      onSubmit: async () => {
        const chosen = copies.filter(({ select }) => Number(select.value) > 0);
        if (!chosen.length) {
          errors.show([{ code: 'INVALID_INPUT', field: ['lines'], message: '' }]);
          return;
        }
        // the server's field paths count the lines sent: map them back to the rows
        errors.forget();
        chosen.forEach(({ select, row }, i) => errors.register(`lines.${i}`, row.querySelector('.slot-errors'), select));
        errors.register('lines', top, null);
        const reason = form.querySelector('input[name="return-reason"]:checked').value;
        const answer = await run('requestReturn', REQUEST_RETURN, keyed('requestReturn', {
          id,
          lines: chosen.map(({ item, select }) => ({ productId: item.product.id, quantity: Number(select.value) })),
          reason,
        }), 'requestReturn', t('반품을 신청했습니다. 택배사가 회수하러 갑니다.', 'Return asked for.'), errors);
        if (answer) follow();
      },
    },
    top,
    h('ul', { class: 'cancel-lines' }, copies.map(({ row }) => row)),
    h('fieldset', { class: 'choices' }, h('legend', {}, bi('반품 사유', 'Why')), reasons),
    h('p', { class: 'muted small' }, t(
      '반품 상품이 도착하면 환불합니다. 단순변심은 반품 배송비와, 반품으로 무료배송 기준에 못 미치게 되면 처음 배송비도 빼고 환불하며, 파손·오배송은 전액 환불합니다. 반품한 책으로 받은 적립금은 회수됩니다.',
      'Refunded once the books are back: less the return fee, and the outbound fee the return undoes, on a change of mind; in full when damaged or wrong. Points earned on them are taken back.')));
    return [
      until ? h('p', { class: 'muted small', testid: 'action-until' },
        t(`${formatDate(lastDay(until))}까지 신청할 수 있습니다.`, `Until ${formatDate(lastDay(until))}.`)) : null,
      open, form];
  }

  function cancelLine(item) {
    const quantity = h('select', { class: 'input-short', testid: 'cancel-line-quantity', 'aria-label': t('취소할 수량', 'Copies to cancel') },
      Array.from({ length: item.quantity }, (_, i) => h('option', { value: i + 1 }, t(`${i + 1}권`, `${i + 1}`))));
    quantity.value = String(item.quantity);
    return h('li', { class: 'cancel-line', testid: 'cancel-line-row', dataset: { productId: item.product.id } },
      datum('span', { class: 'line-title' }, item.product.title), ' ', quantity, ' ',
      confirming({
        testid: 'cancel-line',
        label: bi('취소', 'Cancel'),
        detail: refundRule(),
        onConfirm: () => run('cancelLines', CANCEL_ORDER_LINES, keyed('cancelLines',
          { id, lines: [{ productId: item.product.id, quantity: Number(quantity.value) }] }), 'cancelOrderLines',
          t('선택한 책을 취소했습니다.', 'The books are cancelled.')),
        onOpen: (question) => {
          question.textContent = t(`이 책 ${quantity.value}권을 취소할까요? 취소하면 되돌릴 수 없습니다.`,
            `Cancel ${quantity.value} of this book? This cannot be undone.`);
        },
      }));
  }

  function addressChange(order) {
    const top = h('div', { class: 'form-errors' });
    const errors = new FieldErrors(top, { action: 'changeAddress', title: t(...FAILED.changeAddress) });
    const form = addressInputs({ errors, path: 'address', prefix: 'new-address', values: order.shippingAddress });
    const { form: fieldset, open } = formBehind({
      name: 'address-change',
      open: ['change-address', bi('배송지 변경', 'Change the address')],
      submit: ['change-address-submit', bi('이 주소로 바꾸기', 'Deliver here')],
      onOpen: () => form.inputs.recipient.focus(),
      onSubmit: async () => {
        const answer = await run('changeAddress', CHANGE_DELIVERY_ADDRESS, { id, address: form.read() },
          'changeDeliveryAddress', t('배송지를 바꿨습니다.', 'The address is changed.'), errors);
        if (answer) fieldset.hidden = true;
      },
    }, top, form.fields);
    return [h('p', { class: 'muted small' }, t('택배사가 상품을 가져가기 전까지 바꿀 수 있습니다.',
      'Until the carrier picks the parcel up.')), open, fieldset];
  }

  /** A form behind a button that shows and hides it, its submit button last: `open` and
   * `submit` are each button's testid and label; `onOpen()` runs as the form is shown. */
  function formBehind({ name, open, submit, onSubmit, onOpen = () => {} }, ...children) {
    const form = h('form', {
      class: name, hidden: true, novalidate: true,
      onSubmit: async (event) => {
        event.preventDefault();
        await onSubmit();
      },
    }, children, h('button', { type: 'submit', class: 'btn btn-primary', testid: submit[0] }, submit[1]));
    const button = h('button', {
      type: 'button', class: 'btn btn-secondary', testid: open[0],
      onClick: () => {
        form.hidden = !form.hidden;
        if (!form.hidden) onOpen();
      },
    }, open[1]);
    return { form, open: button };
  }

  /** A button that asks before it acts. */
  function confirming({ testid, label, question = '', detail = null, onConfirm, onOpen = () => {} }) {
    const asked = h('p', { class: 'confirm-question' }, question);
    const box = h('div', { class: 'confirm', role: 'alertdialog', testid: `${testid}-confirm-box`, hidden: true },
      asked,
      detail ? h('p', { class: 'muted small' }, detail) : null,
      h('div', { class: 'confirm-buttons' },
        h('button', {
          type: 'button', class: 'btn btn-danger', testid: `${testid}-confirm`,
          onClick: async () => {
            box.hidden = true;
            await onConfirm();
          },
        }, bi('네, 취소합니다', 'Yes, cancel')),
        h('button', {
          type: 'button', class: 'btn btn-ghost', testid: `${testid}-dismiss`,
          onClick: () => { box.hidden = true; },
        }, bi('아니요', 'No'))));
    const button = h('button', {
      type: 'button', class: 'btn btn-danger', testid,
      onClick: () => {
        onOpen(asked);
        box.hidden = false;
        box.querySelector('.btn-ghost').focus();
      },
    }, label);
    return h('span', { class: 'confirming' }, button, box);
  }

  /** Runs an action's mutation; answers the order, or null when it was refused. */
  async function run(action, query, variables, field, done, fieldErrors = null) {
    if (busy) return null;
    busy = true;
    element.setAttribute('aria-busy', 'true');
    replace(errorsSlot);
    try {
      const data = await gql(query, variables);
      for (const [request, key] of unanswered) if (key === variables.idempotencyKey) unanswered.delete(request);
      const { order: next, errors } = data[field];
      if (errors?.length) {
        if (fieldErrors) fieldErrors.show(errors);
        else replace(errorsSlot, refusalBox(t(...FAILED[action]), { userErrors: errors, action }));
        return null;
      }
      ctx.announce(done);
      if (next) apply(next);
      return next;
    } catch (error) {
      replace(errorsSlot, refusalBox(t(...FAILED[action]), { error, action }));
      return null;
    } finally {
      busy = false;
      element.removeAttribute('aria-busy');
    }
  }

  return { element, update };
}

/** How a partial cancellation refunds, with the shipping policy's figures once known. */
function refundRule() {
  const policy = knownPolicy();
  const fee = policy
    ? t(`남은 상품 금액이 ${formatWon(policy.threshold)} 미만이 되면 배송비 ${formatWon(policy.fee)}을 빼고 환불합니다. `,
      `Should the rest come to less than ${formatWon(policy.threshold)}, the ${formatWon(policy.fee)} shipping fee is kept from the refund. `)
    : t('남은 상품 금액이 무료배송 기준보다 적어지면 배송비를 빼고 환불합니다. ',
      'Should the rest fall below the free-shipping threshold, the fee is kept from the refund. ');
  return fee + t('사용한 적립금은 카드 환불 뒤에 돌려드립니다.', 'Points come back after the card.');
}

/** What an action may do: whether, why not (as a code: the server's wording names the order's
 * status), until when, and what it acts on. */
function actionKey(order, { action, available, reasonCode, until }) {
  const on = {
    CANCEL_LINES: order.items.map((item) => [item.id, item.quantity]),
    CHANGE_ADDRESS: order.shippingAddress,
  }[action] ?? null;
  return JSON.stringify([available, reasonCode, until, on]);
}

/** The last day of a period that ends at `until` (midnight, Seoul, after that day). */
function lastDay(until) {
  return new Date(new Date(until).getTime() - 1).toISOString();
}

function unavailableSentence({ reasonCode, reason, until }) {
  const sentence = t(...(ACTION_UNAVAILABLE[reasonCode] ?? ['지금은 할 수 없습니다.', reason ?? '']));
  const day = until ? lastDay(until) : /\d{4}-\d{2}-\d{2}/.exec(reason ?? '')?.[0];
  if (reasonCode === 'RETURN_PERIOD_ENDED' && day) {
    return t(`반품 신청 기간이 ${formatDate(day)}에 끝났습니다.`, reason ?? sentence);
  }
  return t(sentence, reason ?? sentence);
}
