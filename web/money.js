// Money and time formatting. KRW has no minor unit: {amount: 15000} is ₩15,000.

const grouped = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 });

/** formatWon(15000) -> "₩15,000" */
export function formatWon(amount) {
  const value = Number(amount) || 0;
  const sign = value < 0 ? '-' : '';
  return `${sign}₩${grouped.format(Math.abs(value))}`;
}

/** A Money object from the API ({amount, currency}); other currencies via Intl. */
export function formatMoney(money) {
  if (!money) return '—';
  if (!money.currency || money.currency === 'KRW') return formatWon(money.amount);
  try {
    return new Intl.NumberFormat('ko-KR', { style: 'currency', currency: money.currency })
      .format(money.amount);
  } catch {
    return `${money.amount} ${money.currency}`;
  }
}

const dateTime = new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium', timeStyle: 'medium' });
const dateOnly = new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium' });

/** An ISO 8601 DateTime from the API, in the reader's time zone. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? '') : dateTime.format(date);
}

export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? '') : dateOnly.format(date);
}
