// The basket, kept in localStorage: one line per book, with what we knew of it when added.

const KEY = 'bookstore.basket';
export const MAX_LINES = 20; // the basket page refreshes every line in one query (aliases)
export const MAX_QUANTITY = 99;

const listeners = new Set();
let lines = load();

/** [{productId, isbn, title, author, publisher, listPrice, salePrice, discountRate, pointsRate,
 *    points, available, quantity}]: prices and points (per copy) in won, rates in basis points. */
export function getLines() {
  return lines.map((line) => ({ ...line }));
}

/** Number of books (sum of quantities). */
export function count() {
  return lines.reduce((sum, line) => sum + Math.max(0, line.quantity), 0);
}

/** The lines at their sale prices (판매가): the order's subtotal. */
export function total() {
  return sum((line) => line.salePrice);
}

/** The lines at their list prices (정가). */
export function listTotal() {
  return sum((line) => line.listPrice);
}

/** The points the lines earn once delivered. */
export function pointsTotal() {
  return sum((line) => line.points);
}

function sum(perCopy) {
  return lines.reduce((total, line) => total + perCopy(line) * Math.max(0, line.quantity), 0);
}

export function quantityOf(productId) {
  return lines.find((line) => line.productId === productId)?.quantity ?? 0;
}

/** Adds one copy of a product (from the API). Returns false when the basket is full. */
export function add(product) {
  const existing = lines.find((line) => line.productId === product.id);
  if (existing) {
    existing.quantity = Math.min(MAX_QUANTITY, existing.quantity + 1);
  } else {
    if (lines.length >= MAX_LINES) return false;
    lines.push({ productId: product.id, ...snapshot(product), quantity: 1 });
  }
  save();
  return true;
}

/** Any integer is kept (the server has the last word on 1–99 and says so per line). */
export function setQuantity(productId, quantity) {
  const line = lines.find((l) => l.productId === productId);
  if (!line || !Number.isInteger(quantity)) return;
  line.quantity = quantity;
  save();
}

export function remove(productId) {
  lines = lines.filter((line) => line.productId !== productId);
  save();
}

export function clear() {
  lines = [];
  save();
}

/** Updates lines from fresh products (null: the product is gone). */
export function refresh(productsById) {
  for (const line of lines) {
    if (!productsById.has(line.productId)) continue;
    const product = productsById.get(line.productId);
    if (product) Object.assign(line, snapshot(product), { missing: false });
    else line.missing = true;
  }
  save();
}

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function snapshot(product) {
  return {
    isbn: product.isbn ?? null,
    title: product.title,
    author: product.author,
    publisher: product.publisher ?? null,
    listPrice: product.listPrice.amount,
    salePrice: product.salePrice.amount,
    discountRate: product.discountRate,
    pointsRate: product.pointsRate,
    points: product.points,
    available: product.stock?.available ?? null,
  };
}

function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify(lines));
  } catch { /* storage full or disabled: keep it in memory */ }
  for (const fn of listeners) fn();
}

function load() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    if (Array.isArray(stored)) {
      return stored.map(fromEarlierShape).filter(
        (line) => line && typeof line.productId === 'string' && Number.isInteger(line.quantity)
          && Number.isFinite(line.salePrice) && Number.isFinite(line.listPrice),
      );
    }
  } catch { /* ignore a broken entry */ }
  return [];
}

/** A line kept before books had a sale price ({price: {amount}}): at that price, no discount
 * and no points, until the basket page refreshes it. */
function fromEarlierShape(line) {
  if (!line || Number.isFinite(line.salePrice) || !Number.isFinite(line?.price?.amount)) return line;
  const { price, ...rest } = line;
  return {
    ...rest, listPrice: price.amount, salePrice: price.amount, discountRate: 0, pointsRate: 0, points: 0,
  };
}

window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  lines = load();
  for (const fn of listeners) fn();
});
