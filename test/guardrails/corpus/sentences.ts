/**
 * Sentence frames in the languages our users write, each with one `{}` where a value goes. The
 * corpus puts positives and lookalikes into the same frames, so the detector cannot tell them
 * apart by the words around them.
 */
export const FRAMES: readonly string[] = [
  "Please send the invoice to {} before Friday.",
  "My details are {} — keep them safe.",
  "Bitte überweisen Sie den Betrag an {}, danke.",
  "Voici mes coordonnées : {}. Merci !",
  "Mis datos son {} por si los necesitas.",
  "Il riferimento è {} come da accordi.",
  "O valor deve ir para {} amanhã.",
  "Mijn gegevens: {} (niet delen).",
  "请把资料发到 {} 谢谢",
  "詳細は {} です。",
  "{}",
  "log line 2024-03-01T10:00:00Z value={} status=ok",
  "| customer | {} | active |",
];

/** A frame chosen by index, so the corpus is the same every time it is generated. */
export function framed(index: number, value: string): { text: string; value: string } {
  const frame = FRAMES[index % FRAMES.length] ?? "{}";
  return { text: frame.replace("{}", value), value };
}
