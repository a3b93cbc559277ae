// Display names of the API's enums, [ko, en]: the page shows one of them (lang.js).

import { t } from './lang.js';

export const ORDER_STATUS = {
  PENDING: ['주문 접수', 'Pending'],
  STOCK_RESERVED: ['재고 확보', 'Stock reserved'],
  PAID: ['결제 완료', 'Paid'],
  PREPARING: ['상품 준비 중', 'Preparing'],
  SHIPPED: ['배송 중', 'Shipped'],
  DELIVERED: ['배송 완료', 'Delivered'],
  CANCELLED: ['주문 취소', 'Cancelled'],
};

/** The happy path, in order (for the progress steps on the order page). */
export const ORDER_STEPS = ['PENDING', 'STOCK_RESERVED', 'PAID', 'PREPARING', 'SHIPPED', 'DELIVERED'];

/** No more changes after these. */
export const FINAL = new Set(['DELIVERED', 'CANCELLED']);

/** The delivery events the service records itself (no carrier scan), in the page's words, by
 * the fixed opening of the service's note (domain/steps/delivery.py). */
export const OWN_DELIVERY_EVENTS = [
  [/^registered/, '택배사에 접수했습니다'],
  [/^address changed/, '택배사에 바뀐 배송지를 알렸습니다'],
  [/^cancelled/, '택배사에 배송 취소를 알렸습니다'],
];

/** What entering each status means, as the order's history tells it. */
export const HISTORY_SENTENCES = {
  PENDING: '주문을 접수했습니다.',
  STOCK_RESERVED: '주문하신 책의 재고를 확보했습니다.',
  PAID: '결제가 완료되었습니다.',
  PREPARING: '택배사에 배송을 등록했습니다.',
  SHIPPED: '택배사가 상품을 가져갔습니다.',
  DELIVERED: '배송이 완료되었습니다.',
  CANCELLED: '주문이 취소되었습니다.',
};

/** History entries at the status the order already had, by the fixed opening of the service's
 * note (domain/partial_cancellation.py, domain/address_change.py). */
export const HISTORY_SAME_STATUS = [
  [/^cancelled/, '주문의 일부를 취소했습니다.'],
  [/^delivery address changed/, '배송지를 바꿨습니다.'],
];

/** Order.availableActions: what each action is called. */
export const ORDER_ACTION = {
  CANCEL: ['주문 취소', 'Cancel the order'],
  CANCEL_LINES: ['부분취소', 'Cancel some books'],
  CHANGE_ADDRESS: ['배송지 변경', 'Change the address'],
  RETURN: ['반품 신청', 'Return'],
};

/** Why an action is not available (ActionUnavailableReason), in the page's words; a return
 * period's end is said with its date (order_actions.js). */
export const ACTION_UNAVAILABLE = {
  CANCELLED: ['이미 취소된 주문입니다.', 'The order is cancelled.'],
  NOT_PAID_YET: ['결제가 끝난 뒤에 상품별로 취소할 수 있습니다. 지금은 주문 전체를 취소할 수 있습니다.',
    'Books can be cancelled one by one once the order is paid; the whole order can be cancelled now.'],
  PICKED_UP: ['택배사가 상품을 이미 가져갔습니다.', 'The carrier has picked the parcel up.'],
  NOT_DELIVERED: ['배송이 끝난 뒤에 반품을 신청할 수 있습니다.', 'A return can be asked for once delivered.'],
  RETURN_PERIOD_ENDED: ['반품 신청 기간이 끝났습니다.', 'The return period is over.'],
  NOTHING_TO_RETURN: ['반품할 수 있는 상품이 남아 있지 않습니다.', 'Nothing is left to return.'],
};

export const CANCEL_REASON = {
  CUSTOMER_REQUEST: ['고객 요청', 'Customer request'],
  OUT_OF_STOCK: ['재고 부족', 'Out of stock'],
  PAYMENT_DECLINED: ['결제 거절', 'Payment declined'],
  PAYMENT_FAILED: ['결제 실패', 'Payment failed'],
  DELIVERY_FAILED: ['배송 등록 실패', 'Delivery failed'],
};

export const PAYMENT_STATUS = {
  PENDING: ['결제 대기', 'Pending'],
  APPROVED: ['승인', 'Approved'],
  DECLINED: ['거절', 'Declined'],
  FAILED: ['실패', 'Failed'],
  REFUNDED: ['환불', 'Refunded'],
  VOIDED: ['결제 취소', 'Voided'],
};

export const DELIVERY_STATUS = {
  PREPARING: ['배송 준비', 'Preparing'],
  PICKED_UP: ['집화 완료', 'Picked up'],
  IN_TRANSIT: ['이동 중', 'In transit'],
  OUT_FOR_DELIVERY: ['배송 출발', 'Out for delivery'],
  DELIVERED: ['배송 완료', 'Delivered'],
  CANCELLED: ['배송 취소', 'Cancelled'],
};

/** The payment gateway's test tokens (PaymentInput.token). */
export const PAYMENT_TOKENS = [
  ['tok_ok', '승인', 'Approved'],
  ['tok_decline', '거절', 'Declined'],
  ['tok_flaky_2', '일시 오류 후 승인', 'Flaky, then approved'],
  ['tok_down', '결제망 장애 → 취소', 'Gateway down → cancelled'],
];

/** "배송 중" (or "Shipped" in English) for a value of one of the maps above; unknown values
 * show as they are. */
export function labelText(map, value) {
  const names = map[value];
  return names ? t(...names) : String(value ?? '—');
}
