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

/** A customer may still cancel in these states (until the parcel is picked up). */
export const CANCELLABLE = new Set(['PENDING', 'STOCK_RESERVED', 'PAID', 'PREPARING']);

/** No more changes after these. */
export const FINAL = new Set(['DELIVERED', 'CANCELLED']);

/** The delivery events the service records itself (no carrier scan), in its words. */
export const OWN_DELIVERY_EVENTS = {
  PREPARING: '택배사에 접수했습니다',
  CANCELLED: '택배사에 배송 취소를 알렸습니다',
};

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

/** A history entry at the status the order already had: only a partial cancellation writes one. */
export const HISTORY_SAME_STATUS = '주문의 일부를 취소했습니다.';

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
