// Numbers for people: 1,008,000. Written by hand because Number#toLocaleString initializes ICU,
// which costs more start-up time than `purgeplan validate` spends on a whole purge.yaml.
export function count(n: number): string {
  const [whole, fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
