/**
 * A locally administered unicast MAC from six random bytes: the first byte's multicast bit
 * cleared and its locally-administered bit set (`(b & 0xfe) | 0x02`), so it never collides with
 * a vendor-assigned address. Throws `RangeError` for fewer than six bytes.
 */
export function randomLocalMac(bytes: Uint8Array): string {
  if (bytes.length < 6) throw new RangeError('randomLocalMac needs 6 random bytes');
  const octets = Array.from(bytes.subarray(0, 6));
  octets[0] = ((octets[0] ?? 0) & 0xfe) | 0x02;
  return octets.map((octet) => octet.toString(16).padStart(2, '0')).join(':');
}
