// The basket and checkout: lines, quantities, shipping address, payment test token, placeOrder.

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { gql, RequestError } from '../graphql.js';
import { basketRefresh, PLACE_ORDER } from '../queries.js';
import { formatWon } from '../money.js';
import { PAYMENT_TOKENS } from '../labels.js';
import { getSession } from '../session.js';
import { newIdempotencyKey } from '../idempotency.js';
import * as basket from '../basket.js';
import { FieldErrors } from './errors.js';
import { addressInputs } from './address.js';
import { bookCover } from './cover.js';
import { pointsNote, priceTag } from './price.js';
import { checkoutSummary } from './summary.js';

const ADDRESS_KEY = 'bookstore.address';
const PAYMENT_KEY = 'bookstore.paymentToken';
const PENDING_KEY = 'bookstore.pendingOrder';

function demoAddress() {
  return {
    recipient: getSession()?.name || '김민준',
    phone: '010-1234-5678',
    zipCode: '04524',
    line1: '서울특별시 중구 세종대로 110',
    line2: '3층',
  };
}

export function renderCheckout(main, _params, ctx) {
  const top = h('div', { class: 'form-errors', 'aria-live': 'polite' });
  const errors = new FieldErrors(top, {
    action: 'placeOrder', title: t('주문하지 못했습니다.', 'The order was not placed.'),
  });
  const linesList = h('ul', { class: 'basket-lines', 'aria-label': t('장바구니 상품', 'Basket lines') });
  const itemsSlot = h('div', { class: 'slot-errors', hidden: true });
  const submitTotal = h('span', { class: 'submit-total' });
  let placing = false;
  let destroyed = false;

  // ---- address and payment (remembered in localStorage) ----
  const address = { ...demoAddress(), ...loadJson(ADDRESS_KEY, {}) };
  const addressSlot = h('div', { class: 'slot-errors', hidden: true });
  errors.register('input.shippingAddress', addressSlot, null);
  const addressForm = addressInputs({
    errors,
    path: 'input.shippingAddress',
    prefix: 'address',
    values: address,
    onInput: (name, value) => {
      address[name] = value;
      saveJson(ADDRESS_KEY, address);
    },
  });
  const addressFieldset = h('fieldset', { class: 'panel' },
    h('legend', {}, bi('배송지', 'Shipping address')), addressSlot, addressForm.fields);
  const resetAddress = h('button', {
    type: 'button', class: 'btn btn-link', testid: 'address-demo',
    onClick: () => {
      const demo = demoAddress();
      addressForm.fill(demo);
      Object.assign(address, demo);
      saveJson(ADDRESS_KEY, address);
    },
  }, bi('데모 주소로 채우기', 'Fill in the demo address'));
  addressFieldset.append(resetAddress);

  const payment = h('select', { id: 'payment-token', name: 'paymentToken', testid: 'payment-token' },
    PAYMENT_TOKENS.map(([value, ko, en]) => h('option', { value }, `${t(ko, en)} · ${value}`)));
  const storedToken = loadJson(PAYMENT_KEY, 'tok_ok');
  if (PAYMENT_TOKENS.some(([value]) => value === storedToken)) payment.value = storedToken;
  payment.addEventListener('change', () => saveJson(PAYMENT_KEY, payment.value));
  const paymentSlot = h('div', { class: 'slot-errors', hidden: true });
  errors.register('input.payment.token', paymentSlot, payment);
  errors.register('input.payment', paymentSlot, payment);
  const paymentFieldset = h('fieldset', { class: 'panel' },
    h('legend', {}, bi('결제', 'Payment')),
    h('div', { class: 'field' },
      h('label', { for: 'payment-token' }, bi('테스트 결제 토큰', 'Test payment token')),
      payment, paymentSlot),
    h('p', { class: 'muted small' },
      t('실제 결제는 일어나지 않습니다.', 'No real payment is made.')));

  const signInHint = h('p', { class: 'muted small sign-in-hint' });
  const submitLabel = h('span', {}, bi('주문하기', 'Place order'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-large btn-block', testid: 'place-order' },
    submitLabel, ' ', submitTotal);

  const money = checkoutSummary(errors, submitTotal);
  const summary = h('div', { class: 'panel summary' },
    h('h2', {}, bi('주문 요약', 'Summary')),
    money.element,
    signInHint,
    submit);

  const form = h('form', { class: 'checkout-form', novalidate: true, onSubmit: placeOrder },
    addressFieldset, paymentFieldset, summary);

  const content = h('div', {});
  replace(main,
    h('h1', { tabindex: '-1' }, bi('장바구니', 'Basket')),
    top,
    content);

  const grid = h('div', { class: 'checkout-grid' },
    h('section', { class: 'panel', 'aria-labelledby': 'lines-heading' },
      h('h2', { id: 'lines-heading' }, bi('담은 책', 'Your books')),
      itemsSlot, linesList),
    form);

  function renderAll() {
    errors.clear();
    const lines = basket.getLines();
    if (!lines.length) {
      replace(content, h('div', { class: 'empty-state', testid: 'basket-empty' },
        h('p', {}, t('장바구니가 비어 있습니다.', 'Your basket is empty.')),
        h('a', { class: 'btn btn-primary', href: '#/' }, bi('도서 둘러보기', 'Browse books'))));
      return;
    }
    renderLines(lines);
    // the form stays where it is: moved, even in place, a field being typed in loses its focus
    if (grid.parentNode !== content) replace(content, grid);
    updateTotals();
  }

  function renderLines(lines) {
    linesList.replaceChildren();
    for (const key of [...errors.slots.keys()]) {
      if (key.startsWith('input.items.')) errors.slots.delete(key);
    }
    errors.register('input.items', itemsSlot, null);
    lines.forEach((line, index) => linesList.append(lineRow(line, index)));
  }

  function lineRow(line, index) {
    const id = `qty-${index}`;
    const quantity = h('input', {
      id, type: 'number', min: 1, max: basket.MAX_QUANTITY, step: 1, inputmode: 'numeric',
      value: line.quantity, testid: 'basket-quantity', class: 'qty-input',
    });
    const lineTotal = h('span', { class: 'line-total' });
    const stockNote = h('p', { class: 'stock-note small' });
    const minus = h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t(`한 권 빼기: ${line.title}`, `One less: ${line.title}`) }, '−');
    const plus = h('button', { type: 'button', class: 'btn btn-icon', 'aria-label': t(`한 권 더: ${line.title}`, `One more: ${line.title}`) }, '+');
    const slot = h('div', { class: 'slot-errors', hidden: true });
    errors.register(`input.items.${index}`, slot, null);
    errors.register(`input.items.${index}.quantity`, slot, quantity);
    errors.register(`input.items.${index}.productId`, slot, null);

    const sync = () => {
      const current = basket.getLines().find((l) => l.productId === line.productId) ?? line;
      const q = current.quantity;
      if (Number(quantity.value) !== q) quantity.value = String(q);
      minus.disabled = q <= 1;
      plus.disabled = q >= basket.MAX_QUANTITY;
      lineTotal.textContent = formatWon(current.salePrice * Math.max(0, q));
      if (current.missing) {
        stockNote.textContent = t('더 이상 판매하지 않는 책입니다.', 'No longer sold.');
      } else if (current.available === 0) {
        stockNote.textContent = t('품절', 'Out of stock');
      } else if (current.available != null && q > current.available) {
        stockNote.textContent = t(`재고 ${current.available}권`, `Only ${current.available} in stock`);
      } else {
        stockNote.textContent = '';
      }
      stockNote.hidden = !stockNote.textContent;
    };
    const set = (q) => {
      basket.setQuantity(line.productId, q);
      sync();
    };
    minus.addEventListener('click', () => set(Math.max(1, clampInt(quantity.value, line.quantity) - 1)));
    plus.addEventListener('click', () => set(Math.min(basket.MAX_QUANTITY, clampInt(quantity.value, line.quantity) + 1)));
    quantity.addEventListener('input', () => {
      const q = Number.parseInt(quantity.value, 10);
      if (Number.isInteger(q)) {
        basket.setQuantity(line.productId, q);
        minus.disabled = q <= 1;
        plus.disabled = q >= basket.MAX_QUANTITY;
        const current = basket.getLines().find((l) => l.productId === line.productId) ?? line;
        lineTotal.textContent = formatWon(current.salePrice * Math.max(0, q));
      }
    });
    quantity.addEventListener('change', sync);

    const remove = h('button', {
      type: 'button', class: 'btn btn-link btn-remove', testid: 'basket-remove',
      'aria-label': t(`삭제: ${line.title}`, `Remove: ${line.title}`),
      onClick: () => {
        basket.remove(line.productId);
        ctx.announce('‘', datum('span', {}, line.title), t('’을(를) 뺐습니다.', '’ removed from basket.'));
      },
    }, bi('삭제', 'Remove'));

    const row = h('li', { class: 'basket-line', testid: 'basket-line', dataset: { productId: line.productId, index } },
      bookCover(line, 'thumb'),
      h('div', { class: 'line-info' },
        datum('p', { class: 'line-title' }, line.title),
        datum('p', { class: 'muted small' }, [line.author, line.publisher].filter(Boolean).join(' · ')),
        h('p', { class: 'small' }, priceTag(line), h('span', { class: 'muted' }, t(' / 권', ' each')),
          ' ', pointsNote(line.points, line.pointsRate)),
        stockNote),
      h('div', { class: 'line-qty' },
        h('label', { for: id, class: 'visually-hidden' }, t(`수량: ${line.title}`, `Quantity: ${line.title}`)),
        h('div', { class: 'stepper' }, minus, quantity, plus),
        remove),
      lineTotal,
      slot);
    sync();
    return row;
  }

  function updateTotals() {
    money.update();
    submit.disabled = placing || basket.getLines().length === 0;
    signInHint.textContent = getSession()
      ? ''
      : t('주문하려면 위에서 로그인하세요.', 'Sign in above to place an order.');
    signInHint.hidden = !signInHint.textContent;
  }

  // Lines are re-drawn when their set changes (add/remove, another tab); a quantity typed
  // here only updates the totals, so the focused input stays where it is.
  let shape = lineShape();
  const unsubscribe = basket.onChange(() => {
    if (destroyed) return;
    const next = lineShape();
    if (next !== shape) {
      shape = next;
      renderAll();
    } else {
      updateTotals();
    }
  });

  async function placeOrder(event) {
    event.preventDefault();
    if (placing) return;
    const lines = basket.getLines();
    if (!lines.length) return;
    const input = {
      items: lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
      shippingAddress: addressForm.read(),
      payment: { token: payment.value },
      points: money.pointsToSpend(),
    };
    // A retry of the same request (after a lost answer, a throttle, a reload) reuses its key,
    // so the server returns the order it may already have made instead of a second one.
    const fingerprint = JSON.stringify([getSession()?.member ?? null, input]);
    let pending = loadJson(PENDING_KEY, null);
    if (!pending || pending.fingerprint !== fingerprint) {
      pending = { fingerprint, key: newIdempotencyKey() };
      saveJson(PENDING_KEY, pending);
    }
    input.idempotencyKey = pending.key;

    placing = true;
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    replace(submitLabel, bi('주문 중…', 'Placing order…'));
    errors.clear();
    try {
      const data = await gql(PLACE_ORDER, { input });
      const { order, errors: userErrors } = data.placeOrder;
      if (userErrors?.length || !order) {
        errors.show(userErrors ?? [], null);
        ctx.announce(t(`주문하지 못했습니다: 오류 ${userErrors?.length ?? 0}개.`, `The order was not placed.`));
        return;
      }
      localStorage.removeItem(PENDING_KEY);
      basket.clear();
      ctx.announce(t('주문 ', 'Order '), datum('span', {}, order.number), t('을(를) 접수했습니다.', ' placed.'));
      ctx.navigate(`#/orders/${encodeURIComponent(order.id)}`);
    } catch (error) {
      if (destroyed) return;
      errors.show([], error instanceof RequestError ? error : new RequestError([{
        message: error?.message ?? String(error), extensions: { code: 'CLIENT' },
      }]));
      ctx.announce(t('주문하지 못했습니다.', 'The order was not placed.'));
    } finally {
      placing = false;
      if (!destroyed) {
        submit.removeAttribute('aria-busy');
        replace(submitLabel, bi('주문하기', 'Place order'));
        updateTotals();
      }
    }
  }

  renderAll();
  refreshFromServer();

  /** Current prices and stock for every line, in one query. */
  async function refreshFromServer() {
    const lines = basket.getLines();
    if (!lines.length) return;
    const variables = Object.fromEntries(lines.map((line, i) => [`id${i}`, line.productId]));
    try {
      const data = await gql(basketRefresh(lines.length), variables);
      if (destroyed) return;
      basket.refresh(new Map(lines.map((line, i) => [line.productId, data[`p${i}`] ?? null])));
      if (!linesList.contains(document.activeElement)) {
        shape = lineShape();
        renderAll();
      }
    } catch {
      // keep what we knew: the order's own answer is what counts
    }
  }

  return () => {
    destroyed = true;
    unsubscribe();
  };
}

function lineShape() {
  return basket.getLines().map((line) => line.productId).join('|');
}

function clampInt(value, fallback) {
  const n = Number.parseInt(value, 10);
  return Number.isInteger(n) ? n : fallback;
}

function loadJson(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? 'null');
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function saveJson(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* ignore */ }
}
