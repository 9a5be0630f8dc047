/** An MQTT fixed header announcing `length` bytes, encoded as a client would [MQTT-2.2.3]. */
export function fixedHeader(typeByte: number, length: number): Buffer {
  const bytes = [typeByte];
  do {
    let b = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) b |= 0x80;
    bytes.push(b);
  } while (length > 0);
  return Buffer.from(bytes);
}
