// Browse and search the catalogue: products(first: 12, after, search), "more" pagination.

import { h, replace, bi, datum } from '../dom.js';
import { t } from '../lang.js';
import { gql } from '../graphql.js';
import { CATALOGUE } from '../queries.js';
import * as basket from '../basket.js';
import { errorBox } from './errors.js';
import { bookCover } from './cover.js';
import { pointsNote, priceTag } from './price.js';

const PAGE = 12;
let lastSearch = ''; // kept while the customer visits other pages

export function renderCatalogue(main, _params, ctx) {
  let generation = 0;
  let controller = null;
  let endCursor = null;
  let debounce = null;

  const input = h('input', {
    id: 'search', type: 'search', name: 'search', testid: 'search-input',
    placeholder: t('제목, 저자, 출판사', 'Title, author, publisher'), value: lastSearch,
    autocomplete: 'off', enterkeyhint: 'search',
  });
  const searchForm = h('form', {
    class: 'search', role: 'search',
    onSubmit: (event) => {
      event.preventDefault();
      clearTimeout(debounce);
      load(true);
    },
  },
  h('label', { for: 'search', class: 'visually-hidden' }, t('도서 검색', 'Search books')),
  input,
  h('button', { type: 'submit', class: 'btn btn-primary' }, bi('검색', 'Search')));
  input.addEventListener('input', () => {
    lastSearch = input.value; // a redraw (a sign-in, the language switch) keeps what was typed
    clearTimeout(debounce);
    debounce = setTimeout(() => load(true), 350);
  });

  const meta = h('p', { class: 'result-meta', 'aria-live': 'polite' });
  const grid = h('ul', { class: 'product-grid', 'aria-label': t('도서 목록', 'Books') });
  const status = h('div', { class: 'list-status' });
  const more = h('button', {
    type: 'button', class: 'btn btn-secondary', testid: 'load-more', hidden: true,
    onClick: () => load(false),
  }, bi('더 보기', 'More'));

  replace(main,
    h('section', { class: 'hero' },
      h('h1', { tabindex: '-1' }, bi('도서', 'Books')),
      h('p', { class: 'muted' }, t('오늘 읽을 책을 찾아보세요.', 'Find your next book.')),
      searchForm),
    meta, grid, status, h('div', { class: 'more-row' }, more));

  const refreshButtons = () => {
    for (const card of grid.querySelectorAll('[data-product-id]')) card.refreshBasketState?.();
  };
  const unsubscribe = basket.onChange(refreshButtons);

  async function load(reset) {
    const search = input.value.trim();
    lastSearch = input.value;
    if (reset) endCursor = null;
    generation += 1;
    const mine = generation;
    controller?.abort();
    controller = new AbortController();
    more.disabled = true;
    replace(status, h('p', { class: 'loading' }, t('불러오는 중…', 'Loading…')));
    grid.setAttribute('aria-busy', 'true');
    try {
      const data = await gql(CATALOGUE,
        { first: PAGE, after: endCursor, search: search || null },
        { signal: controller.signal });
      if (mine !== generation) return;
      const { edges, pageInfo, totalCount } = data.products;
      if (reset) grid.replaceChildren();
      for (const { node } of edges) grid.append(productCard(node, ctx));
      endCursor = pageInfo.endCursor;
      more.hidden = !pageInfo.hasNextPage;
      replace(meta, search
        ? t(`“${search}” 검색 결과 ${totalCount}권`, `${totalCount} found for “${search}”`)
        : t(`전체 ${totalCount}권`, `${totalCount} books`));
      replace(status, totalCount === 0
        ? h('p', { class: 'empty' }, t('찾는 책이 없습니다.', 'No books match your search.'))
        : null);
    } catch (error) {
      if (error?.name === 'AbortError' || mine !== generation) return;
      replace(status, errorBox(error, t('도서를 불러오지 못했습니다.', 'Could not load the books.')));
    } finally {
      if (mine === generation) {
        more.disabled = false;
        grid.removeAttribute('aria-busy');
      }
    }
  }

  load(true);

  return () => {
    generation += 1;
    controller?.abort();
    clearTimeout(debounce);
    unsubscribe();
  };
}

function productCard(product, ctx) {
  const available = product.stock?.available ?? 0;
  const soldOut = available <= 0;
  const titleId = `title-${product.id}`;

  const inBasket = h('span', { class: 'in-basket' });
  const add = h('button', {
    type: 'button', class: 'btn btn-primary btn-block', testid: 'add-to-basket',
    disabled: soldOut, 'aria-describedby': titleId,
  });
  const label = () => (soldOut ? bi('품절', 'Sold out') : bi('장바구니 담기', 'Add to basket'));
  add.append(label());

  let flash = null;
  add.addEventListener('click', () => {
    if (!basket.add(product)) {
      ctx.announce(t(`장바구니가 가득 찼습니다 (최대 ${basket.MAX_LINES}종).`, `The basket is full.`));
      return;
    }
    ctx.announce('‘', datum('span', {}, product.title), t('’을(를) 장바구니에 담았습니다.', '’ added to basket.'));
    replace(add, bi('✓ 담았습니다', 'Added'));
    add.classList.add('is-added');
    clearTimeout(flash);
    flash = setTimeout(() => {
      replace(add, label());
      add.classList.remove('is-added');
    }, 1200);
  });

  const card = h('li', {
    class: `product-card${soldOut ? ' is-sold-out' : ''}`, testid: 'product-card',
    dataset: { productId: product.id, isbn: product.isbn },
  },
  bookCover(product),
  h('div', { class: 'card-body' },
    datum('h2', { class: 'card-title', id: titleId }, product.title),
    datum('p', { class: 'card-author' }, product.author),
    product.publisher ? datum('p', { class: 'card-publisher muted' }, product.publisher) : null,
    h('p', { class: 'card-price' }, priceTag({
      listPrice: product.listPrice.amount,
      salePrice: product.salePrice.amount,
      discountRate: product.discountRate,
    })),
    h('p', { class: 'card-points' }, pointsNote(product.points, product.pointsRate)),
    h('p', {
      class: `stock ${soldOut ? 'stock-out' : available <= 5 ? 'stock-low' : 'stock-ok'}`,
      testid: 'product-stock', dataset: { available },
    }, soldOut
      ? bi('품절', 'Out of stock')
      : available <= 5
        ? bi(`남은 수량 ${available}권`, `Only ${available} left`)
        : bi(`재고 ${available}권`, `${available} in stock`)),
    inBasket),
  h('div', { class: 'card-actions' }, add));

  card.refreshBasketState = () => {
    const quantity = basket.quantityOf(product.id);
    replace(inBasket, quantity ? bi(`장바구니에 ${quantity}권`, `${quantity} in basket`) : null);
  };
  card.refreshBasketState();
  return card;
}
