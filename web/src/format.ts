export interface MoneyLike {
  amount: number;
  currency: string;
}

const locale = "en-GB";

/** Minor units to a currency string: 1999 GBP is £19.99, 1999 JPY is ¥1,999. */
export function money({ amount, currency }: MoneyLike): string {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** An AWSDate (2026-01-31) as a day, read as the calendar date it names. */
export function day(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(locale, {
    weekday: "short",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
}

export function time(isoDateTime: string): string {
  return new Date(isoDateTime).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** The URL with checkoutId added, after `?` or `&` as the URL already has a query or not. */
export function withCheckoutId(url: string, checkoutId: string): string {
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}checkoutId=${encodeURIComponent(checkoutId)}`;
}

export function randomKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
