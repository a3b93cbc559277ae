// The shipping fee as the server charges it: free from a threshold of the lines' sale prices,
// otherwise a fee (Query.shippingPolicy, the service's ORDERS_FREE_SHIPPING_THRESHOLD and
// ORDERS_SHIPPING_FEE), asked once per visit, for the basket's figures before there is an order;
// an order shows the server's own.

import { gql } from './graphql.js';
import { SHIPPING_POLICY } from './queries.js';

let asked = null;
let known = null;

/** {threshold, fee} in won, once the server has said them (null before). */
export function knownPolicy() {
  return known;
}

/** The policy, asked of the server the first time. */
export function shippingPolicy() {
  asked ??= gql(SHIPPING_POLICY).then((data) => {
    const { freeShippingThreshold, fee } = data.shippingPolicy;
    known = { threshold: freeShippingThreshold.amount, fee: fee.amount };
    return known;
  }).catch((error) => {
    asked = null; // ask again next time
    throw error;
  });
  return asked;
}

/** The fee of lines that come to subtotal won at their sale prices. */
export function shippingFee(policy, subtotal) {
  return subtotal > 0 && subtotal < policy.threshold ? policy.fee : 0;
}

/** How much more would make the shipping free (0 when it is). */
export function untilFreeShipping(policy, subtotal) {
  return Math.max(0, policy.threshold - subtotal);
}
