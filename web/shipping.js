// The shipping fee, as the server charges it with its settings at their defaults
// (ORDERS_FREE_SHIPPING_THRESHOLD, ORDERS_SHIPPING_FEE: 15,000 and 2,500 won, as the big stores
// have charged since February 2023). The API does not expose the settings, so the page keeps
// them here, and only here, for the basket's estimate; an order shows the server's own figures.

export const FREE_SHIPPING_THRESHOLD = 15000;
export const SHIPPING_FEE = 2500;

/** The fee of a basket whose lines come to subtotal won at their sale prices. */
export function shippingFee(subtotal) {
  return subtotal > 0 && subtotal < FREE_SHIPPING_THRESHOLD ? SHIPPING_FEE : 0;
}

/** How much more would make the shipping free (0 when it is). */
export function untilFreeShipping(subtotal) {
  return Math.max(0, FREE_SHIPPING_THRESHOLD - subtotal);
}
