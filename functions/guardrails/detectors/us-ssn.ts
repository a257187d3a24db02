/**
 * US Social Security Numbers, `AAA-GG-SSSS` or `AAA GG SSSS`, within the ranges the SSA issues
 * (https://www.ssa.gov/employer/randomization.html): area not 000, 666 or 900–999, group not
 * 00, serial not 0000. Nine bare digits are not flagged: without the separators they are as
 * likely an order or account number, and there is no checksum to tell them apart. The SSA's
 * advertising numbers (078-05-1120, 219-09-9999) are well-known fakes and are not flagged.
 */
import type { Finding } from "./types.ts";

const CANDIDATE = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const PUBLICISED = new Set(["078051120", "219099999"]);

export function isIssuableSsn(area: string, group: string, serial: string): boolean {
  const areaNumber = Number(area);
  if (areaNumber === 0 || areaNumber === 666 || areaNumber >= 900) return false;
  if (group === "00" || serial === "0000") return false;
  return !PUBLICISED.has(area + group + serial);
}

export function detectUsSsns(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const [raw, area = "", , group = "", serial = ""] = match;
    if (!isIssuableSsn(area, group, serial)) continue;
    findings.push({
      detector: "US_SSN",
      start: match.index,
      end: match.index + raw.length,
      signals: ["us_ssn"],
    });
  }
  return findings;
}
