/** Valid numbers for the benchmarks: US (several zones), London and China mobiles. */
const usAreaCodes = ['212', '305', '312', '415', '602', '713', '808', '907', '605', '850'];

export function benchNumber(i: number): string {
  switch (i % 3) {
    case 0:
      return `+1${usAreaCodes[i % usAreaCodes.length]}${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`;
    case 1:
      return `+4420794${String(10_000 + (i % 89_999)).padStart(5, '0')}`;
    default:
      return `+86138${String(i % 100_000_000).padStart(8, '0')}`;
  }
}
