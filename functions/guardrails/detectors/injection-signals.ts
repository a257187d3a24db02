/**
 * The signals of prompt injection, each with a weight: how strongly it alone suggests an attempt.
 * Phrase lists cover English and the other languages our users write in most (de, fr, es, it,
 * pt, nl, zh, ja); each pattern is a literal-ish alternation with bounded gaps, so matching stays
 * linear in the text.
 */
export interface PhraseSignal {
  name: string;
  weight: number;
  /**
   * Where a match can begin: a cheap scan (a plain alternation of the first words) that finds the
   * few places where `pattern` is worth trying, so the full pattern is not tried at every position.
   */
  starts: RegExp;
  pattern: RegExp;
}

const GAP = String.raw`(?:\s+\S+){0,3}?\s+`;

export const PHRASE_SIGNALS: readonly PhraseSignal[] = [
  {
    name: "instruction_override",
    weight: 0.6,
    starts:
      /ignor|disregard|forget|skip|override|bypass|vergiss|oublie|olvida|dimentica|esque|negeer|忽略|无视|忘记|忽視|以前|前|上記|new|from/gi,
    pattern: new RegExp(
      [
        String.raw`(?<!(?:n't|not|never)\s)\b(?:ignore|disregard|forget|skip|override|bypass)${GAP}(?:previous|prior|above|earlier|preceding|all|any|your|system)\s+(?:\w+\s+)?(?:instructions?|prompts?|rules|directions|guidelines|directives|context|messages?)\b`,
        String.raw`\bignor(?:ez|ieren|iere|a|ar|e)\s+(?:\S+\s+){0,3}?(?:instructions?|anweisungen|instrucciones|istruzioni|instruções|regeln|règles|reglas|regole)`,
        String.raw`\b(?:vergiss|oublie|olvida|dimentica|esqueça)\s+(?:\S+\s+){0,3}?(?:anweisungen|instructions|instrucciones|istruzioni|instruções)`,
        String.raw`\bnegeer\s+(?:alle\s+)?(?:vorige|eerdere)?\s*instructies`,
        "(?:忽略|无视|忘记|忽視)(?:之前|以上|先前|上面|所有)?的?(?:所有)?(?:指令|指示|说明|規則|规则)",
        "(?:以前|前|上記)の(?:指示|命令)を(?:すべて)?無視",
        String.raw`\bnew\s+(?:system\s+)?instructions?\s*:`,
        String.raw`\bfrom\s+now\s+on,?\s+you\s+(?:will|must|are)\b`,
      ].join("|"),
      "giu",
    ),
  },
  {
    name: "prompt_exfiltration",
    weight: 0.5,
    starts: /reveal|print|show|repeat|output|leak|tell/gi,
    pattern:
      /\b(?:reveal|print|show|repeat|output|leak|tell me)\s+(?:me\s+)?(?:your|the)\s+(?:\w+\s+)?(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|instructions\s+above)\b/giu,
  },
  {
    name: "roleplay_jailbreak",
    weight: 0.6,
    starts: /you|act|pretend|roleplay|developer|god|jailbreak|unrestricted|enable|no/gi,
    pattern: new RegExp(
      [
        String.raw`\b(?:you\s+are\s+now|act\s+as|pretend\s+(?:to\s+be|you\s+are)|roleplay\s+as)\s+(?:\S+\s+){0,4}?(?:DAN|jailbroken|unrestricted|unfiltered|uncensored|evil|without\s+(?:any\s+)?(?:restrictions|limits|rules|filters|guidelines))`,
        String.raw`\byou\s+(?:can|will|must|are\s+going\s+to)\s+do\s+anything\s+now\b`,
        String.raw`\b(?:developer|god|jailbreak|unrestricted)\s+mode\s+(?:enabled|on|activated)\b`,
        String.raw`\benable\s+(?:developer|jailbreak|god)\s+mode\b`,
        String.raw`\bno\s+(?:longer\s+)?(?:bound|restricted)\s+by\s+(?:any\s+)?(?:rules|guidelines|policies|openai)`,
      ].join("|"),
      "giu",
    ),
  },
  {
    name: "tool_output_instruction",
    weight: 0.3,
    starts:
      /assistant|ai|model|agent|you|system|<\/?(?:system|im_|tool_output|instructions)|send|forward|post|upload|exfiltrate/gi,
    pattern: new RegExp(
      [
        String.raw`\b(?:assistant|AI|model|agent|you)\s*(?:,\s*)?(?:must|should|need\s+to)\s+(?:now\s+|immediately\s+)(?:call|run|execute|send|email|forward|delete|transfer|visit|open)\b`,
        String.raw`(?<=(?:^|\n)[ \t]*)(?:SYSTEM|ASSISTANT)\s*(?:MESSAGE|PROMPT|OVERRIDE)?\s*:\s*\S`,
        String.raw`<\/?(?:system|im_start|im_end|tool_output|instructions)>`,
        String.raw`\b(?:send|forward|post|upload|exfiltrate)\s+(?:\S+\s+){0,5}?to\s+https?:\/\/`,
      ].join("|"),
      "giu",
    ),
  },
];

/** Zero-width and invisible formatting characters (and the U+E00xx tag block used to smuggle ASCII). */
export const INVISIBLE = /[\u200B-\u200D\u2060-\u2064\u180E]|(?!^)\uFEFF|[\u{E0000}-\u{E007F}]/gu;
/** Bidirectional overrides and isolates: text that renders in a different order than it reads. */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** HTML comments: invisible when rendered, read by the model. Bounded so an open `<!--` is linear. */
export const HTML_COMMENT = /<!--[\s\S]{0,4000}?-->/g;
/** Base64 runs long enough to hide a sentence. */
export const BASE64_BLOB = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])/g;
export const HIDDEN_TEXT_WEIGHT = 0.4;
/** Hidden content that itself reads as an instruction weighs as much as a plain override. */
export const HIDDEN_INSTRUCTION_WEIGHT = 0.7;
