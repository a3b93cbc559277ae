// The five fields of an address (AddressInput), for the checkout and for an address change.

import { h, bi } from '../dom.js';

const ADDRESS_FIELDS = [
  // name, testid and id suffix, [ko, en], input attributes
  ['recipient', 'recipient', ['받는 분', 'Recipient'], { autocomplete: 'name', maxlength: 100 }],
  ['phone', 'phone', ['연락처', 'Phone'], { type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxlength: 30 }],
  ['zipCode', 'zip', ['우편번호', 'Zip code'], { autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 10, class: 'input-short' }],
  ['line1', 'line1', ['주소', 'Address'], { autocomplete: 'address-line1', maxlength: 200 }],
  ['line2', 'line2', ['상세 주소 (선택)', 'Address line 2 (optional)'], { autocomplete: 'address-line2', maxlength: 200 }],
];

/**
 * The inputs (ids and testids `${prefix}-recipient`, ...), each with its label and its error
 * slot, registered with errors at `${path}.${name}` (the UserError field of that input).
 * Answers {fields, inputs, read(), fill(values)}.
 */
export function addressInputs({ errors, path, prefix, values = {}, onInput = () => {} }) {
  const inputs = {};
  const fields = ADDRESS_FIELDS.map(([name, suffix, [ko, en], attrs]) => {
    const id = `${prefix}-${suffix}`;
    const input = h('input', { id, name, testid: id, value: values[name] ?? '', ...attrs });
    const slot = h('div', { class: 'slot-errors', hidden: true });
    input.addEventListener('input', () => onInput(name, input.value));
    inputs[name] = input;
    errors.register(`${path}.${name}`, slot, input);
    return h('div', { class: `field field-${name}` }, h('label', { for: id }, bi(ko, en)), input, slot);
  });
  return {
    fields,
    inputs,
    /** The address as AddressInput: trimmed, an empty second line as null. */
    read() {
      const address = Object.fromEntries(ADDRESS_FIELDS.map(([name]) => [name, inputs[name].value.trim()]));
      return { ...address, line2: address.line2 || null };
    },
    fill(next) {
      for (const [name] of ADDRESS_FIELDS) inputs[name].value = next[name] ?? '';
    },
  };
}
