'use strict';

const crypto = require('crypto');

// luhn reports whether a card number passes the Luhn checksum.
function luhn(number) {
  const digits = String(number).replace(/\D/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 12 && sum % 10 === 0;
}

function charge({ amount, creditCard }) {
  if (!creditCard || !luhn(creditCard.creditCardNumber)) {
    throw new Error('credit card number is invalid');
  }
  const now = new Date();
  const year = creditCard.creditCardExpirationYear;
  const month = creditCard.creditCardExpirationMonth;
  if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
    throw new Error('credit card is expired');
  }
  if (!amount || Number(amount.units) < 0) {
    throw new Error('amount must not be negative');
  }
  return { transactionId: crypto.randomUUID() };
}

module.exports = { charge, luhn };
