// Money and time formatting. KRW has no minor unit: {amount: 15000} is ₩15,000.

import { t } from './lang.js';

const grouped = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 });

/** formatWon(15000) -> "₩15,000" */
export function formatWon(amount) {
  const value = Number(amount) || 0;
  const sign = value < 0 ? '-' : '';
  return `${sign}₩${grouped.format(Math.abs(value))}`;
}

/** A count grouped as Koreans write it: 1234 -> "1,234" (points, copies). */
export function formatCount(value) {
  return grouped.format(Number(value) || 0);
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

// Times are shown in Asia/Seoul wherever the reader is: the shop, its carrier and its
// customers keep Korean time, and an order placed at 00:30 in Seoul is of that Seoul day.
const SEOUL = 'Asia/Seoul';
const formats = {
  'ko-KR': {
    dateTime: new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium', timeStyle: 'medium', timeZone: SEOUL }),
    date: new Intl.DateTimeFormat('ko-KR', { dateStyle: 'medium', timeZone: SEOUL }),
  },
  'en-GB': {
    dateTime: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: SEOUL }),
    date: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: SEOUL }),
  },
};

function format(kind, iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return formats[t('ko-KR', 'en-GB')][kind].format(date);
}

/** An ISO 8601 DateTime from the API, in Seoul: "2026. 11. 24. 오후 3:04:05". */
export function formatDateTime(iso) {
  return format('dateTime', iso);
}

/** The Seoul day of an ISO 8601 DateTime (or of a date, "2026-12-09"): "2026. 12. 9.". */
export function formatDate(iso) {
  return format('date', /^\d{4}-\d{2}-\d{2}$/.test(String(iso)) ? `${iso}T12:00:00+09:00` : iso);
}
