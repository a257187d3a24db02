/**
 * The corpus content per detector: values that must be flagged (positives), values made to look
 * like them that must not (lookalikes), and whole texts (hard negatives and injection samples).
 * Generated values come from a seeded generator, so the corpus is reproducible.
 */
import type { CorpusEntry } from "./generate.ts";
import { INJECTION_TEXTS } from "./injection-texts.ts";

interface ValueSet {
  positives: string[];
  lookalikes: string[];
  texts?: CorpusEntry[];
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(22);
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chars = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}
const withLuhn = (prefix: string, length: number) => {
  const body = prefix + digits(length - prefix.length - 1);
  return body + luhnCheckDigit(body);
};
const groupsOf = (value: string, sizes: number[], separator: string) => {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(value.slice(at, at + size));
    at += size;
  }
  if (at < value.length) parts.push(value.slice(at));
  return parts.filter(Boolean).join(separator);
};
const offByOne = (value: string) => {
  const positions = [...value].flatMap((c, i) => (/\d/.test(c) ? [i] : []));
  const at = positions[positions.length - 1] ?? 0;
  const digit = (Number(value[at]) + 1) % 10;
  return value.slice(0, at) + digit + value.slice(at + 1);
};

function cards(): ValueSet {
  const kinds: [string, number, number[]][] = [
    ["4", 16, [4, 4, 4, 4]],
    ["51", 16, [4, 4, 4, 4]],
    ["55", 16, [4, 4, 4, 4]],
    ["2221", 16, [4, 4, 4, 4]],
    ["2720", 16, [4, 4, 4, 4]],
    ["34", 15, [4, 6, 5]],
    ["37", 15, [4, 6, 5]],
    ["6011", 16, [4, 4, 4, 4]],
    ["3530", 16, [4, 4, 4, 4]],
    ["62", 19, [4, 4, 4, 4, 3]],
    ["36", 14, [4, 6, 4]],
  ];
  const positives: string[] = [];
  const lookalikes: string[] = [];
  for (let i = 0; i < 44; i++) {
    const [prefix, length, groups] = kinds[i % kinds.length] ?? ["4", 16, [4, 4, 4, 4]];
    const number = withLuhn(prefix, length);
    const written = i % 3 === 0 ? number : groupsOf(number, groups, i % 3 === 1 ? " " : "-");
    positives.push(written);
    lookalikes.push(offByOne(written));
  }
  // Right length and a valid Luhn digit, but no issuer uses the prefix.
  for (let i = 0; i < 12; i++) lookalikes.push(withLuhn(pick(["1", "7", "8", "9"]), 16));
  return {
    positives,
    lookalikes,
    texts: [
      { text: "Order #4111111111111111000 shipped", expect: [] },
      { text: "timestamp 1700000000000000 ns", expect: [] },
      { text: "Tracking: 1Z999AA10123456784", expect: [] },
      { text: "ISBN 978-3-16-148410-0", expect: [] },
      { text: "Call +1 415 555 2671", expect: [] },
      { text: "amount 0.4111111111111111 BTC", expect: [] },
    ],
  };
}

function ibanCheck(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const c of rearranged) rest = (rest * 10 + Number(c)) % 97;
  return String(98 - rest).padStart(2, "0");
}

function ibans(): ValueSet {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bbans: [string, () => string][] = [
    ["DE", () => digits(18)],
    ["GB", () => chars(letters, 4) + digits(14)],
    ["NL", () => chars(letters, 4) + digits(10)],
    ["AT", () => digits(16)],
    ["CH", () => digits(17)],
    ["IE", () => chars(letters, 4) + digits(14)],
    ["DK", () => digits(14)],
    ["LT", () => digits(16)],
    ["LU", () => digits(3) + chars(ALNUM.toUpperCase(), 13)],
    ["SA", () => digits(2) + digits(18)],
  ];
  const positives: string[] = [];
  const lookalikes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const [country, bban] = bbans[i % bbans.length] ?? ["DE", () => digits(18)];
    const body = bban();
    const iban = `${country}${ibanCheck(country, body)}${body}`;
    const written = i % 2 === 0 ? iban : groupsOf(iban, Array(9).fill(4), " ");
    positives.push(written);
    lookalikes.push(offByOne(written));
    if (i % 4 === 0) lookalikes.push(iban.slice(0, -1)); // one character short for its country
  }
  return {
    positives,
    lookalikes,
    texts: [
      { text: "Part number AB12CDEF34567890 in stock", expect: [] },
      { text: "SKU XX12 3456 7890 1234 56", expect: [] },
      { text: "Der Code lautet DE00 0000 0000 0000 0000 00", expect: [] },
      { text: "container MSCU1234567 arrived", expect: [] },
      // Published examples of countries whose BBAN has its own national check digit.
      ...[
        "BE68 5390 0754 7034",
        "FR14 2004 1010 0505 0001 3M02 606",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "PL61 1090 1014 0000 0712 1981 2874",
        "NO93 8601 1117 947",
        "FI21 1234 5600 0007 85",
      ].map((iban) => ({ text: `IBAN: ${iban}.`, expect: [iban] })),
    ],
  };
}

function ssns(): ValueSet {
  const positives: string[] = [];
  const lookalikes: string[] = [];
  for (let i = 0; i < 40; i++) {
    let area = 1 + Math.floor(random() * 898);
    if (area === 666) area = 667;
    const group = String(1 + Math.floor(random() * 99)).padStart(2, "0");
    const serial = String(1 + Math.floor(random() * 9999)).padStart(4, "0");
    const separator = i % 4 === 3 ? " " : "-";
    positives.push([String(area).padStart(3, "0"), group, serial].join(separator));
    const bad =
      [
        ["000", group, serial],
        ["666", group, serial],
        [String(900 + (i % 100)), group, serial],
        [String(area).padStart(3, "0"), "00", serial],
        [String(area).padStart(3, "0"), group, "0000"],
      ][i % 5] ?? [];
    lookalikes.push(bad.join("-"));
  }
  return {
    positives,
    lookalikes,
    texts: [
      { text: "the SSA sample card shows 078-05-1120", expect: [] },
      { text: "call 555-123-4567", expect: [] },
      { text: "account 123456789", expect: [] },
      { text: "date 2023-10-05", expect: [] },
      { text: "range 123-45-67890", expect: [] },
    ],
  };
}

function emails(): ValueSet {
  return {
    positives: [
      "jane.doe@example.com",
      "j.smith+invoices@corp.example.co.uk",
      "müller@bücher.de",
      "o'connor@example.ie",
      "first_last@sub.domain.example.org",
      "x@y.io",
      "support@xn--mnchen-3ya.de",
      "anna.kowalska@poczta.pl",
      "小林@例え.jp",
      "user123@mail.example.travel",
      "a-b.c_d@ex-ample.com",
      "ceo@startup.ai",
      "hola@correo.es",
      "info@société.fr",
      "zhang.wei@example.cn",
      "N.ROSSI@EXAMPLE.IT",
      "team@dev.example.dev",
      "joão@empresa.com.br",
      "ops-alerts@status.example.net",
      "k@k.co",
    ],
    lookalikes: [
      "@alice",
      "@scope/pkg@1.2.3",
      "user@localhost",
      "git@github",
      "3@4",
      "name at example dot com",
      "foo@bar",
      "admin@127",
      "@@example.com",
      "me@.com",
    ],
    texts: [
      { text: "npm install @types/node@20 --save", expect: [] },
      { text: "decorate with @dataclass and @property", expect: [] },
      { text: "ssh git@github.com:org/repo.git", expect: ["git@github.com"] },
      { text: "mention @bob@team in chat", expect: [] },
    ],
  };
}

function phones(): ValueSet {
  return {
    positives: [
      "+1 415 555 2671",
      "+14155552671",
      "+44 20 7946 0958",
      "+442079460958",
      "+49 30 901820",
      "+33 6 12 34 56 78",
      "+34 612 34 56 78",
      "+39 06 6982 1234",
      "+31 20 794 0958",
      "+91 98765 43210",
      "+81 3-1234-5678",
      "+86 138 0013 8000",
      "+55 11 91234-5678",
      "+61 2 9374 4000",
      "0044 20 7946 0958",
      "0049 89 12345678",
      "(415) 555-2671",
      "415-555-2671",
      "212.555.0147",
      "020 7946 0958",
      "030 901820",
      "089 12345678",
      "06 12 34 56 78",
      "01 42 68 53 00",
      "612 34 56 78",
      "06 6982 1234",
      "020-794 0958",
    ],
    lookalikes: [
      "2024-01-01",
      "4155552671",
      "+1 000 000 0000",
      "3.14159265",
      "10.2.3",
      "12345678",
      "+99 1234 5678",
      "1234 5678 9012 3456",
      "01/02/2023",
      "+44 12",
    ],
    texts: [
      { text: "Telefon: 030901820", expect: ["030901820"] },
      { text: "tel 4155552671", expect: ["4155552671"] },
      { text: "ORDER 4155552671 SHIPPED", expect: [] },
      { text: "price 1 234 567 EUR", expect: [] },
      // Written after tuning, not tuned against.
      { text: "Ruf mich an unter 0171 2345678.", expect: ["0171 2345678"] },
      { text: "WhatsApp: +971 50 123 4567", expect: ["+971 50 123 4567"] },
      { text: "Llámame al 91 123 45 67", expect: ["91 123 45 67"] },
      { text: "電話 03-1234-5678 まで", expect: ["03-1234-5678"] },
      { text: "Ref. 2023-118-4471 closed", expect: [] },
      { text: "coordinates 48.8566, 2.3522", expect: [] },
      { text: "serial 555 0100 2000 in batch", expect: [] },
      { text: "build 20240115.3 passed", expect: [] },
    ],
  };
}

function ips(): ValueSet {
  return {
    positives: [
      "192.168.1.20",
      "10.0.0.1",
      "8.8.8.8",
      "172.16.254.3",
      "203.0.113.195",
      "255.255.255.255",
      "0.0.0.0",
      "2001:db8::8a2e:370:7334",
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
      "fe80::1",
      "::1",
      "::ffff:192.0.2.128",
      "2606:4700:4700::1111",
      "100.64.0.1",
      "198.51.100.7",
    ],
    lookalikes: [
      "999.1.1.1",
      "1.3.6.1.4.1.311",
      "v1.2.3.4",
      "12:30:45",
      "20.11.1",
      "256.256.256.256",
      "1.2.3",
      "2001:db8:::1",
      "10.0.0",
      "01:02:03:04",
    ],
    texts: [
      { text: "upgrade to version 1.2.3.4 today", expect: [] },
      { text: "meeting 09:30:00 - 10:30:00", expect: [] },
      { text: "MAC 00:1A:2B:3C:4D:5E", expect: [] },
    ],
  };
}

function secrets(): ValueSet {
  const lower = "abcdefghijklmnopqrstuvwxyz0123456789";
  const positives: string[] = [];
  for (let i = 0; i < 6; i++) {
    positives.push(`sk-proj-${chars(ALNUM, 48)}`);
    positives.push(`sk-ant-api03-${chars(`${ALNUM}_-`, 93)}AA`);
    positives.push(`AKIA${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`);
    positives.push(`ghp_${chars(ALNUM, 36)}`);
    positives.push(`AIza${chars(`${ALNUM}_-`, 35)}`);
    positives.push(`sk_live_${chars(ALNUM, 24)}`);
    positives.push(`xoxb-${digits(11)}-${digits(12)}-${chars(ALNUM, 24)}`);
  }
  const jwtPart = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  for (let i = 0; i < 4; i++) {
    positives.push(
      `${jwtPart({ alg: "HS256", typ: "JWT" })}.${jwtPart({ sub: digits(8), iat: 1700000000 + i })}.${chars(`${ALNUM}_-`, 43)}`,
    );
    positives.push(
      `-----BEGIN ${i % 2 ? "RSA " : ""}PRIVATE KEY-----\n${chars(ALNUM, 64)}\n${chars(ALNUM, 64)}\n-----END ${i % 2 ? "RSA " : ""}PRIVATE KEY-----`,
    );
  }
  for (let i = 0; i < 6; i++) positives.push(`Zk${chars(ALNUM, 30)}9`);
  const hex = "0123456789abcdef";
  const lookalikes: string[] = [];
  for (let i = 0; i < 6; i++) {
    lookalikes.push(chars(hex, 40)); // git SHA
    lookalikes.push(chars(hex, 64)); // SHA-256
    lookalikes.push(crypto.randomUUID().replace(/[0-9a-f]/g, () => chars(hex, 1)));
    lookalikes.push(`AKIA${chars(lower, 8)}`);
  }
  lookalikes.push(
    "useGuardrailPolicyResolverForOrganisation2",
    "the sk-ll of it",
    "ConfigurationManagerFactoryBean_v2",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT",
    "sk_test",
    "AKIA",
    "https://example.com/path/to/some/resource/index.html",
  );
  return { positives, lookalikes };
}

export const VALUES: Record<string, ValueSet> = {
  PAYMENT_CARD: cards(),
  IBAN: ibans(),
  US_SSN: ssns(),
  EMAIL: emails(),
  PHONE: phones(),
  IP_ADDRESS: ips(),
  SECRET: secrets(),
  INJECTION: { positives: [], lookalikes: [], texts: INJECTION_TEXTS },
};
