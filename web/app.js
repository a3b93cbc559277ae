// The customer page: hash routes, the header (account bar, basket count), the live region.
//   #/              catalogue            #/basket        basket and checkout
//   #/orders        my orders            #/orders/<id>   one order, live

import { datum, replace } from './dom.js';
import { configure } from './graphql.js';
import { getLang, onLangChange, setLang, t } from './lang.js';
import { getSession, getToken, onSessionChange, signOut } from './session.js';
import * as basket from './basket.js';
import { renderAccount } from './views/account.js';
import { renderCatalogue } from './views/catalogue.js';
import { renderCheckout } from './views/checkout.js';
import { renderOrders } from './views/orders.js';
import { renderOrder } from './views/order.js';

const main = document.getElementById('main');
const account = document.getElementById('account');
const announcer = document.getElementById('announcer');
const basketCount = document.querySelector('[data-testid="basket-count"]');
const languageSwitch = document.querySelector('[data-testid="language-switch"]');

const ctx = {
  /** Reads text out through the aria-live region (strings, and data as datum() nodes). */
  announce(...parts) {
    announcer.textContent = '';
    setTimeout(() => { replace(announcer, ...parts); }, 50);
  },
  navigate(hash) {
    if (window.location.hash === hash) route({ focus: true });
    else window.location.hash = hash;
  },
};

configure({
  getToken,
  onUnauthenticated: () => signOut(t('로그인이 만료되었거나 유효하지 않습니다. 다시 로그인하세요.', 'Please sign in again.')),
});

function parse(hash) {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'catalogue', view: renderCatalogue, params: {} };
  if (parts[0] === 'basket' && parts.length === 1) return { name: 'basket', view: renderCheckout, params: {} };
  if (parts[0] === 'orders' && parts.length === 1) return { name: 'orders', view: renderOrders, params: {} };
  if (parts[0] === 'orders' && parts.length === 2) {
    let id;
    try { id = decodeURIComponent(parts[1]); } catch { id = parts[1]; }
    return { name: 'orders', view: renderOrder, params: { id } };
  }
  return { name: 'catalogue', view: renderCatalogue, params: {}, unknown: true };
}

const TITLES = {
  catalogue: ['도서', 'Books'],
  basket: ['장바구니', 'Basket'],
  orders: ['내 주문', 'My orders'],
};

let cleanup = null;

function route({ focus = false } = {}) {
  const target = parse(window.location.hash);
  if (target.unknown && window.location.hash && window.location.hash !== '#/') {
    window.history.replaceState(null, '', '#/');
  }
  const typing = focus ? null : focusedField();
  try { cleanup?.(); } catch { /* a view that failed to clean up must not block the next */ }
  cleanup = null;
  main.replaceChildren();
  cleanup = target.view(main, target.params, ctx) ?? null;
  refocus(typing);
  document.title = `${t(...TITLES[target.name])} · ${t('책방', 'Bookstore')}`;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === target.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (focus) {
    const heading = main.querySelector('h1');
    (heading ?? main).focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
}

/**
 * The field of the view being typed in, when the view is drawn again in place (a sign-in that
 * answers, the language switch): its id and caret. The views redraw a field's value from what
 * was typed (the address and the search are kept as they are typed); without its focus, the
 * next keys would go nowhere.
 */
function focusedField() {
  const field = document.activeElement;
  if (!field?.id || !main.contains(field)) return null;
  const caret = typeof field.selectionStart === 'number' ? [field.selectionStart, field.selectionEnd] : null;
  return { id: field.id, caret };
}

function refocus(typing) {
  const field = typing && document.getElementById(typing.id);
  if (!field || !main.contains(field)) return;
  field.focus({ preventScroll: true });
  if (typing.caret && typeof field.selectionStart === 'number') field.setSelectionRange(...typing.caret);
}

function updateBasketCount() {
  const count = basket.count();
  basketCount.textContent = String(count);
  basketCount.setAttribute('aria-label', t(`${count}권`, `${count} books`));
  basketCount.classList.toggle('is-empty', count === 0);
}

onSessionChange((session, reason) => {
  renderAccount(account, reason);
  if (reason && !session) ctx.announce(reason);
  if (session) {
    ctx.announce(datum('span', {}, session.name || session.member), t('(으)로 로그인했습니다.', ': signed in.'));
  }
  route();
});
basket.onChange(updateBasketCount);
window.addEventListener('hashchange', () => route({ focus: true }));

/** The header's own words and the switch, in the page's language (index.html: data-en). */
function applyLanguage() {
  document.documentElement.lang = getLang();
  for (const el of document.querySelectorAll('[data-en]')) {
    el.dataset.ko ??= el.textContent;
    el.textContent = t(el.dataset.ko, el.dataset.en);
  }
  document.querySelector('.main-nav').setAttribute('aria-label', t('주요 메뉴', 'Main'));
  // the other language, named in itself
  languageSwitch.textContent = getLang() === 'en' ? '한국어' : 'English';
  languageSwitch.lang = getLang() === 'en' ? 'ko' : 'en';
}

languageSwitch.addEventListener('click', () => setLang(getLang() === 'en' ? 'ko' : 'en'));
onLangChange(() => {
  applyLanguage();
  renderAccount(account);
  updateBasketCount();
  route();
});

getSession(); // drops an expired token before the first render
applyLanguage();
renderAccount(account);
updateBasketCount();
route();
