/* BERT's WordPiece tokenizer, as Hugging Face `tokenizers` runs it for a BertNormalizer +
 * BertPreTokenizer + WordPiece tokenizer.json, step for step, so that the lesson widgets
 * show exactly the ids AutoTokenizer gives (tests/test_live_browser.py compares them):
 *
 *   normalise: drop NUL, U+FFFD and "other" characters (Cc Cf Co Cn Cs, except tab, newline
 *              and carriage return), every White_Space character becomes a space; put
 *              spaces around CJK ideographs; NFD and drop nonspacing marks (accents);
 *              lowercase character by character (no context rule: a lone capital sigma
 *              gives σ everywhere, as Rust's char::to_lowercase does);
 *   split:     on whitespace (removed), each punctuation character on its own (ASCII
 *              punctuation or a Unicode P category);
 *   WordPiece: longest match first, "##" on the pieces after the first; a word with a
 *              piece outside the vocabulary, or longer than 100 characters, is one [UNK];
 *   truncate:  longest first, then [CLS] A [SEP] (B [SEP]) with type ids 0 for A and 1 for B.
 *
 * Loaded by the widget worker with importScripts; it touches no page.
 */
(function (root) {
  "use strict";

  const OTHER = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/u;
  const WHITE = /\p{White_Space}/u;
  const MARK = /\p{Mn}/u;
  const PUNCT = /\p{P}/u;

  // The code point ranges `tokenizers` (normalizers/bert.rs) treats as CJK ideographs.
  const CJK = [
    [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f],
    [0x2b740, 0x2b81f], [0x2b920, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
  ];

  function isCjk(cp) {
    for (const [lo, hi] of CJK) if (cp >= lo && cp <= hi) return true;
    return false;
  }

  function isWhitespace(ch) {
    return ch === "\t" || ch === "\n" || ch === "\r" || WHITE.test(ch);
  }

  function isControl(ch) {
    if (ch === "\t" || ch === "\n" || ch === "\r") return false;
    return OTHER.test(ch);
  }

  function isPunctuation(ch) {
    const cp = ch.codePointAt(0);
    const ascii = (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
      (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
    return ascii || PUNCT.test(ch);
  }

  class WordPiece {
    /* vocabText: vocab.txt (one token a line, the line number is its id).
     * options: the "tokenizer" object of live.json / tutor-export.json. */
    constructor(vocabText, options) {
      const o = options || {};
      this.lowercase = o.lowercase !== false;
      this.stripAccents = o.strip_accents === undefined ? this.lowercase : !!o.strip_accents;
      this.cleanText = o.clean_text !== false;
      this.chineseChars = o.handle_chinese_chars !== false;
      this.maxChars = o.max_input_chars_per_word || 100;
      this.unk = o.unk_token || "[UNK]";
      this.vocab = new Map();
      const lines = vocabText.split("\n");
      if (lines.length && lines[lines.length - 1] === "") lines.pop();
      lines.forEach((line, i) => {
        const token = line.endsWith("\r") ? line.slice(0, -1) : line;
        if (!this.vocab.has(token)) this.vocab.set(token, i);
      });
      for (const special of ["[CLS]", "[SEP]", this.unk]) {
        if (!this.vocab.has(special)) throw new Error(`the vocabulary has no ${special}`);
      }
    }

    normalize(text) {
      let out = "";
      for (const ch of text) {
        const cp = ch.codePointAt(0);
        if (this.cleanText) {
          if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
          if (isWhitespace(ch)) { out += " "; continue; }
        }
        out += this.chineseChars && isCjk(cp) ? ` ${ch} ` : ch;
      }
      if (this.stripAccents) {
        let kept = "";
        for (const ch of out.normalize("NFD")) if (!MARK.test(ch)) kept += ch;
        out = kept;
      }
      if (this.lowercase) {
        let lower = "";
        for (const ch of out) lower += ch.toLowerCase();
        out = lower;
      }
      return out;
    }

    words(normalized) {
      const words = [];
      let current = "";
      for (const ch of normalized) {
        if (isWhitespace(ch)) {
          if (current) words.push(current);
          current = "";
        } else if (isPunctuation(ch)) {
          if (current) words.push(current);
          words.push(ch);
          current = "";
        } else {
          current += ch;
        }
      }
      if (current) words.push(current);
      return words;
    }

    wordPieces(word) {
      const chars = Array.from(word);
      if (chars.length > this.maxChars) return [this.unk];
      const pieces = [];
      let start = 0;
      while (start < chars.length) {
        let end = chars.length;
        let found = null;
        while (start < end) {
          let piece = chars.slice(start, end).join("");
          if (start > 0) piece = "##" + piece;
          if (this.vocab.has(piece)) { found = piece; break; }
          end -= 1;
        }
        if (found === null) return [this.unk];
        pieces.push(found);
        start = end;
      }
      return pieces;
    }

    tokens(text) {
      const out = [];
      for (const word of this.words(this.normalize(text))) out.push(...this.wordPieces(word));
      return out;
    }

    /* The pair lengths `tokenizers` keeps under TruncationStrategy::LongestFirst. */
    static truncatedLengths(n1, n2, room) {
      if (n1 + n2 <= room) return [n1, n2];
      const swap = n1 > n2;
      let [short, long] = swap ? [n2, n1] : [n1, n2];
      if (short > room) long = short;
      else long = Math.max(short, room - short);
      if (short + long > room) {
        short = Math.floor(room / 2);
        long = short + (room % 2);
      }
      const [a, b] = swap ? [long, short] : [short, long];
      return [Math.min(a, n1), Math.min(b, n2)];
    }

    /* {tokens, input_ids, token_type_ids, attention_mask, truncated} for a text or a pair,
     * at most maxLength tokens with the special ones (longest first, as AutoTokenizer's
     * truncation=True does). */
    encode(a, b, maxLength) {
      const limit = maxLength || 512;
      let first = this.tokens(a);
      // An empty second text is no pair at all, as in transformers' tokenizer call.
      let second = b === undefined || b === null || b === "" ? null : this.tokens(b);
      const room = limit - (second ? 3 : 2);
      let truncated = false;
      if (second) {
        const [n1, n2] = WordPiece.truncatedLengths(first.length, second.length, room);
        truncated = n1 < first.length || n2 < second.length;
        first = first.slice(0, n1);
        second = second.slice(0, n2);
      } else if (first.length > room) {
        truncated = true;
        first = first.slice(0, Math.max(room, 0));
      }
      const tokens = ["[CLS]", ...first, "[SEP]"];
      const types = tokens.map(() => 0);
      if (second) {
        tokens.push(...second, "[SEP]");
        for (let i = 0; i <= second.length; i++) types.push(1);
      }
      return {
        tokens,
        input_ids: tokens.map((t) => this.vocab.get(t)),
        token_type_ids: types,
        attention_mask: tokens.map(() => 1),
        truncated,
      };
    }
  }

  root.TutorWordPiece = WordPiece;
  if (typeof module !== "undefined") module.exports = WordPiece;
})(typeof self !== "undefined" ? self : globalThis);
