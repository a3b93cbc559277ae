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

/** Order.timeline: what an entry other than a status reached is (a scan shows its own name). */
export const TIMELINE_KIND = {
  ORDER_CHANGED: ['주문 변경', 'Order changed'],
  PAYMENT_APPROVED: ['결제 승인', 'Payment approved'],
  PAYMENT_REFUNDED: ['환불', 'Refunded'],
  PAYMENT_PARTIALLY_REFUNDED: ['부분 환불', 'Partly refunded'],
  PARCEL_SCAN: ['배송 조회', 'Tracking'],
  PARCEL_UPDATE: ['택배 접수', 'Parcel'],
};

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

/** ReturnReason: what a return costs follows from it. */
export const RETURN_REASON = {
  CHANGE_OF_MIND: ['단순변심', 'Change of mind'],
  DAMAGED: ['파손 또는 오배송', 'Damaged or wrong book'],
};

/** ReturnStatus, as the customer follows a return. */
export const RETURN_STATUS = {
  REQUESTED: ['반품 접수', 'Asked for'],
  COLLECTING: ['회수 예정', 'To be picked up'],
  PICKED_UP: ['회수 중', 'On its way back'],
  RECEIVED: ['반품 완료 · 환불', 'Back and refunded'],
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
