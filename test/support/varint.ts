/** `value` (a non-negative safe integer) as a protobuf base-128 varint; tests build wire bytes by hand with it. */
export function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  // Division, not bit shifts: a shift reads the number as 32 bits, and field tags and sizes here go past that.
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}
