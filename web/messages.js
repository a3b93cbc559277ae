// What the page says when a request is refused. The server words its refusals in English for
// developers; the customer reads a Korean sentence chosen here from the error's code (the
// contract's ErrorCode, or extensions.code of a GraphQL error) and, for input errors, its
// field. The server's message is shown as it is only in English.

import { josa, t } from './lang.js';

/** Korean names of the input fields the server names in UserError.field (its last part). */
const FIELD_NAMES = {
  recipient: '받는 분',
  phone: '연락처',
  zipCode: '우편번호',
  line1: '주소',
  line2: '상세 주소',
  reason: '사유',
  quantity: '수량',
  points: '적립금',
  token: '결제 수단',
};

/** Input errors whose sentence depends only on the field. */
const FIELD_SENTENCES = {
  zipCode: '우편번호는 숫자 다섯 자리로 입력하세요.',
  phone: '연락처는 숫자와 띄어쓰기, 하이픈(-)으로 입력하세요.',
  quantity: '한 책은 1권부터 99권까지 주문할 수 있습니다.',
  items: '주문할 책을 한 권 이상 담으세요.',
  lines: '상품을 하나 이상 고르세요.',
  points: '적립금은 0원부터 결제할 금액까지 쓸 수 있습니다.',
  token: '결제 수단을 다시 고르세요.',
  idempotencyKey: '주문 요청이 올바르지 않습니다. 다시 주문하세요.',
};

/** A sentence for each code, when neither the field nor the action says more. */
const CODE_SENTENCES = {
  INVALID_INPUT: '입력한 내용을 확인하세요.',
  NOT_FOUND: '찾을 수 없습니다. 이미 없어졌거나 다른 회원의 주문입니다.',
  OUT_OF_STOCK: '재고가 부족합니다. 수량을 줄이거나 다른 책을 고르세요.',
  INVALID_STATE: '지금 주문 상태에서는 할 수 없는 일입니다.',
  UNAUTHENTICATED: '로그인이 필요합니다. 다시 로그인하세요.',
  FORBIDDEN: '이 일을 할 권한이 없습니다.',
  CONFLICT: '같은 주문 요청 키로 다른 주문이 이미 접수되었습니다. 다시 주문하세요.',
  BOOK_PRICE_LAW: '도서정가제에 따라 할인은 정가의 10%까지, 할인과 적립을 합쳐 15%까지만 할 수 있습니다.',
  NOT_ENOUGH_POINTS: '보유한 적립금보다 많이 쓸 수 없습니다.',
  INVALID_QUERY: '서버가 페이지의 요청을 이해하지 못했습니다. 페이지를 새로 고치세요.',
  DOCUMENT_LIMIT: '요청이 너무 큽니다.',
  COST_LIMIT: '요청이 너무 큽니다. 한 번에 보는 양을 줄이세요.',
  THROTTLED: '요청이 너무 많습니다. 잠시 후 다시 시도하세요.',
  INTERNAL: '서버 오류가 났습니다. 잠시 후 다시 시도하세요.',
  NETWORK: '서버에 연결할 수 없습니다. 인터넷 연결을 확인하세요.',
  CLIENT: '페이지에서 오류가 났습니다. 새로 고친 뒤 다시 시도하세요.',
};

/** INVALID_STATE, by what the customer was doing. */
const STATE_SENTENCES = {
  cancel: '상품이 이미 택배사에 넘어가 주문을 취소할 수 없습니다.',
  cancelLines: '상품이 이미 택배사에 넘어가 일부 취소를 할 수 없습니다.',
  changeAddress: '상품이 이미 택배사에 넘어가 배송지를 바꿀 수 없습니다.',
  requestReturn: '지금은 반품을 신청할 수 없습니다.',
};

/**
 * The Korean sentence for one error: {code, field, message} of a UserError, or
 * {message, extensions: {code}} of a GraphQL error. action names what was being done
 * (placeOrder, cancel, cancelLines, changeAddress, requestReturn).
 */
export function errorSentence(error, action = null) {
  const code = error?.code ?? error?.extensions?.code ?? 'CLIENT';
  const message = String(error?.message ?? '');
  const ko = koreanSentence(code, Array.isArray(error?.field) ? error.field : [], message, error, action);
  return t(ko, message || ko);
}

function koreanSentence(code, field, message, error, action) {
  const name = field.at(-1);
  if (code === 'THROTTLED') {
    const seconds = Math.ceil(Number(error?.extensions?.retryAfter));
    return Number.isFinite(seconds) && seconds > 0
      ? `요청이 너무 많습니다. ${seconds}초 후 다시 시도하세요.`
      : CODE_SENTENCES.THROTTLED;
  }
  if (/^HTTP_\d+$/.test(code)) return `서버가 요청을 처리하지 못했습니다 (오류 ${code.slice(5)}). 잠시 후 다시 시도하세요.`;
  if (code === 'INVALID_INPUT' && name) return inputSentence(name, message);
  if (code === 'NOT_FOUND' && name === 'productId') return '더는 팔지 않는 책입니다. 장바구니에서 빼고 다시 주문하세요.';
  if (code === 'NOT_FOUND' && name === 'id') return '주문을 찾을 수 없습니다.';
  if (code === 'INVALID_STATE') return stateSentence(name, message, action);
  return CODE_SENTENCES[code] ?? CODE_SENTENCES.CLIENT;
}

/** The three ways a text field is refused (domain/text.py), then each field's own rule. */
function inputSentence(name, message) {
  const label = FIELD_NAMES[name];
  if (label && /must not be empty/.test(message)) return `${label}${josa(label, '을', '를')} 입력하세요.`;
  const limit = /at most (\d+)$/.exec(message);
  if (label && limit && /characters/.test(message)) {
    return `${label}${josa(label, '은', '는')} ${limit[1]}자까지 입력할 수 있습니다.`;
  }
  if (/must not contain/.test(message)) {
    return `${label ?? '입력'}에 보이지 않는 문자나 제어 문자는 쓸 수 없습니다.`;
  }
  if (name === 'points' && /amount due/.test(message)) return '적립금은 결제할 금액까지만 쓸 수 있습니다.';
  const lines = /at most (\d+) lines/.exec(message);
  if (name === 'items' && lines) return `한 주문에는 ${lines[1]}종까지 담을 수 있습니다.`;
  const most = /comes to at most ₩([\d,]*\d)/.exec(message);
  if (name === 'items' && most) return `한 주문은 ${most[1]}원까지 할 수 있습니다. 수량을 줄여 나눠 주문하세요.`;
  return FIELD_SENTENCES[name] ?? CODE_SENTENCES.INVALID_INPUT;
}

function stateSentence(name, message, action) {
  if (/cancelled already/.test(message)) return '이미 취소된 주문입니다.';
  if (/still being taken/.test(message)) {
    return '결제가 끝나기 전에는 일부만 취소할 수 없습니다. 주문 전체를 취소하거나 결제 완료 후 다시 시도하세요.';
  }
  if (name === 'quantity' && action === 'requestReturn') return '반품할 수 있는 수량보다 많이 고르셨습니다.';
  if (name === 'quantity') return '주문에 남은 수량보다 많이 취소할 수 없습니다.';
  const date = /\d{4}-\d{2}-\d{2}/.exec(message);
  if (action === 'requestReturn' && date) {
    const [y, m, d] = date[0].split('-').map(Number);
    return `반품 신청 기간이 ${y}년 ${m}월 ${d}일에 끝났습니다.`;
  }
  return STATE_SENTENCES[action] ?? CODE_SENTENCES.INVALID_STATE;
}
