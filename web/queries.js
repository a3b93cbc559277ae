// The GraphQL documents the page sends (all against docs/API.graphql).

export const PRODUCT_FIELDS = `
fragment ProductFields on Product {
  id isbn title author publisher
  listPrice { amount currency }
  salePrice { amount currency }
  discountRate pointsRate points
  stock { available }
}`;

export const CATALOGUE = `
query Catalogue($first: Int!, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    totalCount
    edges { node { ...ProductFields } }
    pageInfo { hasNextPage endCursor }
  }
}
${PRODUCT_FIELDS}`;

/** One query for every basket line: p0: product(id: $id0) ... (ids only as variables). */
export function basketRefresh(count) {
  const vars = Array.from({ length: count }, (_, i) => `$id${i}: ID!`).join(', ');
  const fields = Array.from({ length: count }, (_, i) => `p${i}: product(id: $id${i}) { ...ProductFields }`)
    .join('\n  ');
  return `query BasketRefresh(${vars}) {\n  ${fields}\n}\n${PRODUCT_FIELDS}`;
}

export const ORDER_FIELDS = `
fragment OrderFields on Order {
  id number status cancelReason createdAt updatedAt
  total { amount currency }
  subtotal { amount currency }
  shippingFee { amount currency }
  pointsUsed pointsToEarn
  amountCharged { amount currency }
  items {
    id quantity discountRate pointsRate points
    listPrice { amount currency }
    unitPrice { amount currency }
    lineTotal { amount currency }
    product { id title author publisher }
  }
  shippingAddress { recipient phone zipCode line1 line2 }
  payment { status attempts transactionId approvedAt amount { amount currency } }
  delivery { status carrier trackingNumber }
  history { status occurredAt }
  timeline { kind occurredAt message place status scan }
  availableActions { action available reasonCode reason until }
  returns { number reason status trackingNumber lines { quantity product { id title } } }
}`;

export const ORDER = `
query Order($id: ID!) {
  order(id: $id) { ...OrderFields }
}
${ORDER_FIELDS}`;

export const ORDER_LIVE = `
subscription OrderLive($id: ID!) {
  orderStatusChanged(orderId: $id) { ...OrderFields }
}
${ORDER_FIELDS}`;

export const PLACE_ORDER = `
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id number status }
    errors { code field message }
  }
}`;

export const CANCEL_ORDER = `
mutation CancelOrder($id: ID!, $reason: String) {
  cancelOrder(id: $id, reason: $reason) {
    order { ...OrderFields }
    errors { code field message }
  }
}
${ORDER_FIELDS}`;

export const CANCEL_ORDER_LINES = `
mutation CancelOrderLines($id: ID!, $lines: [OrderLineInput!]!, $idempotencyKey: String) {
  cancelOrderLines(id: $id, lines: $lines, idempotencyKey: $idempotencyKey) {
    order { ...OrderFields }
    errors { code field message }
  }
}
${ORDER_FIELDS}`;

export const CHANGE_DELIVERY_ADDRESS = `
mutation ChangeDeliveryAddress($id: ID!, $address: AddressInput!) {
  changeDeliveryAddress(id: $id, address: $address) {
    order { ...OrderFields }
    errors { code field message }
  }
}
${ORDER_FIELDS}`;

export const REQUEST_RETURN = `
mutation RequestReturn($id: ID!, $lines: [OrderLineInput!]!, $reason: ReturnReason!, $idempotencyKey: String) {
  requestReturn(id: $id, lines: $lines, reason: $reason, idempotencyKey: $idempotencyKey) {
    order { ...OrderFields }
    errors { code field message }
  }
}
${ORDER_FIELDS}`;

export const SHIPPING_POLICY = `
query ShippingPolicy {
  shippingPolicy { freeShippingThreshold { amount currency } fee { amount currency } }
}`;

export const MY_POINTS = `
query MyPoints {
  me { id points { balance } }
}`;

export const MY_ORDERS = `
query MyOrders($first: Int!, $after: String) {
  me {
    id name
    orders(first: $first, after: $after) {
      totalCount
      edges {
        node {
          id number status createdAt
          total { amount currency }
          items { quantity product { title } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
